"""chartdraft: turn what a clinician captured after a visit into a grounded draft for sign-off."""

__version__ = "0.1.0"
