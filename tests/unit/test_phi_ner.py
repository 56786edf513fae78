"""The optional NER model: it adds names, keeps drugs and devices clinical, and must be installed."""

import pytest

from chartdraft.bootstrap import name_lexicon, phi_detector
from chartdraft.domain.errors import ConfigError
from chartdraft.domain.phi import PhiType
from chartdraft.evaluation.deid_baselines import installed_spacy_small
from chartdraft.privacy.detector import build_detector
from tests.conftest import require


@pytest.fixture(scope="module")
def model() -> str:
    small = installed_spacy_small()
    require(small is not None, "spaCy's small English model (scripts/install-spacy-small.sh)")
    assert small is not None
    return small


def test_the_model_adds_people_and_keeps_clinical_words(model: str) -> None:
    detector = build_detector(name_lexicon(), ner_model=model)
    found = detector.detect("Seen with Olufunmilayo. Lasix 40 mg daily, Foley in place.")
    assert [(e.type, e.text) for e in found] == [(PhiType.NAME, "Olufunmilayo")]
    assert found[0].recognizer == "SpacyRecognizer"  # the model's word, joined to the rules'
    assert not [e for e in detector.detect("Lasix 40 mg daily, Foley in place.")]


def test_a_model_that_is_not_installed_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="not installed"):
        phi_detector("en_core_web_nonexistent")
