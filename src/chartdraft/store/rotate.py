"""Re-encrypt every PHI column under the current key (after a new key was added)."""

from collections.abc import Callable

from sqlalchemy import select

from chartdraft.store.crypto import FieldCipher
from chartdraft.store.database import Database
from chartdraft.store.tables import ENCRYPTED_COLUMNS, Base, context_of

BATCH = 500


def reencrypt_all(
    database: Database, cipher: FieldCipher, progress: Callable[[int], None] | None = None
) -> int:
    """Re-encrypt every value not under ``cipher``'s current key; return how many were.

    Each batch commits on its own: an interrupted rotation leaves every value readable with
    the key ring (old keys are dropped only after this returns), and a rerun continues.
    """
    total = 0
    for row_type, columns in ENCRYPTED_COLUMNS.items():
        after = ""
        while True:
            with database.transaction() as session:
                rows = list(
                    session.scalars(
                        select(row_type)
                        .where(row_type.id > after)  # type: ignore[attr-defined]
                        .order_by(row_type.id)  # type: ignore[attr-defined]
                        .limit(BATCH)
                    )
                )
                changed = sum(_reencrypt(row, columns, cipher) for row in rows)
            total += changed
            if progress is not None and changed:
                progress(changed)
            if len(rows) < BATCH:
                break
            after = rows[-1].id  # type: ignore[attr-defined]
    return total


def _reencrypt(row: Base, columns: tuple[str, ...], cipher: FieldCipher) -> int:
    changed = 0
    for column in columns:
        token = getattr(row, column)
        if token is None or not cipher.needs_rotation(token):
            continue
        context = context_of(type(row), column, row.practice_id, row.id)  # type: ignore[attr-defined]
        setattr(
            row, column, cipher.encrypt(cipher.decrypt(token, context=context), context=context)
        )
        changed += 1
    return changed
