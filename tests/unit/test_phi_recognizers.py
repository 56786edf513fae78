"""The PHI detector, recognizer by recognizer: what it must find, and the clinical traps."""

import pytest

from chartdraft.bootstrap import phi_detector
from chartdraft.domain.phi import PhiType
from chartdraft.privacy.detector import PhiDetector
from chartdraft.privacy.entities import PhiEntity, resolve_overlaps

NAME, DATE, AGE, PHONE, EMAIL, SSN, MRN, ID, LOCATION, URL, IP = tuple(PhiType)


@pytest.fixture(scope="module")
def detector() -> PhiDetector:
    return phi_detector()


# text, then every identifier it holds as (type, exact text)
POSITIVES: list[tuple[str, list[tuple[PhiType, str]]]] = [
    # names: titles, relatives, introductions, lists, neighbours, verbs
    ("Mr. Brown's daughter Rose called.", [(NAME, "Brown"), (NAME, "Rose")]),
    ("Martha Collins is a 54-year-old woman.", [(NAME, "Martha Collins")]),
    ("Discussed with Dr. Nguyen today.", [(NAME, "Nguyen")]),
    ("Seen with his wife, Hope.", [(NAME, "Hope")]),
    ("Her son Will drove her in.", [(NAME, "Will")]),
    ("Patient: Gellespie, Barry", [(NAME, "Gellespie"), (NAME, "Barry")]),
    ("Physical therapy with Clark twice a week.", [(NAME, "Clark")]),
    ("Hill was counseled on diet and exercise.", [(NAME, "Hill")]),
    ("Rose helps with her medications.", [(NAME, "Rose")]),
    ("Hope called back about the results.", [(NAME, "Hope")]),
    ("Jimmy Parker presents with chest pain.", [(NAME, "Jimmy Parker")]),
    ("Referred by Dr. John Q. Smith for review.", [(NAME, "John Q. Smith")]),
    ("She sees Xiomara for counselling.", [(NAME, "Xiomara")]),
    ("hi martha, how are you feeling", [(NAME, "martha")]),
    ("Mr. Graves returns for follow-up.", [(NAME, "Graves")]),
    # dates: every element but the year
    ("DOB 03/14/1950.", [(DATE, "03/14/1950")]),
    ("Seen on 2024-03-14.", [(DATE, "2024-03-14")]),
    ("Surgery on March 14, 2024 went well.", [(DATE, "March 14, 2024")]),
    ("Admitted 14 March 2024.", [(DATE, "14 March 2024")]),
    ("Follow up on 5/12.", [(DATE, "5/12")]),
    ("Labs drawn 11/4 were unremarkable.", [(DATE, "11/4")]),
    ("Date of incident: 14-Mar-2024", [(DATE, "14-Mar-2024")]),
    ("Seen on the 17th of April.", [(DATE, "the 17th of April")]),
    ("Last seen in January 2008.", [(DATE, "January 2008")]),
    # ages over 89
    ("A 93-year-old woman with a fall.", [(AGE, "93-year-old")]),
    ("The patient, aged 104, lives alone.", [(AGE, "104")]),
    ("He turned 97 last month.", [(AGE, "97")]),
    # contact details and numbers
    ("Call (555) 123-4567 ext. 12 after 5pm.", [(PHONE, "(555) 123-4567 ext. 12")]),
    ("Fax: 555.201.4477", [(PHONE, "555.201.4477")]),
    ("Reach her at +44 20 7946 0958.", [(PHONE, "+44 20 7946 0958")]),
    ("Email jsmith@mailhost.net with results.", [(EMAIL, "jsmith@mailhost.net")]),
    ("SSN 123-45-6789 on file.", [(SSN, "123-45-6789")]),
    ("Identity confirmed with 725 35 6768.", [(SSN, "725 35 6768")]),
    ("MRN: 00123456", [(MRN, "00123456")]),
    ("Medical record #MR2687666 reviewed.", [(MRN, "MR2687666")]),
    ("Member ID: XJ4455221", [(ID, "XJ4455221")]),
    ("Driver's license D1234-5678-90 checked.", [(ID, "D1234-5678-90")]),
    ("Portal at https://mychart.clinic.org/patient/8812 today.", [(URL, "https://mychart.clinic.org/patient/8812")]),
    ("See www.mychart.org for results.", [(URL, "www.mychart.org")]),
    ("Logged in from 192.168.1.20 today.", [(IP, "192.168.1.20")]),
    # places smaller than a state
    ("Lives at 123 Oak Street, Apt 4.", [(LOCATION, "123 Oak Street, Apt 4")]),
    ("Springfield, IL 62704", [(LOCATION, "Springfield, IL 62704")]),
    ("Transferred from St. Mary's Hospital.", [(LOCATION, "St. Mary's Hospital")]),
    ("She moved here from Vernal last year.", [(LOCATION, "Vernal")]),
]  # fmt: skip

# Clinical text with no identifier in it: eponyms, drugs, scores, years, findings.
TRAPS = [
    "Parkinson's disease, stable on carbidopa-levodopa.",
    "Graves disease, on methimazole.",
    "Bell's palsy of the right face, improving.",
    "Foley catheter in place; Apgar 9 at five minutes.",
    "Lasix 40 mg daily; Tylenol as needed.",
    "Murphy sign negative. Homans sign negative. McMurray test negative.",
    "Strength 5/5 throughout; pain 3/10; BP 120/80; 2/6 systolic ejection murmur.",
    "Take 1/2 tablet twice daily.",
    "Diagnosed with diabetes in 2019; colonoscopy in 2020.",
    "He is a 45-year-old man with COPD and PVCs.",
    "Patient denies chest pain. He reports improved sleep.",
    "Counseling: discussed diet and exercise.",
    "Wells score 2; Glasgow Coma Scale 15.",
    "Alzheimer's dementia and Crohn disease.",
    "Hashimoto thyroiditis; Cushing syndrome ruled out.",
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES, ids=[t for t, _ in POSITIVES])
def test_finds_each_identifier(
    detector: PhiDetector, text: str, expected: list[tuple[PhiType, str]]
) -> None:
    found = [(e.type, e.text) for e in detector.detect(text)]
    assert found == expected


@pytest.mark.parametrize("text", TRAPS)
def test_clinical_words_are_not_identifiers(detector: PhiDetector, text: str) -> None:
    assert detector.detect(text) == []


def test_spans_point_at_the_text(detector: PhiDetector) -> None:
    text = "Martha Collins (MRN 00123456) was seen 03/14/2024 by Dr. Nguyen."
    for entity in detector.detect(text):
        assert text[entity.start : entity.end] == entity.text
        assert 0.5 <= entity.score <= 1.0


@pytest.mark.parametrize("text", ["", "   \n\t", "\x00\x01", "a" * 10_000])
def test_empty_odd_and_long_text(detector: PhiDetector, text: str) -> None:
    assert detector.detect(text) == []


def entity(kind: PhiType, start: int, end: int, score: float = 0.85) -> PhiEntity:
    return PhiEntity(kind, start, end, TEXT[start:end], score)


TEXT = "Springfield, IL 62704 and Dr. Nguyen"


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ([], []),
        ([entity(NAME, 30, 36)], [(NAME, 30, 36)]),
        # overlapping detections mask their union, typed by the longest part
        ([entity(NAME, 0, 11), entity(LOCATION, 0, 21)], [(LOCATION, 0, 21)]),
        ([entity(LOCATION, 0, 15), entity(LOCATION, 13, 21)], [(LOCATION, 0, 21)]),
        # same length: the surer, then the more specific type
        ([entity(ID, 16, 21, 0.6), entity(LOCATION, 16, 21, 0.85)], [(LOCATION, 16, 21)]),
        ([entity(ID, 16, 21), entity(MRN, 16, 21)], [(MRN, 16, 21)]),
        # touching is not overlapping
        ([entity(NAME, 0, 11), entity(LOCATION, 11, 15)], [(NAME, 0, 11), (LOCATION, 11, 15)]),
    ],
)
def test_overlapping_detections_become_one_entity(
    found: list[PhiEntity], expected: list[tuple[PhiType, int, int]]
) -> None:
    resolved = resolve_overlaps(found, TEXT)
    assert [(e.type, e.start, e.end) for e in resolved] == expected
    assert all(e.text == TEXT[e.start : e.end] for e in resolved)
