"""Background work on Celery workers with the real Redis broker."""
