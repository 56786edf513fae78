"""Places smaller than a state: "City, ST 12345", facility names, "lives in Springfield".

States alone are not identifiers under Safe Harbor; a city, ZIP code, street or the name of a
hospital or clinic is. Street addresses and ZIP codes have shapes (see ``patterns``); cities
and facilities are found by their company: a state after them, a facility word, or a cue.
"""

import regex
from presidio_analyzer import Pattern

from chartdraft.domain.phi import PhiType
from chartdraft.privacy.name_lexicon import NameLexicon
from chartdraft.privacy.nlp import LANGUAGE
from chartdraft.privacy.patterns import STRONG, StrictPatternRecognizer

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "DC": "District of Columbia",
    "PR": "Puerto Rico", "GU": "Guam", "VI": "Virgin Islands", "AS": "American Samoa",
    "MP": "Northern Mariana Islands", "MH": "Marshall Islands", "PW": "Palau",
    "FM": "Federated States of Micronesia",
}  # fmt: skip
"""States, territories and freely associated states, as the US Postal Service abbreviates them."""
# State abbreviations that are also credentials or words ("Smith, MD", "Jones, PA").
_AMBIGUOUS_STATES = frozenset(
    {"MD", "PA", "MA", "MS", "ME", "OR", "IN", "OK", "HI", "DE", "CO", "AS", "PR", "VI", "GU"}
)
_FACILITY_WORDS = (
    r"(?:Hospital|Medical Cent(?:er|re)|Health Cent(?:er|re)|Clinic|Health System|Healthcare|"
    r"Health Care|Infirmary|Nursing Home|Rehabilitation Cent(?:er|re)|Rehab|Urgent Care|"
    r"Family Practice|Family Medicine|Medical Group|Medical Associates|Pharmacy|Hospice|"
    r"Nursing Facility|Care Cent(?:er|re)|Surgery Cent(?:er|re)|Cancer Cent(?:er|re)|"
    r"Medical Cent(?:er|re) Hospital|Memorial|Health|Physicians|Pediatrics|Orthopedics)"
)
# Words that make a facility generic, not a particular one ("the Family Clinic").
_GENERIC = frozenset(
    """the a an our this that your his her their general community regional university county
    city state children's childrens family medical memorial physical therapy urgent care primary
    emergency main local walk walk-in outpatient inpatient pain sleep eye heart women's womens
    mental behavioral health dental cancer surgical surgery specialty rehab rehabilitation
    diabetes wound infusion dialysis allergy vein lab laboratory imaging radiology cardiology
    st saint mount mt new north south east west central orthopedic orthopaedic sports spine
    vascular kidney neurology oncology pediatric pediatrics women children mr mrs ms dr""".split()
)
_CAP = r"[A-Z][\w'\u2019.-]{0,30}"  # bounded: a run of "Ab-Ab-Ab-..." must stay linear


class _PlaceRecognizer(StrictPatternRecognizer):
    def __init__(self, lexicon: NameLexicon, name: str, patterns: list[Pattern]) -> None:
        self.lexicon = lexicon
        super().__init__(
            supported_entity=PhiType.LOCATION.value,
            name=name,
            patterns=patterns,
            supported_language=LANGUAGE,
            global_regex_flags=regex.MULTILINE,
        )


class FacilityRecognizer(_PlaceRecognizer):
    """Hospitals, clinics and practices named after a person or a place."""

    def __init__(self, lexicon: NameLexicon) -> None:
        # Words on one line: a heading above "Clinic phone ..." is not part of a name.
        pattern = rf"\b(?:(?:St\.?|Saint|Mount|Mt\.?) )?(?:{_CAP}[ \t]+){{1,4}}{_FACILITY_WORDS}\b"
        super().__init__(lexicon, "FacilityRecognizer", [Pattern("facility", pattern, STRONG)])

    def validate_result(self, pattern_text: str) -> bool:
        """Keep a facility only when some word before its kind is particular."""
        words = regex.sub(_FACILITY_WORDS + r"$", "", pattern_text).split()
        return any(w.lower().strip(".,") not in _GENERIC for w in words)


class CityRecognizer(_PlaceRecognizer):
    """ "City, ST", "City, State" and places after "lives in", "moved from"."""

    def __init__(self, lexicon: NameLexicon) -> None:
        abbreviations = "|".join(US_STATES)
        states = "|".join(sorted(US_STATES.values(), key=len, reverse=True))
        zip_code = r"\d{5}(?:-\d{4})?"
        city = r"(?:St\.\s)?[A-Z][a-z]+(?:['\u2019][A-Za-z]+)?(?:[ -](?:[A-Z][a-z]+|of)){0,3}"
        cue = (
            r"(?i:\b(?:lives|living|resides|residing|moved(?:\s+here)?|relocated|"
            r"travel(?:l)?ed|returned|born|grew\s+up|home|works|worked|working|employed)"
            r"\s+(?:in|to|from|at|near)\s+)"
        )
        patterns = [
            Pattern("city, state", rf"\b{city},\s*(?:{abbreviations})\b\.?(?:\s+{zip_code})?", STRONG),
            Pattern("city, state name", rf"\b{city},\s*(?:{states})\b", STRONG),
            Pattern("after a cue", rf"(?<={cue})(?:the\s+)?{city}\b", STRONG),
            Pattern("before a zip code", rf"\b{city}(?=,?\s+{zip_code}\b)", 0.6),
        ]  # fmt: skip
        super().__init__(lexicon, "CityRecognizer", patterns)

    def validate_result(self, pattern_text: str) -> bool:
        """Refuse states alone, common words, and "Smith, MD" (a credential, not Maryland)."""
        place, _, state = pattern_text.partition(",")
        key = place.strip().lower()
        if key.removeprefix("the ") in {s.lower() for s in US_STATES.values()}:
            return False
        code = state.strip().rstrip(".")
        credential = code in _AMBIGUOUS_STATES and not any(ch.isdigit() for ch in state)
        return not (credential and self.lexicon.is_name(key))
