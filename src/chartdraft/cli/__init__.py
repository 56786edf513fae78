"""The ``chartdraft`` command line: ``app`` with every command registered, and ``main``."""

from chartdraft.cli import accounts, deid, evaluation, export, records
from chartdraft.cli.app import app, main

__all__ = ["accounts", "app", "deid", "evaluation", "export", "main", "records"]
