"""Allow `python -m chartdraft`."""

from chartdraft.cli import main

main()
