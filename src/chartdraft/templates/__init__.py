"""Encounter-type templates (TOML data files a practice can edit) and their loader."""
