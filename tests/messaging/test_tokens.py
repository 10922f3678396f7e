from __future__ import annotations

import os
import uuid

import pytest

from messaging.errors import TokenDecryptionFailed
from messaging.tokens import PREFIX, TokenCipher, is_encrypted

ROW = uuid.UUID("11111111-2222-3333-4444-555555555555")
TOKEN = "22222222222222222222222222222222"


def test_round_trip_and_format() -> None:
    cipher = TokenCipher(os.urandom(32))
    stored = cipher.encrypt(TOKEN, ROW)
    assert stored.startswith(PREFIX + cipher.current_key_id + ":")
    assert TOKEN not in stored
    assert cipher.decrypt(stored, ROW) == TOKEN
    assert cipher.encrypt(TOKEN, ROW) != stored  # a fresh nonce every time


def test_token_is_bound_to_its_row() -> None:
    cipher = TokenCipher(os.urandom(32))
    stored = cipher.encrypt(TOKEN, ROW)
    with pytest.raises(TokenDecryptionFailed, match="another Configuration row"):
        cipher.decrypt(stored, uuid.uuid4())


def test_rotation_reads_old_tokens_and_flags_them_for_reencryption() -> None:
    old, new = os.urandom(32), os.urandom(32)
    stored_old = TokenCipher(old).encrypt(TOKEN, ROW)
    rotating = TokenCipher(new, previous_key=old)
    assert rotating.decrypt(stored_old, ROW) == TOKEN
    assert rotating.needs_reencryption(stored_old)
    resealed = rotating.encrypt(rotating.decrypt(stored_old, ROW), ROW)
    assert not rotating.needs_reencryption(resealed)
    assert TokenCipher(new).decrypt(resealed, ROW) == TOKEN


def test_unknown_key_and_tampering_fail_without_revealing_the_token() -> None:
    stored = TokenCipher(os.urandom(32)).encrypt(TOKEN, ROW)
    with pytest.raises(TokenDecryptionFailed, match="neither SMSB_ENCRYPTION_KEY") as caught:
        TokenCipher(os.urandom(32)).decrypt(stored, ROW)
    assert TOKEN not in str(caught.value)
    cipher = TokenCipher(os.urandom(32))
    good = cipher.encrypt(TOKEN, ROW)
    tampered = good[:-6] + ("AAAA==" if not good.endswith("AAAA==") else "BBBB==")
    with pytest.raises(TokenDecryptionFailed):
        cipher.decrypt(tampered, ROW)


def test_plaintext_is_detected() -> None:
    cipher = TokenCipher(os.urandom(32))
    assert not is_encrypted(TOKEN)
    assert cipher.needs_reencryption(TOKEN)
    assert not cipher.needs_reencryption(None)
    with pytest.raises(TokenDecryptionFailed, match="not in the enc:v1 format"):
        cipher.decrypt(TOKEN, ROW)
