"""Finding the customer behind a number seen for the first time, over the Configuration's Record Types.

Each Record Type names a table and the column holding the number. A server-side query narrows that table to
active rows whose column contains the number's last digits (`phones.narrowing_fragments`), newest first; each
candidate is then normalised with the Record Type's default country code and compared in E.164. Record Types
are tried in priority order; within one, the most recently modified active record wins a tie.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from dataverse import F, Filter, Row
from messaging.model import Customer, RecordType
from messaging.phones import narrowing_fragments, normalize
from solution.schema import Schema, load_schema

__all__ = ["MatchQuery", "TableInfo", "choose_customer", "match_queries", "table_info"]

# More candidates than this for one number means the narrowing failed; the newest are the likeliest anyway.
CANDIDATE_LIMIT = 50
_REASON_LENGTH = 500


@dataclass(frozen=True)
class TableInfo:
    logical_name: str
    entity_set: str
    primary_id: str
    primary_name: str
    has_state: bool


def table_info(entity: str, schema: Schema | None = None) -> TableInfo | None:
    """Entity set and key columns of a table the product knows from its definitions, else None."""
    definitions = schema or load_schema()
    if not definitions.has_table(entity):
        return None
    table = definitions.table(entity)
    return TableInfo(entity, table.entity_set, table.primary_id, table.primary_name or table.primary_id,
                     table.has_column("statecode"))


@dataclass(frozen=True)
class MatchQuery:
    record_type: RecordType
    table: TableInfo
    select: tuple[str, ...]
    filter: Filter


def match_queries(record_types: Sequence[RecordType], e164: str, schema: Schema | None = None) -> list[MatchQuery]:
    queries: list[MatchQuery] = []
    fragments = narrowing_fragments(e164)
    for record_type in record_types:
        table = table_info(record_type.entity, schema)
        if table is None:
            continue
        narrowing = F.contains(record_type.phone_field, fragments[0])
        for fragment in fragments[1:]:
            narrowing = narrowing | F.contains(record_type.phone_field, fragment)
        condition = (F.eq("statecode", 0) & narrowing) if table.has_state else narrowing
        select = tuple(dict.fromkeys((table.primary_id, table.primary_name, record_type.phone_field, "modifiedon")))
        queries.append(MatchQuery(record_type, table, select, condition))
    return queries


def choose_customer(e164: str, answers: Sequence[tuple[MatchQuery, Sequence[Row]]]) -> tuple[Customer | None, str]:
    """The matched customer (or None) and the reason, in words an admin reads on the conversation."""
    searched: list[str] = []
    for query, rows in answers:
        rt = query.record_type
        searched.append(f"{rt.entity}.{rt.phone_field}")
        hits = [row for row in rows
                if normalize(row.get(rt.phone_field), rt.default_country_code).e164 == e164]
        if not hits:
            continue
        hits.sort(key=lambda row: str(row.get("modifiedon") or ""), reverse=True)
        best = hits[0]
        raw = str(best.get(rt.phone_field) or "")
        reason = (f"Record Type '{rt.name}' (priority {rt.priority}): {rt.entity}.{rt.phone_field} "
                  f"'{raw}' equals {e164}")
        if len(hits) > 1:
            reason += f"; {len(hits)} records matched, the most recently modified was chosen"
        customer = Customer(
            entity=rt.entity,
            id=uuid.UUID(str(best[query.table.primary_id])),
            name=str(best.get(query.table.primary_name) or e164),
            entity_set=query.table.entity_set,
            reason=reason[:_REASON_LENGTH],
        )
        return customer, customer.reason
    if not answers:
        return None, "No usable Record Type to match against"
    return None, (f"No active record has {e164} in " + ", ".join(searched))[:_REASON_LENGTH]
