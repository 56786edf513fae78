"""Identifiers with a shape: dates, ages over 89, phone numbers, e-mail and web addresses, IPs,
SSNs, record and account numbers, street addresses and ZIP codes.

Each is a presidio ``PatternRecognizer``: a strong pattern scores high on its own; a weak one
(ten bare digits, a bare ZIP code) passes only when presidio finds a context word near it.
Patterns are written for clinical text, where "5/5 strength", "2/6 murmur", "3/10 pain" and
"120/80" are findings, not dates.
"""

import ipaddress
from functools import cache

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from chartdraft.domain.phi import PhiType
from chartdraft.privacy.nlp import LANGUAGE

_DASH = r"[-.\u2010-\u2015 ]"
"""A separator in a number: hyphen, the typographic dashes a word processor puts in, dot, space."""
STRONG = 0.85
WEAK = 0.3
"""Below the detector's threshold unless a context word lifts it."""

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MM = r"(?:0?[1-9]|1[0-2])"
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
# Words that put a bare month/day such as "3/14" in a date's place.
_DATE_CUE = (
    r"(?i:\b(?:on|since|from|until|till|by|dated?|dob|d\.o\.b\.?|seen|visit|born|through|"
    r"admitted|discharged|surgery|last|next|before|after|starting|effective|due|expires?)"
    r"\s*[:#]?\s*)"
)


# "pain 3/10", "strength 5/5", "2/6 murmur", "1/2 tablet": findings and amounts, not dates.
_NOT_A_SCORE = (
    r"(?<!(?i:\b(?:pain|strength|power|murmur|grade|graded|rated|rates|rating|score|scored|"
    r"reflexes|dtrs?|motor|sensation|pulses?|tone|vision|acuity|va|hearing|x|ratio|"
    r"tenderness|level|intensity|severity|gravida|para|g\d|p\d)\b[^.\n]{0,24}))(?<![\d/.-])"
)
_NOT_A_FRACTION = (
    r"(?![/\d]|\.\d|\s*(?i:tab|tablet|pill|cup|dose|strength|power|murmur|inch|in\b|cm|mm|"
    r"mg|ml|of\b|x\b|pain|scale|breaths?|days?|weeks?|hours?|per\b|%|hx|history|course|"
    r"systolic|diastolic|holosystolic|sem\b|ejection|abduction|adduction|flexion|extension|"
    r"on the|in the|bilat|and\s+\d|or\s+\d))"
)


class StrictPatternRecognizer(PatternRecognizer):
    """A pattern recognizer whose regex timeout is a failure, not a silently skipped pattern.

    Presidio logs a timed-out pattern and carries on, which would let a hostile capture pass
    with its identifiers unmasked; here the detection fails and nothing is sent.
    """

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Return a result per match; raise TimeoutError if any pattern runs out of time."""
        flags = regex_flags or self.global_regex_flags or 0
        results: list[RecognizerResult] = []
        patterns: list[Pattern] = self.patterns  # type: ignore[has-type]
        for pattern in patterns:
            compiled = _compiled(pattern.regex, flags)
            for match in compiled.finditer(text, timeout=PATTERN_TIMEOUT_SECONDS):
                result = self._result(match, pattern, flags)
                if result is not None:
                    results.append(result)
        return list(EntityRecognizer.remove_duplicates(results))

    def _result(
        self, match: "regex.Match[str]", pattern: Pattern, flags: int
    ) -> RecognizerResult | None:
        found, score = match.group(), pattern.score
        if not found:
            return None
        valid = self.validate_result(found)
        if valid is not None:
            score = EntityRecognizer.MAX_SCORE if valid else EntityRecognizer.MIN_SCORE
        if self.invalidate_result(found):
            score = EntityRecognizer.MIN_SCORE
        if score <= EntityRecognizer.MIN_SCORE:
            return None
        name: str = self.name  # type: ignore[has-type]
        metadata = {
            RecognizerResult.RECOGNIZER_NAME_KEY: name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        # The context step records its supporting word on the explanation: it must exist.
        explanation = self.build_regex_explanation(
            name, pattern.name, pattern.regex, score, bool(valid), flags
        )
        return RecognizerResult(
            self.supported_entities[0],
            match.start(),
            match.end(),
            score,
            analysis_explanation=explanation,
            recognition_metadata=metadata,
        )


@cache
def _compiled(pattern: str, flags: int) -> "regex.Pattern[str]":
    return regex.compile(pattern, flags=flags)


PATTERN_TIMEOUT_SECONDS = 5.0


def _recognizer(
    entity: PhiType,
    name: str,
    patterns: list[tuple[str, str, float]],
    context: list[str] | None = None,
    kind: type[StrictPatternRecognizer] = StrictPatternRecognizer,
) -> PatternRecognizer:
    return kind(
        supported_entity=entity.value,
        name=name,
        patterns=[Pattern(label, pattern, score) for label, pattern, score in patterns],
        context=context or [],
        supported_language=LANGUAGE,
        global_regex_flags=regex.MULTILINE,
    )


def date_recognizer() -> PatternRecognizer:
    """Return the recognizer of dates: every element but a year on its own."""
    return _recognizer(
        PhiType.DATE,
        "ClinicalDateRecognizer",
        [
            ("numeric", rf"\b{_MM}([/.-]){_DAY}\1(?:{_YEAR}|\d{{2}})\b(?![/-]\d)", STRONG),
            ("iso", rf"\b{_YEAR}[-/.](?:0[1-9]|1[0-2])[-/.](?:0[1-9]|[12]\d|3[01])\b", STRONG),
            ("month/day after a cue", rf"(?<={_DATE_CUE}){_MM}/{_DAY}\b(?![/\d]|\.\d)", STRONG),
            ("month/day", rf"{_NOT_A_SCORE}\b{_MM}/{_DAY}\b{_NOT_A_FRACTION}", 0.6),
            (
                "day-mon-year",
                rf"(?i)(?<![\d./-])\b{_DAY}[- ]{_MONTH}\.?[- ](?:{_YEAR}|\d{{2}})\b",
                STRONG,
            ),
            ("mon-day-year", rf"(?i)\b{_MONTH}-{_DAY}-(?:{_YEAR}|\d{{2}})\b", STRONG),
            (
                "month day",
                rf"\b(?i:{_MONTH})\.?\s+{_DAY}{_ORD}\b(?:,?\s+{_YEAR}\b)?(?!\s*(?:mg|ml|%))",
                STRONG,
            ),
            (
                "day month",
                rf"(?i)(?<![\d./-])\b(?:the\s+)?{_DAY}{_ORD}\s+(?:of\s+)?{_MONTH}\b(?:,?\s+{_YEAR}\b)?",
                STRONG,
            ),
            ("month year", rf"\b(?i:{_MONTH})\.?,?\s+{_YEAR}\b", STRONG),
            (
                "month after a cue",
                r"(?<=(?i:\b(?:in|since|during|early|mid|late|last|next|until|by)\s+))"
                r"(?:January|February|March|April|June|July|August|September|October|"
                r"November|December)\b",
                STRONG,
            ),
        ],
        context=["dob", "date", "born", "seen", "visit", "admitted", "discharged"],
    )


def age_recognizer() -> PatternRecognizer:
    """Return the recognizer of ages over 89 (Safe Harbor keeps younger ages)."""
    age = r"(?:9\d|1[0-1]\d)"
    return _recognizer(
        PhiType.AGE,
        "AgeOver89Recognizer",
        [
            (
                "n-year-old",
                rf"(?i)\b{age}(?:\s*|-)(?:years?|yrs?|y)(?:\s*|-)(?:old|of age|o\.?)\b\.?",
                STRONG,
            ),
            ("yo", rf"(?i)\b{age}\s*(?:yo|y/o|y\.o\.|yrs?|years)(?![\w/])", STRONG),
            ("age n", rf"(?<=(?i:\bage[d]?\s*:?\s*)){age}\b", STRONG),
            (
                "after a cue",
                rf"(?<=(?i:\b(?:turned|turns|turning|died at|passed away at|deceased at|"
                rf"lived to|lived until|now)\s+(?:age\s+)?)){age}\b(?!\s*(?:mg|%|kg|lb|bpm|/))",
                STRONG,
            ),
        ],
    )


def phone_recognizer() -> PatternRecognizer:
    """Return the recognizer of telephone, fax and pager numbers."""
    ext = r"(?:\s*(?:ext\.?|x|extension)\s*\d{1,5})?"
    return _recognizer(
        PhiType.PHONE,
        "PhoneRecognizer",
        [
            (
                "nanp",
                rf"(?<![\w/.-])(?:\+?1{_DASH}?)?\(?[2-9]\d{{2}}\)?{_DASH}?\d{{3}}{_DASH}\d{{4}}{ext}\b",
                STRONG,
            ),
            ("ten digits", r"(?<![\w/.-])[2-9]\d{9}\b", WEAK),
            ("local", r"(?<![\w/.()-])\d{3}-\d{4}\b", WEAK),
            ("international", r"(?<!\w)\+\d{1,3}(?:[ .-]?\d{2,4}){3,5}\b", STRONG),
        ],
        context=["phone", "tel", "telephone", "call", "cell", "mobile", "fax", "pager", "contact"],
    )


def email_recognizer() -> PatternRecognizer:
    """Return the recognizer of e-mail addresses."""
    return _recognizer(
        PhiType.EMAIL,
        "EmailRecognizer",
        [("email", r"\b[\w.+%-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b", STRONG)],
    )


def url_recognizer() -> PatternRecognizer:
    """Return the recognizer of web addresses (portals, personal pages)."""
    tld = r"(?:com|org|net|edu|gov|io|us|info|biz|co|health|care|me|ly)"
    return _recognizer(
        PhiType.URL,
        "UrlRecognizer",
        [
            ("scheme", r"(?i)\b(?:https?|ftp)://[^\s<>\"']+[^\s<>\"'.,;:!?)]", STRONG),
            ("www", r"(?i)\bwww\.[^\s<>\"']+[^\s<>\"'.,;:!?)]", STRONG),
            (
                "domain",
                rf"(?i)(?<![@\w.-])(?:[a-z0-9-]+\.)+{tld}\b(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)])?",
                0.6,
            ),
        ],
    )


class _IpRecognizer(StrictPatternRecognizer):
    def validate_result(self, pattern_text: str) -> bool:
        try:
            ipaddress.ip_address(pattern_text)
        except ValueError:
            return False
        return True


def ip_recognizer() -> PatternRecognizer:
    """Return the recognizer of IPv4 and IPv6 addresses (each checked as a real address)."""
    v4 = r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)"
    v6 = r"(?i)(?<![\w:])(?:[0-9a-f]{1,4}:){2,7}(?::|[0-9a-f]{1,4})(?![\w:])"
    return _recognizer(
        PhiType.IP, "IpRecognizer", [("ipv4", v4, STRONG), ("ipv6", v6, STRONG)], kind=_IpRecognizer
    )


def ssn_recognizer() -> PatternRecognizer:
    """Return the recognizer of Social Security numbers."""
    return _recognizer(
        PhiType.SSN,
        "SsnRecognizer",
        [
            ("dashed", r"(?<![\d-])\d{3}[-\u2010-\u2015]\d{2}[-\u2010-\u2015]\d{4}(?![\d-])", STRONG),
            ("spaced", r"(?<![\d-])(?<!\d )\d{3} \d{2} \d{4}(?![\d-]| \d)", STRONG),
            ("nine digits", r"(?<![\w.,/-])\d{9}(?![\w,/-]|\.\d)", 0.6),
            ("after a cue", r"(?<=(?i:\b(?:ssn|ss\s?#|social security(?: number| no\.?| #)?)\W{0,3}))"
             r"\d{3}[ .]?\d{2}[ .]?\d{4}\b", STRONG),
        ],
        context=["ssn", "social", "security"],
    )  # fmt: skip


_RECORD_VALUE = r"[A-Z]{0,4}[-#]?\d[\dA-Z-]{3,14}\b"


def mrn_recognizer() -> PatternRecognizer:
    """Return the recognizer of medical record numbers (the number, not its label)."""
    cue = (
        r"(?i:\b(?:mrn|mr\s?#|mr\s+no\.?|medical\s+record(?:\s+(?:number|no\.?|#))?|"
        r"record\s+(?:number|no\.?|#)|chart\s+(?:number|no\.?|#)|hospital\s+number)"
        r"\s*(?:is\s+|:|#)?\s*#?)"
    )
    return _recognizer(
        PhiType.MRN,
        "MrnRecognizer",
        [
            ("after a cue", rf"(?<={cue}){_RECORD_VALUE}", STRONG),
            # Nothing in a note but an identifier is seven to ten bare digits long (lab values
            # and doses are shorter or punctuated; phone numbers are punctuated).
            ("bare", r"(?<![\w.,/-])(?:\d{7,8}|\d{10})(?![\w,/-]|\.\d)", 0.6),
        ],
        context=["mrn", "record", "chart", "mr"],
    )


def id_recognizer() -> PatternRecognizer:
    """Return the recognizer of plan, account, licence, device and vehicle numbers."""
    cue = (
        r"(?i:\b(?:member|subscriber|policy|group|account|acct|insurance|medicaid|medicare|"
        r"mbi|health\s+plan|plan|beneficiary|claim|license|licence|driver'?s\s+license|dl|dea|"
        r"npi|passport|serial|device|implant|pacemaker|vin|vehicle|plate|license\s+plate|"
        r"badge|employee|id|identification|certificate)"
        r"(?:\s+(?:id|identification|number|no\.?|#|num))*\s*(?:is\s+|:|#)?\s*#?)"
    )
    return _recognizer(
        PhiType.ID,
        "AccountIdRecognizer",
        [
            ("after a cue", rf"(?<={cue})(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{{3,19}}\b", STRONG),
            ("vin", r"\b(?=[A-HJ-NPR-Z0-9]*\d)(?=[A-HJ-NPR-Z0-9]*[A-Z])[A-HJ-NPR-Z0-9]{17}\b", 0.6),
        ],
        context=["id", "number", "account", "member", "policy", "license"],
    )


_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|"
    r"Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Route|Rte|Square|Sq|Trail|Trl|Row|Alley|"
    r"Crescent|Close|Hill|Heights|Pike|Path|Plaza|Loop|Run|Walk)"
)
_CAPWORD = r"(?:[A-Z][a-z'\u2019]+|[A-Z]{2,}|\d{1,3}(?:st|nd|rd|th))"
_UNIT = r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Room|Rm|Fl|Floor|#)\.?\s*#?[\w-]{1,6})?"


def street_recognizer() -> PatternRecognizer:
    """Return the recognizer of street addresses and P.O. boxes."""
    return _recognizer(
        PhiType.LOCATION,
        "StreetAddressRecognizer",
        [
            (
                "street",
                rf"\b\d{{1,6}}[A-Z]?\s+(?:[NSEW]\.?\s+)?(?:{_CAPWORD}\s+){{1,3}}"
                rf"{_STREET_SUFFIX}\b\.?{_UNIT}",
                STRONG,
            ),
            ("po box", r"(?i)\bP\.?\s?O\.?\s+Box\s+\d{1,6}\b", STRONG),
        ],
    )


def zip_recognizer() -> PatternRecognizer:
    """Return the recognizer of ZIP codes (a bare five digits needs a cue or a state)."""
    states = (
        r"(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|"
        r"NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|"
        r"PR|GU|VI|AS|MP|MH|PW|FM)"
    )
    return _recognizer(
        PhiType.LOCATION,
        "ZipRecognizer",
        [
            ("after a state", rf"(?<=\b{states}\.?,?\s{{1,2}})\d{{5}}(?:-\d{{4}})?\b", STRONG),
            ("after a cue", r"(?<=(?i:\bzip(?:\s*code)?\s*:?\s*))\d{5}(?:-\d{4})?\b", STRONG),
            ("zip+4", r"(?<![\d-])\d{5}-\d{4}(?![\d-])", 0.6),
            (
                "after a place",
                r"(?<=\b[A-Z][a-z]+,?\s)\d{5}(?:-\d{4})?\b"
                r"(?!\s*(?i:mg|ml|units|steps|feet|ft|miles|cells|/|%|mcg|iu))",
                0.6,
            ),
        ],
        context=["zip", "postal"],
    )


def pattern_recognizers() -> list[PatternRecognizer]:
    """Return every shape-based recognizer."""
    return [
        date_recognizer(),
        age_recognizer(),
        phone_recognizer(),
        email_recognizer(),
        url_recognizer(),
        ip_recognizer(),
        ssn_recognizer(),
        mrn_recognizer(),
        id_recognizer(),
        street_recognizer(),
        zip_recognizer(),
    ]
