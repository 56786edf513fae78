"""An optional statistical name and place finder: a spaCy NER model the practice installed.

Off by default. The rules find names by cue, list and context; a model can add names neither
knows ("Tsehay said ..."), at the price of false alarms on drug and device names. The
evaluation measures both with and without it (`chartdraft eval deid`). The model is loaded
from an installed package, never downloaded.
"""

import importlib.util

import spacy
from presidio_analyzer import EntityRecognizer
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from spacy.tokens import Doc, Span

from chartdraft.domain.phi import PhiType
from chartdraft.privacy.name_lexicon import NameLexicon
from chartdraft.privacy.nlp import LANGUAGE, TokenizerOnlyEngine

NER_LABELS = {
    "PERSON": PhiType.NAME,
    "GPE": PhiType.LOCATION,
    "LOC": PhiType.LOCATION,
    "FAC": PhiType.LOCATION,
}
NER_SCORE = 0.7
"""Above the threshold: the model's word is enough, as the evaluation shows what it costs."""


def ner_model_installed(model: str) -> bool:
    """Return True when ``model`` is an installed spaCy package."""
    return importlib.util.find_spec(model) is not None


class NerEngine(TokenizerOnlyEngine):
    """Tokens as before, plus the model's PERSON and place entities under our type names."""

    def __init__(self, model: str, lexicon: NameLexicon) -> None:
        super().__init__()
        self.model = model
        self.lexicon = lexicon

    def load(self) -> None:
        """Load the installed model (``spacy.load`` of a package name downloads nothing)."""
        nlp = spacy.load(self.model, exclude=["parser", "lemmatizer"])
        self.nlp = {LANGUAGE: nlp}  # type: ignore[assignment]  # None until loaded in presidio

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        artifacts = super()._doc_to_nlp_artifact(doc, language)
        entities = [
            Span(doc, e.start, e.end, label=NER_LABELS[e.label_].value)
            for e in doc.ents
            if e.label_ in NER_LABELS and not self._clinical(e)
        ]
        artifacts.entities = entities
        artifacts.scores = [NER_SCORE] * len(entities)
        return artifacts

    def _clinical(self, entity: Span) -> bool:
        # Models trained on news take "Lasix" and "Foley" for people; the vocabulary knows better.
        return any(token.lower_ in self.lexicon.not_names for token in entity)


def ner_recognizer() -> EntityRecognizer:
    """Return presidio's recognizer of the entities the NER engine put in the artifacts."""
    return SpacyRecognizer(
        supported_language=LANGUAGE,
        supported_entities=[PhiType.NAME.value, PhiType.LOCATION.value],
    )
