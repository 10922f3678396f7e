"""Twilio auth tokens at rest: AES-256-GCM, bound to their Configuration row, under a rotatable key.

Stored form: `enc:v1:<key id>:<base64(nonce || ciphertext || tag)>`. The key id is derived from the key itself,
so a token names the key that sealed it and rotation needs no bookkeeping: during a rotation the previous key
still opens old tokens, and `needs_reencryption` tells the sweeper which ones to seal again. The row id is the
associated data, so a token copied onto another Configuration row does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import uuid
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from messaging.errors import TokenDecryptionFailed

__all__ = ["PREFIX", "TokenCipher", "is_encrypted"]

PREFIX = "enc:v1:"
_NONCE_BYTES = 12


def is_encrypted(value: str | None) -> bool:
    return bool(value) and str(value).startswith(PREFIX)


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"smsb-token-key:" + key).hexdigest()[:8]


@dataclass(frozen=True)
class TokenCipher:
    key: bytes = field(repr=False)
    previous_key: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for k in (self.key, self.previous_key):
            if k is not None and len(k) != 32:
                raise ValueError("encryption keys must be 32 bytes (AES-256)")

    @property
    def current_key_id(self) -> str:
        return key_id(self.key)

    def encrypt(self, token: str, row_id: uuid.UUID | str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self.key).encrypt(nonce, token.encode("utf-8"), _aad(row_id))
        return f"{PREFIX}{self.current_key_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, stored: str, row_id: uuid.UUID | str) -> str:
        if not is_encrypted(stored):
            raise TokenDecryptionFailed("the stored auth token is not in the enc:v1 format")
        kid, _, payload = stored[len(PREFIX):].partition(":")
        keys = {key_id(self.key): self.key}
        if self.previous_key is not None:
            keys[key_id(self.previous_key)] = self.previous_key
        key = keys.get(kid)
        if key is None:
            raise TokenDecryptionFailed(
                f"the auth token was sealed with key {kid}, which is neither SMSB_ENCRYPTION_KEY nor "
                "SMSB_ENCRYPTION_KEY_PREVIOUS; enter the token again on the Configuration"
            )
        try:
            blob = base64.b64decode(payload, validate=True)
            plain = AESGCM(key).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _aad(row_id))
        except (binascii.Error, ValueError, InvalidTag) as exc:
            raise TokenDecryptionFailed(
                "the stored auth token is damaged or belongs to another Configuration row"
            ) from exc
        return plain.decode("utf-8")

    def needs_reencryption(self, stored: str | None) -> bool:
        """True for a plaintext token or one sealed under any key but the current one."""
        if not stored:
            return False
        if not is_encrypted(stored):
            return True
        return stored[len(PREFIX):].partition(":")[0] != self.current_key_id


def _aad(row_id: uuid.UUID | str) -> bytes:
    return str(uuid.UUID(str(row_id))).encode("ascii")
