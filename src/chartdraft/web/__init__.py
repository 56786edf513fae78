"""The web app: REST API under /api/v1 (and, later, the review pages)."""
