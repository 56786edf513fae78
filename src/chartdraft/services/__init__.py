"""Use cases: compose the pipeline steps for the CLI, the web app and background jobs."""
