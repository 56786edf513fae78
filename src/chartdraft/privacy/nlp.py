"""The tokenizer presidio runs before its recognizers: spaCy's blank English, no model download.

Presidio's context words ("MRN", "phone", "DOB") raise a weak pattern's score when they occur
near it; finding them needs tokens and lemmas. spaCy's rule-based tokenizer gives the tokens,
and the lower-cased token stands in for the lemma (the context words are listed in every form
we expect: "phone", "phones", "tel").
"""

import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts, SlimSpacyNlpEngine
from spacy.tokens import Doc

LANGUAGE = "en"


class TokenizerOnlyEngine(SlimSpacyNlpEngine):
    """A presidio NLP engine that only tokenizes: fast, offline, the same on every machine."""

    def __init__(self) -> None:
        super().__init__(models=[{"lang_code": LANGUAGE, "model_name": "blank"}])

    def load(self) -> None:
        """Build spaCy's blank English pipeline (a tokenizer; nothing to download)."""
        # presidio declares the attribute as None until loaded; a dict is what it then holds.
        self.nlp = {LANGUAGE: spacy.blank(LANGUAGE)}  # type: ignore[assignment]

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        return NlpArtifacts(
            entities=[],
            tokens=doc,
            tokens_indices=[token.idx for token in doc],
            lemmas=[token.lower_ for token in doc],
            nlp_engine=self,
            language=language,
            scores=[],
        )
