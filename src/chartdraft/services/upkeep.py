"""The operator's jobs: verify the audit trail, purge expired text, rotate the encryption key.

These run from the host (``chartdraft audit verify``, ``retention purge``, ``keys rotate``),
where whoever holds the key file already holds the record; each is audited as the system.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from chartdraft.domain.audit import AuditEntry, AuditKind, ChainReport, DetailValue
from chartdraft.domain.errors import ConfigError, InputError
from chartdraft.store.audit_chain import verify_chain
from chartdraft.store.crypto import FieldCipher, add_new_key, drop_old_keys
from chartdraft.store.people import practice_id_named, practice_ids
from chartdraft.store.records import RecordStore
from chartdraft.store.retention import PurgeCounts, purge
from chartdraft.store.rotate import reencrypt_all


def find_practice(records: RecordStore, name: str | None) -> str:
    """Return the id of the practice called ``name``, or of the only practice when none is named."""
    with records.unscoped() as session:
        if name is not None:
            return practice_id_named(session, name)
        ids = practice_ids(session)
    if len(ids) != 1:
        raise InputError(f"There are {len(ids)} practices; name one with --practice.")
    return ids[0]


def verify_audit(records: RecordStore, practice_id: str | None = None) -> list[ChainReport]:
    """Walk the audit chain of one practice, or of every practice."""
    with records.unscoped(read_only=True) as session:
        ids = [practice_id] if practice_id is not None else practice_ids(session)
        return [verify_chain(session, each) for each in ids]


@dataclass(frozen=True)
class RetentionPolicy:
    """Days to keep captures and unsigned drafts; None keeps them."""

    capture_days: int | None
    unsigned_draft_days: int | None
    audio_days: int | None = None
    """Days to keep an uploaded recording's audio after it was received (0: none)."""


def purge_expired(
    records: RecordStore, policy: RetentionPolicy, now: datetime
) -> dict[str, PurgeCounts]:
    """Purge every practice's expired text (a practice's own retention first); each is audited."""
    with records.unscoped() as session:
        ids = practice_ids(session)
    done: dict[str, PurgeCounts] = {}
    for practice_id in ids:
        with records.practice(practice_id) as practice:
            own = practice.administration.retention()
            # The practice's own retention (set by its admin) replaces the server's settings.
            days = (
                policy
                if own is None
                else RetentionPolicy(own.capture_days, own.unsigned_draft_days, policy.audio_days)
            )
            counts = purge(
                practice.scope,
                captures_before=_cutoff(now, days.capture_days),
                drafts_before=_cutoff(now, days.unsigned_draft_days),
                now=now,
                audio_before=_cutoff(now, days.audio_days),
            )
            details = {
                "captures": counts.captures,
                "drafts": counts.drafts,
                "recordings": counts.recordings,
                "capture_days": days.capture_days,
                "unsigned_draft_days": days.unsigned_draft_days,
            }
            practice.audit(AuditEntry(AuditKind.RETENTION_PURGED, details=details), now)
        done[practice_id] = counts
    return done


def _cutoff(now: datetime, days: int | None) -> datetime | None:
    return None if days is None else now - timedelta(days=days)


def rotate_keys(
    records: RecordStore,
    key_path: Path,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add a new key, re-encrypt everything under it, then drop the old keys; return the count."""
    cipher = FieldCipher(add_new_key(key_path))
    count = reencrypt_all(records.database, cipher, progress)
    # A value written under the old key meanwhile (a server still running on the old key
    # ring) is caught by another pass; the old key goes only when a pass finds nothing.
    for _ in range(2):
        late = reencrypt_all(records.database, cipher, progress)
        count += late
        if late == 0:
            break
    else:
        raise ConfigError(
            "Values are still being written under the old key; stop chartdraft serve and the "
            "workers, then run `chartdraft keys rotate` again (both keys are kept meanwhile)."
        )
    keyring = drop_old_keys(key_path)
    with records.unscoped() as session:
        ids = practice_ids(session)
    for practice_id in ids:
        with records.practice(practice_id) as practice:
            details: dict[str, DetailValue] = {
                "key_id": keyring.current,
                "values_reencrypted": count,
            }
            practice.audit(AuditEntry(AuditKind.KEYS_ROTATED, details=details), now)
    return count
