"""The ``chartdraft`` command line: ``app`` with every command registered, and ``main``."""

from chartdraft.cli import (
    accounts,
    deid,
    deliveries,
    dictation,
    evaluation,
    export,
    records,
    worker,
)
from chartdraft.cli.app import app, main

__all__ = [
    "accounts",
    "app",
    "deid",
    "deliveries",
    "dictation",
    "evaluation",
    "export",
    "main",
    "records",
    "worker",
]
