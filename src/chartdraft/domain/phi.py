"""The kinds of identifier chartdraft protects: the HIPAA Safe Harbor ones found in visit notes."""

from enum import StrEnum


class PhiType(StrEnum):
    """An identifier type; the values are the ``chartdraft.deid/1`` contract's names."""

    NAME = "NAME"
    """Patients, relatives, clinicians."""
    DATE = "DATE"
    """Every date element but the year."""
    AGE = "AGE"
    """Ages over 89 (younger ages are not identifiers)."""
    PHONE = "PHONE"
    """Telephone and fax numbers."""
    EMAIL = "EMAIL"
    SSN = "SSN"
    MRN = "MRN"
    """Medical record numbers."""
    ID = "ID"
    """Health plan, account, licence, device and vehicle numbers."""
    LOCATION = "LOCATION"
    """Street, city, ZIP code and facility names."""
    URL = "URL"
    IP = "IP"
