"""Encryption at rest of PHI columns: AES-256-GCM with a key ring and self-describing tokens.

A stored value is ``v1:<key id>:<urlsafe base64 of nonce + ciphertext>``. The column's name
(the *context*) is the associated data, so a value copied into another column does not
decrypt. The key id in the token lets old rows keep decrypting after a new key becomes
current; ``needs_rotation`` finds the rows a re-encryption job still has to rewrite.

Key bytes never appear in a message, a repr or a log line.
"""

import base64
import binascii
import contextlib
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chartdraft.domain.errors import ChartdraftError, ConfigError

FORMAT_VERSION = "v1"
KEY_FILE_VERSION = 1
SETTINGS_KEY_ID = "s1"
KEY_BYTES = 32
NONCE_BYTES = 12
_TAG_BYTES = 16
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
_NUMBERED_ID = re.compile(r"k([0-9]+)")


class DecryptionError(ChartdraftError):
    """A stored field could not be decrypted (unknown key, wrong column, tampered or malformed)."""


@dataclass(frozen=True)
class KeyRing:
    """The keys that can decrypt stored fields, and the id of the one new values use."""

    current: str
    # repr=False: a logged or printed key ring must not show key bytes.
    keys: Mapping[str, bytes] = field(repr=False)

    def __post_init__(self) -> None:
        # A read-only copy: a caller mutating its dict must not change a ring in use.
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))
        for key_id, key in self.keys.items():
            if not _KEY_ID.fullmatch(key_id):
                raise ConfigError(f"Key id {key_id!r} must be 1-16 letters, digits, '-' or '_'.")
            if len(key) != KEY_BYTES:
                raise ConfigError(f"Key {key_id!r} must be {KEY_BYTES} bytes for AES-256.")
        if self.current not in self.keys:
            raise ConfigError(f"The current key {self.current!r} is not in the key ring.")


class FieldCipher:
    """Encrypt and decrypt text columns with a key ring."""

    def __init__(self, keyring: KeyRing) -> None:
        self.keyring = keyring
        self._aeads = {key_id: AESGCM(key) for key_id, key in keyring.keys.items()}

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Encrypt ``plaintext`` under the current key, bound to ``context``; return a token."""
        key_id = self.keyring.current
        # A fresh random 96-bit nonce per value: GCM is broken by a repeated (key, nonce).
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aeads[key_id].encrypt(nonce, plaintext.encode("utf-8"), _aad(context))
        payload = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{FORMAT_VERSION}:{key_id}:{payload}"

    def decrypt(self, token: str, *, context: str) -> str:
        """Decrypt ``token`` written for ``context``; raise DecryptionError on any mismatch."""
        key_id, blob = _split_token(token)
        aead = self._aeads.get(key_id)
        if aead is None:
            raise DecryptionError(
                f"A stored {context} value uses key {key_id!r}, which the key ring does not hold."
            )
        try:
            plain = aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(context))
            return plain.decode("utf-8")
        except (InvalidTag, UnicodeDecodeError):
            raise DecryptionError(
                f"A stored {context} value does not verify: it belongs to another column, "
                "or was written under another key, or was altered."
            ) from None

    def encrypt_optional(self, plaintext: str | None, *, context: str) -> str | None:
        """Encrypt ``plaintext`` like ``encrypt``, passing None through."""
        return None if plaintext is None else self.encrypt(plaintext, context=context)

    def decrypt_optional(self, token: str | None, *, context: str) -> str | None:
        """Decrypt ``token`` like ``decrypt``, passing None through."""
        return None if token is None else self.decrypt(token, context=context)

    @staticmethod
    def key_id_of(token: str) -> str:
        """Return the id of the key ``token`` was encrypted under."""
        return _split_token(token)[0]

    def needs_rotation(self, token: str) -> bool:
        """Return True when ``token`` is not under the current key and should be re-encrypted."""
        return self.key_id_of(token) != self.keyring.current


def _aad(context: str) -> bytes:
    return context.encode("utf-8")


def _split_token(token: str) -> tuple[str, bytes]:
    malformed = DecryptionError("A stored encrypted value is malformed and cannot be decrypted.")
    parts = token.split(":", 2) if isinstance(token, str) else []
    if len(parts) != 3 or parts[0] != FORMAT_VERSION or not _KEY_ID.fullmatch(parts[1]):
        raise malformed
    try:
        # validate=True: a stray character is corruption, not something to skip silently.
        blob = base64.b64decode(parts[2].encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise malformed from None
    if len(blob) < NONCE_BYTES + _TAG_BYTES:
        raise malformed
    return parts[1], blob


# --- Keys ---------------------------------------------------------------------------------


def keyring_from_secret(b64: str) -> KeyRing:
    """Build a one-key ring (id ``s1``) from a base64 key given in settings."""
    key = _decode_key(b64)
    if key is None:
        raise ConfigError(
            f"The encryption key in settings must be base64 of exactly {KEY_BYTES} random bytes "
            '(make one with: python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())").'
        )
    return KeyRing(current=SETTINGS_KEY_ID, keys={SETTINGS_KEY_ID: key})


def load_or_create_key_file(path: Path) -> KeyRing:
    """Load the key file at ``path``, creating it with one new key (mode 0600) if it is missing."""
    if path.exists():
        return load_key_file(path)
    ring = KeyRing(current="k1", keys={"k1": AESGCM.generate_key(bit_length=256)})
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if _write_key_file(path, ring, replace=False):
        return ring
    # Another process created the file first; its key is the one data will be written under.
    return load_key_file(path)


def load_key_file(path: Path) -> KeyRing:
    """Load the key file at ``path``; refuse one that others can read or that is malformed."""
    try:
        # O_NOFOLLOW and fstat on the open descriptor: the mode checked is the file read.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise ConfigError(f"Key file {path} does not exist.") from None
    except OSError as exc:
        raise ConfigError(f"Key file {path} cannot be opened ({exc.strerror}).") from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if os.name == "posix" and mode & 0o077:
            raise ConfigError(
                f"Key file {path} can be read or written by group or others; fix it with: "
                f"chmod 600 {path}"
            )
        raw = handle.read()
    return _parse_key_file(path, raw)


def add_new_key(path: Path) -> KeyRing:
    """Add a new random key to the key file at ``path`` and make it current; keep the old keys."""
    # Run by one operator at a time: two concurrent runs would each keep only their own new key.
    ring = load_key_file(path)
    new_id = _next_key_id(ring)
    keys = {**ring.keys, new_id: AESGCM.generate_key(bit_length=256)}
    updated = KeyRing(current=new_id, keys=keys)
    _write_key_file(path, updated, replace=True)
    return updated


def drop_old_keys(path: Path) -> KeyRing:
    """Keep only the current key in the key file at ``path``; run after every row is rotated."""
    ring = load_key_file(path)
    kept = KeyRing(current=ring.current, keys={ring.current: ring.keys[ring.current]})
    _write_key_file(path, kept, replace=True)
    return kept


def _next_key_id(ring: KeyRing) -> str:
    numbers = [int(m.group(1)) for k in ring.keys if (m := _NUMBERED_ID.fullmatch(k))]
    return f"k{max(numbers, default=0) + 1}"


def _decode_key(text: object) -> bytes | None:
    if not isinstance(text, str):
        return None
    cleaned = text.strip().encode("ascii", errors="replace")
    # Standard or URL-safe alphabet: both are common ways to paste a key into settings.
    for altchars in (None, b"-_"):
        with contextlib.suppress(binascii.Error):
            key = base64.b64decode(cleaned, altchars=altchars, validate=True)
            if len(key) == KEY_BYTES:
                return key
    return None


def _parse_key_file(path: Path, raw: bytes) -> KeyRing:
    fix = "restore it from a backup; without its keys the encrypted fields cannot be read"
    try:
        data: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"Key file {path} is not valid JSON; {fix}.") from None
    if not isinstance(data, dict) or data.get("version") != KEY_FILE_VERSION:
        raise ConfigError(f"Key file {path} is not a version {KEY_FILE_VERSION} key file; {fix}.")
    encoded, current = data.get("keys"), data.get("current")
    if not isinstance(encoded, dict) or not encoded or not isinstance(current, str):
        raise ConfigError(f"Key file {path} needs a 'current' key id and a 'keys' object; {fix}.")
    keys: dict[str, bytes] = {}
    for key_id, value in encoded.items():
        key = _decode_key(value)
        if key is None:
            raise ConfigError(
                f"Key {key_id!r} in {path} is not base64 of {KEY_BYTES} bytes; {fix}."
            )
        keys[key_id] = key
    try:
        return KeyRing(current=current, keys=keys)
    except ConfigError as exc:
        raise ConfigError(f"Key file {path} is invalid: {exc}") from None


def _write_key_file(path: Path, ring: KeyRing, *, replace: bool) -> bool:
    """Write ``ring`` to ``path`` atomically with mode 0600; False if it exists and not ``replace``."""
    document = {
        "version": KEY_FILE_VERSION,
        "current": ring.current,
        "keys": {k: base64.b64encode(v).decode("ascii") for k, v in ring.keys.items()},
    }
    body = (json.dumps(document, indent=2) + "\n").encode("utf-8")
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    # O_EXCL with 0600 at creation: the key is never readable by others, not even briefly.
    fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        return _install(temp, path, replace=replace)
    finally:
        temp.unlink(missing_ok=True)


def _install(temp: Path, path: Path, *, replace: bool) -> bool:
    if replace:
        os.replace(temp, path)
    else:
        # A hard link fails if the path exists, where os.replace would silently overwrite a key
        # another process has just created and may already have encrypted data under.
        try:
            os.link(temp, path)
        except FileExistsError:
            return False
        except OSError:
            # A file system without hard links: fall back to a rename, refusing if a file appeared.
            if path.exists():
                return False
            os.replace(temp, path)
    _fsync_directory(path.parent)
    return True


def _fsync_directory(directory: Path) -> None:
    # Makes the new directory entry durable; not every platform can open a directory.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
