"""Background work: drafting jobs, run in this process for the embedded default."""
