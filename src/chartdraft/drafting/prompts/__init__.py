"""Versioned prompt files (``<id>.v<version>.toml``); a wording change is a new file."""
