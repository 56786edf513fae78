"""The ``chartdraft`` command line: ``app`` with every command registered, and ``main``."""

from chartdraft.cli import deid, evaluation, records
from chartdraft.cli.app import app, main

__all__ = ["app", "deid", "evaluation", "main", "records"]
