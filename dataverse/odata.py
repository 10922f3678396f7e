"""Pure OData request builders: no I/O, no session, no clock.

Everything here turns Python values into the exact strings the Dataverse Web API expects (entity paths,
key predicates, ``$filter`` expressions, ``Prefer`` headers, ``@odata.bind`` values) and into
:class:`DataverseRequest` values that the transport sends. Keeping this layer pure lets it be tested
exhaustively without HTTP.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final
from urllib.parse import quote

from dataverse.errors import InvalidKeyValue

__all__ = [
    "DataverseRequest",
    "F",
    "Filter",
    "Key",
    "KeyValue",
    "Literal",
    "bind",
    "entity_path",
    "format_guid",
    "format_literal",
    "key_predicate",
    "owner_bind",
    "prefer_header",
    "query_params",
]

Literal = str | int | float | bool | Decimal | uuid.UUID | datetime | date | None
KeyValue = str | int | Decimal | uuid.UUID | datetime | date
# A row is addressed by its primary id (UUID, or a GUID string) or by the columns of an alternate key.
Key = uuid.UUID | str | Mapping[str, KeyValue]

# Dataverse cannot address alternate-key values containing these characters in a URL, even
# percent-encoded (documented limitation); callers must fall back to $filter and the primary id.
FORBIDDEN_KEY_CHARACTERS: Final = frozenset("+/<>*%&:\\?")

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PROPERTY_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$")
# Characters left as they are inside a quoted key value; everything else is percent-encoded so that a
# '#', a space or non-ASCII text cannot change the meaning of the URL.
_KEY_SAFE = "'-_.~!$()*,;=@"


@dataclass(frozen=True)
class DataverseRequest:
    """One HTTP request to the Web API, as data.

    ``path`` is relative to the API root (``smsb_messages(…)``) unless it is an absolute URL, which is
    how ``@odata.nextLink`` and chunked-upload locations are followed untouched. ``idempotent`` says
    whether repeating the request after an ambiguous failure (read timeout, 502/503/504) is harmless.
    """

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    data: bytes | None = None
    idempotent: bool = True
    retry: bool = True
    timeout: tuple[float, float] | None = None

    def with_headers(self, extra: Mapping[str, str]) -> DataverseRequest:
        merged = dict(self.headers)
        merged.update(extra)
        return DataverseRequest(
            method=self.method, path=self.path, params=self.params, headers=merged, json=self.json,
            data=self.data, idempotent=self.idempotent, retry=self.retry, timeout=self.timeout,
        )


def check_identifier(name: str, what: str = "name") -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"invalid {what}: {name!r}")
    return name


def check_property_path(name: str) -> str:
    if not _PROPERTY_PATH.match(name):
        raise ValueError(f"invalid column or property path: {name!r}")
    return name


def format_guid(value: uuid.UUID | str) -> str:
    """A GUID as the Web API writes it: lowercase, hyphenated, unquoted."""
    try:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))
    except ValueError as exc:
        raise ValueError(f"not a GUID: {value!r}") from exc


def _format_datetime(value: datetime) -> str:
    # Naive datetimes are taken as UTC: Dataverse stores date-times in UTC and so does this project.
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    text = aware.isoformat(timespec="milliseconds" if aware.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def format_literal(value: Literal) -> str:
    """An OData literal for ``$filter`` and key predicates (strings quoted, quotes doubled)."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, uuid.UUID):
        text = str(value)
    elif isinstance(value, datetime):
        text = _format_datetime(value)
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, int | Decimal):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, str):
        text = "'" + value.replace("'", "''") + "'"
    else:
        raise TypeError(f"cannot express {type(value).__name__} as an OData literal")
    return text


def _key_literal(column: str, value: KeyValue) -> str:
    if isinstance(value, str):
        for character in value:
            if character in FORBIDDEN_KEY_CHARACTERS:
                raise InvalidKeyValue(
                    f"alternate key {column} contains {character!r}, which Dataverse cannot address; "
                    "query with $filter and use the primary id instead"
                )
        return quote(format_literal(value), safe=_KEY_SAFE)
    return format_literal(value)


def key_predicate(key: Key) -> str:
    """The part between the parentheses of ``entityset(…)``."""
    if isinstance(key, uuid.UUID | str):
        return format_guid(key)
    if not key:
        raise ValueError("an alternate key needs at least one column")
    return ",".join(f"{check_property_path(column)}={_key_literal(column, value)}"
                    for column, value in key.items())


def entity_path(entity_set: str, key: Key | None = None) -> str:
    check_identifier(entity_set, "entity set name")
    return entity_set if key is None else f"{entity_set}({key_predicate(key)})"


def bind(entity_set: str, key: Key) -> str:
    """The value of a ``<navigation property>@odata.bind`` annotation: ``/contacts(<guid>)``."""
    return "/" + entity_path(entity_set, key)


def owner_bind(*, team_id: uuid.UUID | str | None = None, user_id: uuid.UUID | str | None = None) -> dict[str, str]:
    """The ``ownerid@odata.bind`` entry that assigns a user- or team-owned row (Assign is deprecated)."""
    if (team_id is None) == (user_id is None):
        raise ValueError("give exactly one of team_id and user_id")
    target = bind("teams", team_id) if team_id is not None else bind("systemusers", user_id or "")
    return {"ownerid@odata.bind": target}


class Filter:
    """A ``$filter`` expression; combine with ``&``, ``|`` and ``~`` (not)."""

    __slots__ = ("expression",)

    def __init__(self, expression: str) -> None:
        self.expression = expression

    def __and__(self, other: Filter) -> Filter:
        return Filter(f"({self.expression}) and ({other.expression})")

    def __or__(self, other: Filter) -> Filter:
        return Filter(f"({self.expression}) or ({other.expression})")

    def __invert__(self) -> Filter:
        return Filter(f"not ({self.expression})")

    def __str__(self) -> str:
        return self.expression

    def __repr__(self) -> str:
        return f"Filter({self.expression!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Filter) and other.expression == self.expression

    def __hash__(self) -> int:
        return hash(self.expression)


class F:
    """Builders for :class:`Filter`: ``F.eq("smsb_phonenumber", "+15551234567") & F.ne("statecode", 1)``."""

    @staticmethod
    def _compare(operator: str, column: str, value: Literal) -> Filter:
        return Filter(f"{check_property_path(column)} {operator} {format_literal(value)}")

    @staticmethod
    def eq(column: str, value: Literal) -> Filter:
        return F._compare("eq", column, value)

    @staticmethod
    def ne(column: str, value: Literal) -> Filter:
        return F._compare("ne", column, value)

    @staticmethod
    def gt(column: str, value: Literal) -> Filter:
        return F._compare("gt", column, value)

    @staticmethod
    def ge(column: str, value: Literal) -> Filter:
        return F._compare("ge", column, value)

    @staticmethod
    def lt(column: str, value: Literal) -> Filter:
        return F._compare("lt", column, value)

    @staticmethod
    def le(column: str, value: Literal) -> Filter:
        return F._compare("le", column, value)

    @staticmethod
    def is_null(column: str) -> Filter:
        return F.eq(column, None)

    @staticmethod
    def not_null(column: str) -> Filter:
        return F.ne(column, None)

    @staticmethod
    def _function(name: str, column: str, text: str) -> Filter:
        return Filter(f"{name}({check_property_path(column)},{format_literal(text)})")

    @staticmethod
    def contains(column: str, text: str) -> Filter:
        return F._function("contains", column, text)

    @staticmethod
    def startswith(column: str, text: str) -> Filter:
        return F._function("startswith", column, text)

    @staticmethod
    def endswith(column: str, text: str) -> Filter:
        return F._function("endswith", column, text)

    @staticmethod
    def any_of(column: str, values: Iterable[Literal]) -> Filter:
        """``column`` equals one of ``values`` (an ``or`` chain, which every OData server understands)."""
        parts = [F.eq(column, value).expression for value in values]
        if not parts:
            raise ValueError("any_of needs at least one value")
        return Filter(" or ".join(parts)) if len(parts) == 1 else Filter("(" + " or ".join(parts) + ")")

    @staticmethod
    def all_of(*filters: Filter) -> Filter:
        if not filters:
            raise ValueError("all_of needs at least one filter")
        result = filters[0]
        for item in filters[1:]:
            result = result & item
        return result


def query_params(
    *,
    select: Iterable[str] | None = None,
    filter: Filter | str | None = None,
    orderby: Iterable[str] | None = None,
    expand: Iterable[str] | None = None,
    top: int | None = None,
    count: bool = False,
) -> tuple[tuple[str, str], ...]:
    params: list[tuple[str, str]] = []
    if select is not None:
        columns = [check_property_path(column) for column in select]
        if columns:
            params.append(("$select", ",".join(columns)))
    if filter is not None:
        params.append(("$filter", str(filter)))
    if orderby is not None:
        order = list(orderby)
        if order:
            params.append(("$orderby", ",".join(order)))
    if expand is not None:
        expansions = list(expand)
        if expansions:
            params.append(("$expand", ",".join(expansions)))
    if top is not None:
        if top < 1:
            raise ValueError("top must be positive")
        params.append(("$top", str(top)))
    if count:
        params.append(("$count", "true"))
    return tuple(params)


def prefer_header(
    *,
    return_representation: bool = False,
    include_annotations: bool = False,
    max_page_size: int | None = None,
    continue_on_error: bool = False,
) -> str | None:
    """The ``Prefer`` header value, or None when nothing is preferred."""
    parts: list[str] = []
    if return_representation:
        parts.append("return=representation")
    if include_annotations:
        parts.append('odata.include-annotations="*"')
    if max_page_size is not None:
        if not 1 <= max_page_size <= 5000:
            raise ValueError("max_page_size must be between 1 and 5000")
        parts.append(f"odata.maxpagesize={max_page_size}")
    if continue_on_error:
        parts.append("odata.continue-on-error")
    return ",".join(parts) or None


def entity_id_from_header(value: str | None) -> uuid.UUID | None:
    """The GUID at the end of an ``OData-EntityId`` header (``…/smsb_messages(<guid>)``)."""
    if not value:
        return None
    match = re.search(r"\(([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\)$",
                      value.strip())
    return uuid.UUID(match.group(1)) if match else None
