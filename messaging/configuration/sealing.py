"""What to do with the auth token a Configuration row holds (DESIGN 6.5): seal a plaintext one in place, seal one
under the previous key again under the current key, leave everything else alone. Pure: the cipher only computes."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from messaging.errors import TokenDecryptionFailed
from messaging.plans import Write
from messaging.rows.configuration import token_sealed
from messaging.tokens import TokenCipher, is_encrypted

__all__ = ["Seal", "SealResult", "seal"]


class SealResult(enum.Enum):
    SEALED = "sealed"  # a plaintext token was encrypted in place
    RESEALED = "resealed"  # a token sealed under the previous key was sealed under the current one
    UNCHANGED = "unchanged"  # already sealed under the current key
    EMPTY = "empty"  # no auth token stored
    UNREADABLE = "unreadable"  # sealed under a key this app does not hold, or damaged: Validate says so
    MISSING = "missing"  # the row is gone


@dataclass(frozen=True)
class Seal:
    result: SealResult
    write: Write | None = None  # conditional on the row as read, so an admin's newer edit is never overwritten
    problem: str | None = None  # why an unreadable token cannot be sealed again (never the token)


def seal(configuration_id: uuid.UUID, stored: str | None, etag: str | None, cipher: TokenCipher) -> Seal:
    """A token already sealed under the current key is left alone, which is what makes our own write (it fires the
    webhook again) end the loop."""
    text = stored or ""
    if not text.strip():
        return Seal(SealResult.EMPTY)
    if is_encrypted(text):
        if not cipher.needs_reencryption(text):
            return Seal(SealResult.UNCHANGED)
        try:
            plain = cipher.decrypt(text, configuration_id)
        except TokenDecryptionFailed as exc:
            return Seal(SealResult.UNREADABLE, problem=str(exc))
        result = SealResult.RESEALED
    else:
        # Pasted tokens often carry a stray space or line break; Twilio would reject them as 20003.
        plain, result = text.strip(), SealResult.SEALED
    return Seal(result, token_sealed(configuration_id, cipher.encrypt(plain, configuration_id), etag))
