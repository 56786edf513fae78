"""The practice administrator's services: members, retention, engines and BAA records.

Every function takes the acting admin and reads their role from the record; every change is
an audit event with ids, names of engines and counts of days, never a secret or PHI.
"""

from dataclasses import dataclass
from datetime import date

from chartdraft.domain.audit import AuditEntry, AuditEvent, AuditKind, DetailValue
from chartdraft.domain.errors import InputError, NotFoundError
from chartdraft.domain.practice import Actor
from chartdraft.domain.review import Role
from chartdraft.drafting.endpoint import BaaRecord, EngineConfig, is_loopback
from chartdraft.services.accounts import hash_password
from chartdraft.services.clinic import Clinic
from chartdraft.services.people import ADMINISTER, add_member
from chartdraft.store.administration import Baa, EngineChoice, RetentionDays
from chartdraft.store.audit_chain import list_events
from chartdraft.store.people import Member

MAX_DAYS = 3650
MAX_NOTE = 2000


def practice_members(clinic: Clinic, actor: Actor) -> list[Member]:
    """Return the practice's members by e-mail (admins only)."""
    with clinic.acting(actor, ADMINISTER, Role.ADMIN, read_only=True) as (records, _admin):
        return records.people.members()


def add_practice_member(
    clinic: Clinic, actor: Actor, *, email: str, display_name: str, role: Role, password: str,
    may_cosign: bool = False,
) -> str:  # fmt: skip
    """Add a member with an initial password (the password policy applies); return the id."""
    with clinic.acting(actor, ADMINISTER, Role.ADMIN, read_only=True):
        pass  # the role first: a scribe learns nothing about the password policy
    hashed = hash_password(password)
    return add_member(clinic, actor.practice_id, email, display_name, role,
                      may_cosign=may_cosign, password_hash=hashed, added_by=actor.user_id)  # fmt: skip


@dataclass(frozen=True)
class Retention:
    """The practice's retention (None: the server's settings apply) and the last purge."""

    own: RetentionDays | None
    last_purge: AuditEvent | None


def parse_days(text: str, what: str) -> int | None:
    """Return days from a form field (blank: keep forever), or raise InputError."""
    if not text.strip():
        return None
    try:
        days = int(text.strip())
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_DAYS:
        raise InputError(f"{what} must be a whole number from 1 to {MAX_DAYS}, or blank to keep.")
    return days


def retention_of(clinic: Clinic, actor: Actor) -> Retention:
    """Return the practice's retention and its last purge (admins only)."""
    with clinic.acting(actor, ADMINISTER, Role.ADMIN, read_only=True) as (records, _admin):
        own = records.administration.retention()
        purges = list_events(records.scope.session, actor.practice_id,
                             kind=AuditKind.RETENTION_PURGED, limit=1)  # fmt: skip
    return Retention(own, purges[0] if purges else None)


def set_retention(
    clinic: Clinic, actor: Actor, *, capture_days: int | None, unsigned_draft_days: int | None
) -> None:
    """Set the practice's retention, overriding the server's settings (None keeps forever)."""
    for days, what in ((capture_days, "Capture days"), (unsigned_draft_days, "Draft days")):
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise InputError(f"{what} must be a whole number from 1 to {MAX_DAYS}, or blank.")
    now = clinic.clock()
    with clinic.acting(actor, ADMINISTER, Role.ADMIN) as (records, _admin):
        records.administration.set_retention(capture_days, unsigned_draft_days,
                                             by=actor.user_id, at=now)  # fmt: skip
        details: dict[str, DetailValue] = {
            "capture_days": capture_days, "unsigned_draft_days": unsigned_draft_days,
        }  # fmt: skip
        records.audit(AuditEntry(AuditKind.RETENTION_CHANGED, actor.user_id, details=details), now)


@dataclass(frozen=True)
class EngineListing:
    """One configured engine as the practice has it."""

    name: str
    kind: str
    host: str
    model: str
    local: bool
    enabled: bool
    phi_allowed: bool
    """Whether identifiable text may be sent, in effect today."""
    baa: Baa | None
    """The practice's BAA that covers it (only while it is in force)."""
    baa_reference: str | None
    """The BAA in effect: the practice's, or one recorded in the server's settings."""
    chosen: EngineChoice | None


def practice_engines(clinic: Clinic, practice_id: str) -> dict[str, EngineConfig]:
    """Return the engines as configured for one practice: settings narrowed by its choices."""
    with clinic.records.practice(practice_id, read_only=True) as records:
        choices = records.administration.engine_choices()
        baas = {b.id: b for b in records.administration.baas()}
    today = clinic.clock().date()
    effective = {
        name: _effective(name, config, choices.get(name), baas, today)
        for name, config in clinic.drafting.engines.items()
    }
    return {name: config for name, config in effective.items() if config is not None}


def _effective(
    name: str, config: EngineConfig, choice: EngineChoice | None, baas: dict[str, Baa], day: date
) -> EngineConfig | None:
    if choice is None:
        return config
    if not choice.enabled:
        return None
    if not choice.phi_allowed:
        return _with_phi(config, allowed=False, baa=None)
    if is_loopback(config.host):
        return _with_phi(config, allowed=True, baa=None)
    baa = baas.get(choice.baa_id) if choice.baa_id else None
    if baa is None or not _covers(baa, name, day):
        return _with_phi(config, allowed=False, baa=None)  # an ended BAA allows nothing
    record = BaaRecord(recorded_by=baa.created_by or "practice admin", recorded_at=baa.signed_on,
                       reference=baa.reference)  # fmt: skip
    return _with_phi(config, allowed=True, baa=record)


def _covers(baa: Baa, engine: str, day: date) -> bool:
    return baa.active_on(day) and engine in baa.engines


def _with_phi(config: EngineConfig, *, allowed: bool, baa: BaaRecord | None) -> EngineConfig:
    # Validated again: a remote engine reached over http:// never gets PHI, whatever was chosen.
    try:
        return EngineConfig.model_validate(
            {**config.model_dump(), "phi_allowed": allowed, "baa": baa}
        )
    except ValueError:
        return config.model_copy(update={"phi_allowed": False, "baa": None})


def engine_listing(clinic: Clinic, actor: Actor) -> list[EngineListing]:
    """Return the configured engines with the practice's choices (admins only)."""
    with clinic.acting(actor, ADMINISTER, Role.ADMIN, read_only=True) as (records, _admin):
        choices = records.administration.engine_choices()
        baas = {b.id: b for b in records.administration.baas()}
    effective = practice_engines(clinic, actor.practice_id)
    today = clinic.clock().date()
    rows = []
    for name, config in sorted(clinic.drafting.engines.items()):
        choice = choices.get(name)
        in_force = effective.get(name)
        baa = baas.get(choice.baa_id) if choice and choice.baa_id else None
        rows.append(EngineListing(
            name=name, kind=config.kind, host=config.host, model=config.model,
            local=is_loopback(config.host), enabled=in_force is not None,
            phi_allowed=in_force is not None and in_force.may_receive_phi(),
            baa=baa if baa is not None and _covers(baa, name, today) else None, chosen=choice,
            baa_reference=in_force.baa.reference if in_force and in_force.baa else None,
        ))  # fmt: skip
    return rows


def choose_engine(
    clinic: Clinic, actor: Actor, engine: str, *, enabled: bool, phi_allowed: bool,
    baa_id: str | None = None,
) -> None:  # fmt: skip
    """Enable or disable an engine for the practice and grant or withdraw PHI permission."""
    config = clinic.drafting.engines.get(engine)
    if config is None:
        raise NotFoundError("No such engine.")
    now = clinic.clock()
    with clinic.acting(actor, ADMINISTER, Role.ADMIN) as (records, _admin):
        if not phi_allowed or is_loopback(config.host):
            baa_id = None  # withdrawing is always allowed; a local engine needs no BAA
        else:
            _check_grant(config, engine, None if baa_id is None else
                         records.administration.baa(baa_id), now.date())  # fmt: skip
        records.administration.choose_engine(engine, enabled=enabled, phi_allowed=phi_allowed,
                                             baa_id=baa_id, by=actor.user_id, at=now)  # fmt: skip
        details: dict[str, DetailValue] = {
            "engine": engine, "enabled": enabled, "phi_allowed": phi_allowed, "baa_id": baa_id,
        }  # fmt: skip
        records.audit(AuditEntry(AuditKind.ENGINE_CHANGED, actor.user_id, details=details), now)


def _check_grant(config: EngineConfig, engine: str, baa: Baa | None, day: date) -> None:
    if baa is None:
        raise InputError("Choose the BAA that lets this remote engine receive identifiable text.")
    if not baa.active_on(day):
        raise InputError("That BAA is not in force today (expired, ended or not yet signed).")
    if engine not in baa.engines:
        raise InputError(f'That BAA does not cover the "{engine}" engine.')
    if not config.base_url.startswith("https://"):
        raise InputError("A remote engine may receive identifiable text only over https://.")


def parse_date(text: str, what: str) -> date | None:
    """Return a date from a form field (blank: None), or raise InputError."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{what} must be a date (YYYY-MM-DD).") from None


def practice_baas(clinic: Clinic, actor: Actor) -> list[Baa]:
    """Return the practice's BAA records, newest first (admins only)."""
    with clinic.acting(actor, ADMINISTER, Role.ADMIN, read_only=True) as (records, _admin):
        return records.administration.baas()


def record_baa(clinic: Clinic, actor: Actor, baa: Baa) -> str:
    """Record a BAA the practice signed (``baa.id`` is ignored); return its id."""
    vendor, reference, note = baa.vendor.strip(), baa.reference.strip(), baa.note.strip()
    if not vendor or not reference or len(vendor) > 200 or len(reference) > 200:
        raise InputError("Give the vendor and the agreement's reference (up to 200 characters).")
    if baa.expires_on is not None and baa.expires_on <= baa.signed_on:
        raise InputError("The expiry date must come after the signing date.")
    unknown = sorted(set(baa.engines) - set(clinic.drafting.engines))
    if unknown or not baa.engines:
        raise InputError("Choose the configured engines the agreement covers.")
    if len(note) > MAX_NOTE:
        raise InputError(f"Keep the note under {MAX_NOTE} characters.")
    now = clinic.clock()
    with clinic.acting(actor, ADMINISTER, Role.ADMIN) as (records, _admin):
        clean = Baa("", vendor, reference, baa.signed_on, baa.expires_on, None,
                    tuple(sorted(set(baa.engines))), note)  # fmt: skip
        baa_id = records.administration.add_baa(clean, by=actor.user_id, at=now)
        details: dict[str, DetailValue] = {"baa_id": baa_id, "engines": " ".join(clean.engines)}
        records.audit(AuditEntry(AuditKind.BAA_RECORDED, actor.user_id, details=details), now)
    return baa_id


def end_baa(clinic: Clinic, actor: Actor, baa_id: str, on: date) -> None:
    """Record that a BAA ends on ``on``; from then it supports no PHI permission."""
    now = clinic.clock()
    with clinic.acting(actor, ADMINISTER, Role.ADMIN) as (records, _admin):
        baa = records.administration.baa(baa_id)
        if baa.ended_on is not None:
            raise InputError("That BAA has already ended.")
        if on < baa.signed_on:
            raise InputError("A BAA cannot end before it was signed.")
        records.administration.end_baa(baa_id, on)
        details: dict[str, DetailValue] = {"baa_id": baa_id, "ended_on": on.isoformat()}
        records.audit(AuditEntry(AuditKind.BAA_ENDED, actor.user_id, details=details), now)
