"""The grouping decisions of a coalesced send round, over plain values: which jobs of a round are the same Outbox
(it is worked on once; the copies settle as duplicates), whose rights each row's records are read with (one
impersonated `$batch` per owner), and whether a Twilio failure is its rate limit (wait and try again, the row still
claimed) or something else."""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from twilio_bridge import SendFailed

__all__ = ["RATE_LIMITED_CODE", "Distinct", "by_owner", "distinct", "is_rate_limited", "retry_after"]

K = TypeVar("K", bound=Hashable)

RATE_LIMITED_CODE = 20429  # Twilio: "Too Many Requests"


@dataclass(frozen=True)
class Distinct:
    """`first`: the index of each Outbox's first job; `copy_of`: for every later job of the same Outbox, the index
    of the first."""

    first: tuple[int, ...]
    copy_of: Mapping[int, int]


def distinct(outboxes: Sequence[uuid.UUID]) -> Distinct:
    """The same Outbox queued twice (the webhook and the sweeper, or a redelivery) is worked on once per round."""
    seen: dict[uuid.UUID, int] = {}
    first: list[int] = []
    copies: dict[int, int] = {}
    for index, outbox in enumerate(outboxes):
        if outbox in seen:
            copies[index] = seen[outbox]
        else:
            seen[outbox] = index
            first.append(index)
    return Distinct(tuple(first), copies)


def by_owner(readers: Mapping[int, K]) -> dict[K, tuple[int, ...]]:
    """Rows whose records must be read as their owner, per owner, in row order: Dataverse takes impersonation for a
    whole `$batch` and ignores it on a part, so each owner's reads are one request."""
    owners: dict[K, list[int]] = {}
    for index in sorted(readers):
        owners.setdefault(readers[index], []).append(index)
    return {owner: tuple(rows) for owner, rows in owners.items()}


def is_rate_limited(failure: SendFailed) -> bool:
    """Twilio's 429 (20429): it did not take the request (Twilio: "requests that receive 429 responses aren't
    processed"), so the same text may be asked again once the sender's rate allows."""
    return not failure.ambiguous and (failure.status == 429 or failure.code == RATE_LIMITED_CODE)


def retry_after(failure: SendFailed, default: float) -> float:
    """Seconds Twilio asked to wait (its Retry-After, carried by the transport's error), else `default`."""
    cause = failure.__cause__
    value = getattr(cause, "retry_after", None)
    return float(value) if isinstance(value, int | float) and value > 0 else default
