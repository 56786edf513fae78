"""Serve the app with uvicorn (``chartdraft serve``)."""

import uvicorn

from chartdraft.config import Settings
from chartdraft.web.app import create_app


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the app until interrupted; access logs carry paths and status, never bodies."""
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=False)
