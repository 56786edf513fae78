"""Quality metrics read from a real record: what was signed as drafted, edited, rejected."""

import pytest

from chartdraft.domain.errors import NotAllowedError
from chartdraft.domain.review import Checklist
from chartdraft.domain.sections import SectionName
from chartdraft.services.clinic import Clinic
from chartdraft.services.metrics import metrics_for, practice_facts
from chartdraft.services.quality_metrics import GroupBy
from chartdraft.services.review import edit_section
from chartdraft.services.signing import reject_note, sign_note
from tests.storage.conftest import Team
from tests.storage.visits import MISSING_SECTIONS, InventingEngine, recorded_draft

CONFIRMED = Checklist(True, True, True, True)


def test_metrics_follow_what_clinicians_did(clinic: Clinic, team: Team):
    as_drafted = recorded_draft(clinic, team.clinician)
    sign_note(clinic, team.clinician, as_drafted, CONFIRMED)
    edited = recorded_draft(clinic, team.clinician)
    edit_section(
        clinic, team.clinician, edited, SectionName.PLAN, "- Continue levothyroxine 75 mcg daily."
    )
    sign_note(clinic, team.clinician, edited, CONFIRMED)
    rejected = recorded_draft(clinic, team.clinician, engine=InventingEngine())
    reject_note(clinic, team.clinician, rejected, "Wrong dose throughout.")
    recorded_draft(clinic, team.clinician, MISSING_SECTIONS)  # still in review

    (row,) = metrics_for(clinic, team.auditor, GroupBy.ALL)
    assert (row.encounters, row.signed, row.rejected) == (4, 2, 1)
    assert row.accepted_without_edits_rate == 0.5
    assert row.rejection_rate == pytest.approx(1 / 3)
    assert row.char_edit_distance_mean is not None
    assert 0 < row.char_edit_distance_mean < 0.5
    assert row.flagged_section_rate == pytest.approx(3 / 20)
    assert row.unsupported_claim_rate is not None
    assert row.unsupported_claim_rate > 0
    assert row.documentation_seconds_median is not None
    assert row.documentation_seconds_median > 0
    by_engine = {r.group: r for r in metrics_for(clinic, team.admin, GroupBy.ENGINE)}
    assert set(by_engine) == {"template", "inventing"}
    assert by_engine["inventing"].rejected == 1

    facts = {f.encounter_id: f for f in practice_facts(clinic.records, team.practice_id)}
    assert len(facts) == 4
    assert sorted(f.edits for f in facts.values()) == [0, 0, 0, 1]


def test_clinicians_and_scribes_do_not_read_practice_metrics(clinic: Clinic, team: Team):
    for who in (team.clinician, team.scribe):
        with pytest.raises(NotAllowedError):
            metrics_for(clinic, who, GroupBy.ALL)
