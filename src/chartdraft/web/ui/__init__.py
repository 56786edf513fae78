"""The clinician's pages: server-rendered with Jinja2, enhanced with htmx (vendored)."""
