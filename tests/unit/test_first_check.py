"""The first grounding check catches statements with no source and numbers not in the input."""

from chartdraft.capture.structured import parse_text
from chartdraft.domain.draft import EngineInfo, SoapDraft
from chartdraft.domain.findings import FindingKind, Severity
from chartdraft.domain.note import DraftSection, SectionStatus, Statement
from chartdraft.domain.sections import SectionName as S
from chartdraft.domain.visit import SourceSpan
from chartdraft.verify.first_check import check_sources, numbers_in

VISIT = parse_text("O: BP 124/90, HR 78\nP: lisinopril 20 mg daily")


def note_with(statement: Statement, section: S = S.OBJECTIVE) -> SoapDraft:
    sections = tuple(
        DraftSection(
            name=name,
            title=name.value,
            status=SectionStatus.COMPLETE,
            statements=(statement,) if name is section else (),
        )
        for name in S
    )
    return SoapDraft(
        encounter_type="general", title="t", engine=EngineInfo(name="test"), sections=sections
    )


def span(field: str, text: str) -> SourceSpan:
    start = VISIT.field(field).text.index(text)
    return SourceSpan(field=field, start=start, end=start + len(text))


def test_faithful_statement_passes() -> None:
    statement = Statement(
        id="s1", text="BP 124/90, HR 78.", sources=(span("objective", "BP 124/90, HR 78"),)
    )
    assert check_sources(VISIT, note_with(statement)) == []


def test_changed_blood_pressure_is_unsupported() -> None:
    statement = Statement(
        id="s1", text="BP 142/90, HR 78.", sources=(span("objective", "BP 124/90, HR 78"),)
    )
    [finding] = check_sources(VISIT, note_with(statement))
    assert (finding.kind, finding.severity, finding.statement_id) == (
        FindingKind.UNSUPPORTED_STATEMENT,
        Severity.MAJOR,
        "s1",
    )
    assert "142/90" in finding.message


def test_changed_dose_is_unsupported() -> None:
    statement = Statement(
        id="s2", text="Lisinopril 200 mg daily.", sources=(span("plan", "lisinopril 20 mg daily"),)
    )
    [finding] = check_sources(VISIT, note_with(statement, S.PLAN))
    assert "200" in finding.message


def test_statement_without_source_is_unsupported() -> None:
    [finding] = check_sources(VISIT, note_with(Statement(id="s3", text="Lungs clear.", sources=())))
    assert "does not cite" in finding.message


def test_source_outside_the_input_is_unsupported() -> None:
    bogus = SourceSpan(field="objective", start=0, end=10_000)
    [finding] = check_sources(
        VISIT, note_with(Statement(id="s4", text="BP 124/90.", sources=(bogus,)))
    )
    assert "does not exist" in finding.message


def test_numbers_are_compared_as_written() -> None:
    assert numbers_in("BP 142/90, 1,000 units, T 98.6") == ["142/90", "1000", "98.6"]
