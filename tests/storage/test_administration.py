"""A practice's administration on both databases: members, templates, engines, BAAs, retention."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest

from chartdraft.domain.audit import AuditKind
from chartdraft.domain.errors import (
    AuthenticationError,
    ConfigError,
    InputError,
    NotAllowedError,
    NotFoundError,
)
from chartdraft.domain.practice import Actor
from chartdraft.domain.review import Role
from chartdraft.services.accounts import authenticate_token, create_token
from chartdraft.services.administration import (
    add_practice_member,
    choose_engine,
    end_baa,
    engine_listing,
    practice_engines,
    record_baa,
    set_retention,
)
from chartdraft.services.clinic import Clinic
from chartdraft.services.people import change_role, set_member_active
from chartdraft.services.practice_templates import (
    TemplateRejectedError,
    practice_catalog,
    save_template,
)
from chartdraft.services.review import get_draft
from chartdraft.services.sessions import LoginThrottle, SessionPolicy, session_caller, sign_in
from chartdraft.services.upkeep import RetentionPolicy, purge_expired
from chartdraft.store.administration import Baa
from chartdraft.store.audit_chain import list_events
from tests.storage.conftest import Clock, Team, make_team
from tests.storage.visits import recorded_draft

PASSWORD = "a long enough password"
POLICY = SessionPolicy()
TEMPLATE = """name = "{name}"
title = "{title}"
aliases = [{aliases}]
[sections.chief_complaint]
need = "why"
[sections.subjective]
need = "history"
[sections.objective]
need = "findings"
[sections.assessment]
need = "assessment"
[sections.plan]
need = "plan"
"""


def _template(name: str, title: str = "A visit", aliases: str = "") -> str:
    return TEMPLATE.format(name=name, title=title, aliases=aliases)


def _baa(
    signed: date, *, expires: date | None = None, engines: tuple[str, ...] = ("openai",)
) -> Baa:
    return Baa("", "OpenAI", "BAA-1", signed, expires, None, engines, "signed by the partners")


def _kinds(clinic: Clinic, practice_id: str, kind: AuditKind) -> list[dict[str, object]]:
    with clinic.records.unscoped() as session:
        return [dict(e.entry.details) for e in list_events(session, practice_id, kind=kind)]


def test_a_deactivated_member_loses_sessions_and_tokens_for_good(clinic: Clinic, team: Team):
    user_id = add_practice_member(clinic, team.admin, email="temp@example.org",
                                  display_name="Temp", role=Role.SCRIBE, password=PASSWORD)  # fmt: skip
    throttle = LoginThrottle()
    signed = sign_in(clinic, "temp@example.org", PASSWORD, policy=POLICY, throttle=throttle,
                     client="test")  # fmt: skip
    token = create_token(clinic, "temp@example.org", frozenset({"queue:read"}))
    assert session_caller(clinic, signed.secret, POLICY).principal.actor.role is Role.SCRIBE

    change_role(clinic, team.admin, user_id, Role.CLINICIAN)
    # The role is read from the record on every request: the change applies at once.
    assert session_caller(clinic, signed.secret, POLICY).principal.actor.role is Role.CLINICIAN

    set_member_active(clinic, team.admin, user_id, active=False)
    with pytest.raises(AuthenticationError):
        session_caller(clinic, signed.secret, POLICY)
    with pytest.raises(AuthenticationError):
        authenticate_token(clinic, token)
    with pytest.raises(AuthenticationError):
        sign_in(clinic, "temp@example.org", PASSWORD, policy=POLICY, throttle=throttle,
                client="test")  # fmt: skip

    set_member_active(clinic, team.admin, user_id, active=True)
    # Reactivation does not bring an old cookie or token back.
    with pytest.raises(AuthenticationError):
        session_caller(clinic, signed.secret, POLICY)
    with pytest.raises(AuthenticationError):
        authenticate_token(clinic, token)
    fresh = sign_in(clinic, "temp@example.org", PASSWORD, policy=POLICY, throttle=throttle,
                    client="test")  # fmt: skip
    assert session_caller(clinic, fresh.secret, POLICY).principal.actor.user_id == user_id
    assert _kinds(clinic, team.practice_id, AuditKind.USER_REACTIVATED) == [{"user_id": user_id}]
    assert _kinds(clinic, team.practice_id, AuditKind.USER_ROLE_CHANGED) == [
        {"user_id": user_id, "from_role": "scribe", "role": "clinician", "may_cosign": False}
    ]


def test_only_admins_administer_and_never_themselves(clinic: Clinic, team: Team):
    with pytest.raises(NotAllowedError):
        change_role(clinic, team.clinician, team.clinician.user_id, Role.ADMIN)
    with pytest.raises(NotAllowedError):
        set_member_active(clinic, team.scribe, team.clinician.user_id, active=False)
    with pytest.raises(NotAllowedError):
        add_practice_member(clinic, team.auditor, email="x@example.org", display_name="X",
                            role=Role.ADMIN, password=PASSWORD)  # fmt: skip
    denied = _kinds(clinic, team.practice_id, AuditKind.ACCESS_DENIED)
    assert [d["action"] for d in denied] == ["administer the practice"] * 3
    with pytest.raises(InputError, match="your own role"):
        change_role(clinic, team.admin, team.admin.user_id, Role.CLINICIAN)
    with pytest.raises(InputError, match="your own account"):
        set_member_active(clinic, team.admin, team.admin.user_id, active=False)
    with pytest.raises(InputError, match="12 to 1024"):
        add_practice_member(clinic, team.admin, email="y@example.org", display_name="Y",
                            role=Role.SCRIBE, password="short")  # fmt: skip
    other = make_team(clinic)
    with pytest.raises(NotFoundError):
        set_member_active(clinic, team.admin, other.clinician.user_id, active=False)


def test_a_second_admin_may_demote_the_first_but_one_always_remains(clinic: Clinic, team: Team):
    second = add_practice_member(clinic, team.admin, email=f"second.{team.practice_id}@example.org",
                                 display_name="Second", role=Role.ADMIN, password=PASSWORD)  # fmt: skip
    change_role(clinic, team.admin, second, Role.CLINICIAN)
    with clinic.records.practice(team.practice_id) as records:
        assert records.people.active_admin_ids() == {team.admin.user_id}
        assert records.people.member(second).role is Role.CLINICIAN


def _demote(clinic: Clinic, start: threading.Barrier, actor: Actor, target: str) -> str:
    start.wait()
    try:
        change_role(clinic, actor, target, Role.CLINICIAN)
    except (InputError, NotAllowedError) as exc:
        return type(exc).__name__
    return "done"


def test_two_admins_demoting_each_other_at_once_leave_one(clinic: Clinic):
    for _ in range(4):  # whatever the interleaving, the practice keeps an admin
        team = make_team(clinic)
        second = add_practice_member(
            clinic, team.admin, email=f"b.{team.practice_id}@example.org", display_name="B",
            role=Role.ADMIN, password=PASSWORD,
        )  # fmt: skip
        other = Actor(second, team.practice_id, Role.ADMIN)
        start = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            runs = [pool.submit(_demote, clinic, start, team.admin, second),
                    pool.submit(_demote, clinic, start, other, team.admin.user_id)]  # fmt: skip
            outcomes = sorted(run.result() for run in runs)
        with clinic.records.practice(team.practice_id) as records:
            assert len(records.people.active_admin_ids()) == 1, outcomes
        assert outcomes.count("done") == 1, outcomes


def test_a_practice_catalog_adds_and_overrides_for_that_practice_only(clinic: Clinic, team: Team):
    save_template(clinic, team.admin, _template("wound-check", aliases='"dressing change"'))
    save_template(clinic, team.admin, _template("general", "Our visit", '"office visit"'))
    catalog = practice_catalog(clinic, team.practice_id)
    assert catalog.resolve("Dressing change").name == "wound-check"
    assert catalog.resolve("general").title == "Our visit"
    assert catalog.resolve("follow-up").name == "follow-up"  # bundled ones stay
    other = practice_catalog(clinic, make_team(clinic).practice_id)
    assert other.resolve("general").title == "Office visit"
    with pytest.raises(InputError):
        other.resolve("wound-check")
    # A clash with another template's alias, and a broken text, are refused with reasons.
    with pytest.raises(TemplateRejectedError, match="both answer to"):
        save_template(clinic, team.admin, _template("dressing", aliases='"wound check"'))
    with pytest.raises(TemplateRejectedError) as refused:
        save_template(clinic, team.admin, 'name = "Bad Name"\ntitle = "t"\nsections = {}')
    assert refused.value.reasons[0].startswith("name: use lower-case letters")
    with pytest.raises(NotAllowedError):
        save_template(clinic, team.scribe, _template("scribe-made"))
    assert [e["template"] for e in _kinds(clinic, team.practice_id, AuditKind.TEMPLATE_SAVED)] == [
        "general", "wound-check",
    ]  # fmt: skip


def test_practice_engines_narrow_the_settings(clinic: Clinic, team: Team):
    settings = clinic.drafting.engines
    assert settings["ollama"].may_receive_phi()
    assert not settings["openai"].may_receive_phi()
    assert practice_engines(clinic, team.practice_id) == dict(settings)
    choose_engine(clinic, team.admin, "lmstudio", enabled=False, phi_allowed=False)
    choose_engine(clinic, team.admin, "ollama", enabled=True, phi_allowed=False)
    engines = practice_engines(clinic, team.practice_id)
    assert "lmstudio" not in engines
    assert not engines["ollama"].may_receive_phi()  # withdrawn: always pseudonymized
    assert practice_engines(clinic, make_team(clinic).practice_id) == dict(settings)


def test_remote_phi_permission_needs_a_baa_in_force_that_covers_the_engine(
    clinic: Clinic, team: Team
):
    clock = clinic.clock
    assert isinstance(clock, Clock)
    today = clock.now.date()
    with pytest.raises(InputError, match="Choose the BAA"):
        choose_engine(clinic, team.admin, "openai", enabled=True, phi_allowed=True)
    with pytest.raises(InputError, match="expiry date must come after"):
        record_baa(clinic, team.admin, _baa(today, expires=today))
    with pytest.raises(InputError, match="engines"):
        record_baa(clinic, team.admin, _baa(today, engines=("no-such-engine",)))
    narrow = record_baa(clinic, team.admin, _baa(today, engines=("anthropic",)))
    with pytest.raises(InputError, match="does not cover"):
        choose_engine(clinic, team.admin, "openai", enabled=True, phi_allowed=True, baa_id=narrow)
    others = record_baa(clinic, (other := make_team(clinic)).admin, _baa(today))
    with pytest.raises(NotFoundError):
        choose_engine(clinic, team.admin, "openai", enabled=True, phi_allowed=True, baa_id=others)

    baa_id = record_baa(clinic, team.admin, _baa(today - timedelta(days=5),
                                                 expires=today + timedelta(days=10)))  # fmt: skip
    choose_engine(clinic, team.admin, "openai", enabled=True, phi_allowed=True, baa_id=baa_id)
    openai = practice_engines(clinic, team.practice_id)["openai"]
    assert openai.may_receive_phi()
    assert openai.baa is not None
    assert openai.baa.reference == "BAA-1"
    assert not practice_engines(clinic, other.practice_id)["openai"].may_receive_phi()
    listed = {e.name: e for e in engine_listing(clinic, team.admin)}
    assert listed["openai"].phi_allowed
    assert listed["openai"].baa is not None

    clock.now += timedelta(days=11)  # the agreement has expired: no PHI, whatever was chosen
    assert not practice_engines(clinic, team.practice_id)["openai"].may_receive_phi()
    clock.now -= timedelta(days=11)
    end_baa(clinic, team.admin, baa_id, today)
    assert not practice_engines(clinic, team.practice_id)["openai"].may_receive_phi()
    with pytest.raises(InputError, match="already ended"):
        end_baa(clinic, team.admin, baa_id, today)
    with pytest.raises(InputError, match="not in force"):
        choose_engine(clinic, team.admin, "openai", enabled=True, phi_allowed=True, baa_id=baa_id)
    choose_engine(clinic, team.admin, "openai", enabled=True, phi_allowed=False)  # always allowed
    assert [e["phi_allowed"] for e in _kinds(clinic, team.practice_id, AuditKind.ENGINE_CHANGED)] == [
        False, True,
    ]  # fmt: skip
    assert _kinds(clinic, team.practice_id, AuditKind.BAA_ENDED) == [
        {"baa_id": baa_id, "ended_on": today.isoformat()}
    ]


def test_a_practices_retention_overrides_the_settings_in_the_purge(clinic: Clinic, team: Team):
    other = make_team(clinic)
    mine, theirs = recorded_draft(clinic, team.clinician), recorded_draft(clinic, other.clinician)
    with pytest.raises(InputError):
        set_retention(clinic, team.admin, capture_days=0, unsigned_draft_days=None)
    set_retention(clinic, team.admin, capture_days=10, unsigned_draft_days=10)
    now = clinic.clock() + timedelta(days=11)

    done = purge_expired(clinic.records, RetentionPolicy(None, None), now)

    assert (done[team.practice_id].captures, done[team.practice_id].drafts) == (1, 1)
    assert (done[other.practice_id].captures, done[other.practice_id].drafts) == (0, 0)
    assert get_draft(clinic, team.clinician, mine).draft is None
    assert get_draft(clinic, other.clinician, theirs).draft is not None
    (purged,) = _kinds(clinic, team.practice_id, AuditKind.RETENTION_PURGED)
    assert (purged["capture_days"], purged["unsigned_draft_days"]) == (10, 10)
    # Blank keeps forever, even when the server's settings would purge.
    set_retention(clinic, team.admin, capture_days=None, unsigned_draft_days=None)
    kept = recorded_draft(clinic, team.clinician)
    again = purge_expired(clinic.records, RetentionPolicy(1, 1), now + timedelta(days=30))
    assert (again[team.practice_id].captures, again[team.practice_id].drafts) == (0, 0)
    assert get_draft(clinic, team.clinician, kept).draft is not None
    assert again[other.practice_id].drafts == 1


def test_broken_stored_template_is_named_not_hidden(clinic: Clinic, team: Team):
    with clinic.records.practice(team.practice_id) as records:
        records.administration.save_template("odd", "name = ", by=team.admin.user_id,
                                             at=clinic.clock())  # fmt: skip
    with pytest.raises(ConfigError, match='template "odd" is invalid'):
        practice_catalog(clinic, team.practice_id)
