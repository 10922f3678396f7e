"""Finding the customer behind a number seen for the first time, over the Configuration's Record Types.

Each Record Type names a table and the column holding the number. A server-side query (made by the reader) narrows
that table to active rows whose column contains the number's last digits (`phones.narrowing_fragments`); each
candidate is then normalised here with the Record Type's default country code and compared in E.164. Record Types
are tried in priority order; within one, the most recently modified active record wins a tie.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from messaging.customers import Customer, CustomerTable
from messaging.phones import normalize
from messaging.rows.configuration import RecordType

__all__ = ["CANDIDATE_LIMIT", "Candidate", "Searched", "choose_customer"]

# More candidates than this for one number means the narrowing failed; the newest are the likeliest anyway.
CANDIDATE_LIMIT = 50
_REASON_LENGTH = 500


@dataclass(frozen=True)
class Candidate:
    """A record whose phone column contains the number's last digits."""

    id: uuid.UUID
    name: str | None
    phone: str | None
    modified_on: str


@dataclass(frozen=True)
class Searched:
    """One Record Type's table, and what the narrowing query found in it."""

    record_type: RecordType
    table: CustomerTable
    candidates: tuple[Candidate, ...]


def choose_customer(e164: str, answers: Sequence[Searched]) -> tuple[Customer | None, str]:
    """The matched customer (or None) and the reason, in words an admin reads on the conversation."""
    searched: list[str] = []
    for answer in answers:
        rt = answer.record_type
        searched.append(f"{rt.entity}.{rt.phone_field}")
        hits = [row for row in answer.candidates if normalize(row.phone, rt.default_country_code).e164 == e164]
        if not hits:
            continue
        hits.sort(key=lambda row: row.modified_on, reverse=True)
        best = hits[0]
        reason = (f"Record Type '{rt.name}' (priority {rt.priority}): {rt.entity}.{rt.phone_field} "
                  f"'{best.phone or ''}' equals {e164}")
        if len(hits) > 1:
            reason += f"; {len(hits)} records matched, the most recently modified was chosen"
        customer = Customer(answer.table, best.id, best.name or e164, reason[:_REASON_LENGTH])
        return customer, customer.reason
    if not answers:
        return None, "No usable Record Type to match against"
    return None, (f"No active record has {e164} in " + ", ".join(searched))[:_REASON_LENGTH]
