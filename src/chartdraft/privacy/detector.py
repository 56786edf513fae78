"""The PHI detector: presidio's analyzer running chartdraft's clinical recognizers.

Presidio supplies the framework (recognizer registry, context words, score threshold); the
recognizers are ours, written for clinical text. No statistical model is loaded, so the detector
starts in about a second, runs the same on every machine, and never downloads anything.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry

from chartdraft.domain.phi import PhiType
from chartdraft.privacy.entities import PhiEntity, resolve_overlaps
from chartdraft.privacy.invisible import original_span, visible
from chartdraft.privacy.name_lexicon import NameLexicon, load_name_lexicon
from chartdraft.privacy.name_recognizer import NameRecognizer
from chartdraft.privacy.nlp import LANGUAGE, TokenizerOnlyEngine
from chartdraft.privacy.patterns import pattern_recognizers
from chartdraft.privacy.place_recognizer import CityRecognizer, FacilityRecognizer
from chartdraft.privacy.repeats import mask_repeats

PRESIDIO_LOGGER = "presidio-analyzer"
THRESHOLD = 0.5
"""A weak pattern (ten bare digits) passes only with a context word beside it."""


@dataclass(frozen=True, eq=False)
class PhiDetector:
    """Finds identifiers in text; one instance is shared (it holds no per-visit state)."""

    analyzer: AnalyzerEngine
    lexicon: NameLexicon

    def detect(self, text: str) -> list[PhiEntity]:
        """Return the identifiers in ``text``, in order, none overlapping."""
        return self.detect_all([text])[0]

    def detect_all(self, texts: list[str]) -> list[list[PhiEntity]]:
        """Return the identifiers of several texts of one visit, a name found in one masked in all."""
        found = [self._detect(text) for text in texts]
        return mask_repeats(texts, found, self.lexicon)

    def _detect(self, written: str) -> list[PhiEntity]:
        text, kept = visible(written)
        entities: list[PhiEntity] = []
        for start, end in chunks(text):
            part = text[start:end]
            if not part.strip():
                continue
            results = self.analyzer.analyze(text=part, language=LANGUAGE, score_threshold=THRESHOLD)
            entities.extend(
                PhiEntity(
                    type=PhiType(r.entity_type),
                    start=start + r.start,
                    end=start + r.end,
                    text=part[r.start : r.end],
                    score=round(float(r.score), 3),
                    recognizer=str(r.recognition_metadata.get("recognizer_name", "")),
                )
                for r in results
                if part[r.start : r.end].strip()
            )
        if kept:
            entities = [_on_written(e, written, kept) for e in entities]
        return resolve_overlaps(entities, written)


def _on_written(entity: PhiEntity, written: str, kept: list[int]) -> PhiEntity:
    start, end = original_span(entity.start, entity.end, kept)
    return PhiEntity(entity.type, start, end, written[start:end], entity.score, entity.recognizer)


CHUNK = 6000
"""Characters analysed at once. Presidio's context step grows with identifiers x words, so a
1 MB capture is read in pieces, cut only at line or sentence ends."""


def chunks(text: str, size: int = CHUNK) -> list[tuple[int, int]]:
    """Return ``(start, end)`` pieces of at most about ``size``, cut after a newline or ". "."""
    pieces: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = max(window.rfind("\n"), window.rfind(". ") + 1)
        end = start + (cut + 1 if cut > size // 4 else size)
        pieces.append((start, end))
        start = end
    pieces.append((start, len(text)))
    return pieces


def clinical_recognizers(lexicon: NameLexicon) -> list[EntityRecognizer]:
    """Return every recognizer the detector runs."""
    return [
        *pattern_recognizers(),
        NameRecognizer(lexicon),
        CityRecognizer(lexicon),
        FacilityRecognizer(lexicon),
    ]


def build_detector(
    lexicon: NameLexicon | None = None,
    clinical_words: Iterable[str] = (),
    ner_model: str | None = None,
) -> PhiDetector:
    """Return a detector; ``clinical_words`` (drugs, findings) are never taken for names.

    ``ner_model`` names an installed spaCy package whose PERSON and place entities are added.
    """
    # Presidio's debug and info lines quote the text it analyses (context words, lower-cased,
    # which no redaction can recognise): the detector of PHI must not be a source of it.
    logging.getLogger(PRESIDIO_LOGGER).setLevel(logging.WARNING)
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    words = lexicon or load_name_lexicon(clinical_words)
    for recognizer in clinical_recognizers(words):
        registry.add_recognizer(recognizer)
    engine = TokenizerOnlyEngine() if ner_model is None else _ner_engine(ner_model, words, registry)
    engine.load()
    return PhiDetector(AnalyzerEngine(registry=registry, nlp_engine=engine), words)


def _ner_engine(
    model: str, lexicon: NameLexicon, registry: RecognizerRegistry
) -> TokenizerOnlyEngine:
    from chartdraft.privacy.ner import NerEngine, ner_recognizer  # noqa: PLC0415

    registry.add_recognizer(ner_recognizer())
    return NerEngine(model, lexicon)
