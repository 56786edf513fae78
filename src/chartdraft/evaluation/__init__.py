"""Public clinical text as chartdraft input, for tests, benchmarks and evaluation reports."""
