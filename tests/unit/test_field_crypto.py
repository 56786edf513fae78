"""Field encryption: AES-GCM tokens bound to their column, key rotation, and the key file."""

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from chartdraft.domain.errors import ConfigError
from chartdraft.store.crypto import (
    DecryptionError,
    FieldCipher,
    KeyRing,
    add_new_key,
    drop_old_keys,
    keyring_from_secret,
    load_key_file,
    load_or_create_key_file,
)

CONTEXT = "captures.text"
PHI = "Xiomara Quintanilla, MRN 00482913, reports a dry cough."


def _ring(key_id: str = "k1", byte: int = 1) -> KeyRing:
    return KeyRing(current=key_id, keys={key_id: bytes([byte]) * 32})


def _flip(token: str, index: int) -> str:
    prefix, payload = token.rsplit(":", 1)
    blob = bytearray(base64.urlsafe_b64decode(payload))
    blob[index] ^= 0x01
    return f"{prefix}:{base64.urlsafe_b64encode(bytes(blob)).decode('ascii')}"


@pytest.mark.parametrize("text", ["", "cough", "Zoë Ångström — 日本語 💊", "line\nbreak " * 500])
def test_round_trip(text: str) -> None:
    cipher = FieldCipher(_ring())
    token = cipher.encrypt(text, context=CONTEXT)
    assert token.startswith("v1:k1:")
    assert cipher.decrypt(token, context=CONTEXT) == text


def test_same_text_encrypts_differently_each_time() -> None:
    cipher = FieldCipher(_ring())
    first, second = (cipher.encrypt(PHI, context=CONTEXT) for _ in range(2))
    assert first != second
    assert cipher.decrypt(first, context=CONTEXT) == cipher.decrypt(second, context=CONTEXT)


def test_ciphertext_does_not_contain_the_plaintext() -> None:
    token = FieldCipher(_ring()).encrypt(PHI, context=CONTEXT)
    blob = base64.urlsafe_b64decode(token.rsplit(":", 1)[1])
    assert PHI not in token
    assert PHI.encode() not in blob
    assert b"Xiomara" not in blob
    assert base64.urlsafe_b64encode(PHI.encode()).decode()[:12] not in token


def test_wrong_context_fails_without_revealing_the_text() -> None:
    cipher = FieldCipher(_ring())
    token = cipher.encrypt(PHI, context="captures.text")
    with pytest.raises(DecryptionError) as caught:
        cipher.decrypt(token, context="notes.body")
    assert "Xiomara" not in str(caught.value)


@pytest.mark.parametrize("index", [0, 11, 12, -1], ids=["nonce", "nonce-end", "body", "tag"])
def test_flipped_byte_fails(index: int) -> None:
    cipher = FieldCipher(_ring())
    token = cipher.encrypt(PHI, context=CONTEXT)
    with pytest.raises(DecryptionError):
        cipher.decrypt(_flip(token, index), context=CONTEXT)


def test_unknown_key_id_fails() -> None:
    token = FieldCipher(_ring("k9", byte=9)).encrypt(PHI, context=CONTEXT)
    with pytest.raises(DecryptionError, match="k9"):
        FieldCipher(_ring("k1")).decrypt(token, context=CONTEXT)


def test_same_key_id_with_another_key_fails() -> None:
    token = FieldCipher(_ring("k1", byte=1)).encrypt(PHI, context=CONTEXT)
    with pytest.raises(DecryptionError):
        FieldCipher(_ring("k1", byte=2)).decrypt(token, context=CONTEXT)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "v1",
        "v1:k1",
        "plain text someone stored unencrypted",
        "v2:k1:" + base64.urlsafe_b64encode(bytes(40)).decode(),
        "v1::" + base64.urlsafe_b64encode(bytes(40)).decode(),
        "v1:k1:not*base64*at*all",
        "v1:k1:" + base64.urlsafe_b64encode(bytes(20)).decode(),
        "v1:k1:ééé",
        "v1:k1:",
    ],
)
def test_malformed_token_raises_decryption_error(token: str) -> None:
    cipher = FieldCipher(_ring())
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, context=CONTEXT)


def test_optional_helpers_pass_none_through() -> None:
    cipher = FieldCipher(_ring())
    assert cipher.encrypt_optional(None, context=CONTEXT) is None
    assert cipher.decrypt_optional(None, context=CONTEXT) is None
    token = cipher.encrypt_optional(PHI, context=CONTEXT)
    assert token is not None
    assert cipher.decrypt_optional(token, context=CONTEXT) == PHI


def test_key_ring_repr_hides_key_bytes_and_rejects_bad_keys() -> None:
    ring = _ring(byte=0x41)
    assert "AAAA" not in repr(ring)
    assert "\\x41" not in repr(ring)
    with pytest.raises(ConfigError):
        KeyRing(current="k1", keys={"k1": bytes(16)})
    with pytest.raises(ConfigError):
        KeyRing(current="k2", keys={"k1": bytes(32)})
    with pytest.raises(ConfigError):
        KeyRing(current="a:b", keys={"a:b": bytes(32)})


def test_key_file_is_created_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "fields.json"
    ring = load_or_create_key_file(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert ring.current == "k1"
    assert len(ring.keys["k1"]) == 32
    assert load_or_create_key_file(path) == ring  # the second start reads, never regenerates
    assert sorted(p.name for p in path.parent.iterdir()) == ["fields.json"]  # no temp left
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["version"] == 1
    assert base64.b64decode(document["keys"]["k1"]) == ring.keys["k1"]


def test_rotation_keeps_old_tokens_readable(tmp_path: Path) -> None:
    path = tmp_path / "fields.json"
    old_token = FieldCipher(load_or_create_key_file(path)).encrypt(PHI, context=CONTEXT)

    rotated = add_new_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert rotated.current == "k2"
    assert set(rotated.keys) == {"k1", "k2"}
    assert load_key_file(path) == rotated

    cipher = FieldCipher(rotated)
    assert cipher.decrypt(old_token, context=CONTEXT) == PHI
    new_token = cipher.encrypt(PHI, context=CONTEXT)
    assert cipher.key_id_of(new_token) == "k2"
    assert cipher.key_id_of(old_token) == "k1"
    assert cipher.needs_rotation(old_token)
    assert not cipher.needs_rotation(new_token)


def test_drop_old_keys_keeps_only_the_current_key(tmp_path: Path) -> None:
    path = tmp_path / "fields.json"
    old_token = FieldCipher(load_or_create_key_file(path)).encrypt(PHI, context=CONTEXT)
    new_token = FieldCipher(add_new_key(path)).encrypt(PHI, context=CONTEXT)

    kept = drop_old_keys(path)
    assert set(kept.keys) == {"k2"}
    assert load_key_file(path) == kept
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    cipher = FieldCipher(kept)
    assert cipher.decrypt(new_token, context=CONTEXT) == PHI
    with pytest.raises(DecryptionError):
        cipher.decrypt(old_token, context=CONTEXT)
    assert add_new_key(path).current == "k3"  # ids never go back to a dropped one


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_key_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "fields.json"
    load_or_create_key_file(path)
    path.chmod(mode)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_or_create_key_file(path)
    with pytest.raises(ConfigError, match="chmod 600"):
        add_new_key(path)


@pytest.mark.parametrize(
    "content",
    [
        "not json {",
        json.dumps([1, 2]),
        json.dumps(
            {"version": 2, "current": "k1", "keys": {"k1": base64.b64encode(bytes(32)).decode()}}
        ),
        json.dumps({"version": 1, "keys": {"k1": base64.b64encode(bytes(32)).decode()}}),
        json.dumps({"version": 1, "current": "k1", "keys": {}}),
        json.dumps(
            {"version": 1, "current": "k2", "keys": {"k1": base64.b64encode(bytes(32)).decode()}}
        ),
        json.dumps(
            {"version": 1, "current": "k1", "keys": {"k1": base64.b64encode(bytes(16)).decode()}}
        ),
        json.dumps({"version": 1, "current": "k1", "keys": {"k1": "!!not base64!!"}}),
        json.dumps({"version": 1, "current": "k1", "keys": {"k1": 12345}}),
    ],
    ids=[
        "not-json",
        "list",
        "version-2",
        "no-current",
        "no-keys",
        "current-missing",
        "short-key",
        "bad-base64",
        "key-not-string",
    ],
)
def test_malformed_key_file_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "fields.json"
    path.write_text(content, encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(ConfigError):
        load_or_create_key_file(path)
    assert path.read_text(encoding="utf-8") == content  # never overwritten


def test_missing_key_file_is_refused_by_load_key_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_key_file(tmp_path / "absent.json")


def test_secret_key_from_settings() -> None:
    key = os.urandom(32)
    ring = keyring_from_secret(base64.b64encode(key).decode())
    assert ring.current == "s1"
    assert ring.keys == {"s1": key}
    assert keyring_from_secret(base64.urlsafe_b64encode(key).decode() + "\n") == ring


@pytest.mark.parametrize(
    "secret",
    [
        base64.b64encode(os.urandom(16)).decode(),
        base64.b64encode(os.urandom(31)).decode(),
        base64.b64encode(os.urandom(33)).decode(),
        "",
        "correct horse battery staple",
    ],
    ids=["16-bytes", "31-bytes", "33-bytes", "empty", "not-base64"],
)
def test_secret_key_of_wrong_length_is_refused(secret: str) -> None:
    with pytest.raises(ConfigError) as caught:
        keyring_from_secret(secret)
    if secret:
        assert secret not in str(caught.value)


def test_stray_character_in_token_is_not_skipped() -> None:
    cipher = FieldCipher(_ring())
    token = cipher.encrypt(PHI, context=CONTEXT)
    with pytest.raises(DecryptionError):
        cipher.decrypt(token[:10] + "*" + token[10:], context=CONTEXT)
