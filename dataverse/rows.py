"""Frozen values the client hands back: rows, pages, upsert outcomes, WhoAmI."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any

__all__ = ["Page", "PingResult", "Row", "StoredFile", "UpsertMode", "UpsertResult", "WhoAmI"]

_FORMATTED = "@OData.Community.Display.V1.FormattedValue"
_LOOKUP_TABLE = "@Microsoft.Dynamics.CRM.lookuplogicalname"
_NAVIGATION = "@Microsoft.Dynamics.CRM.associatednavigationproperty"


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Row:
    """One row as the Web API returned it.

    ``values`` holds the columns (annotations removed); ``formatted`` the
    ``OData.Community.Display.V1.FormattedValue`` annotations (present when the request asked for
    annotations); ``lookup_tables`` and ``navigation_properties`` describe lookup columns
    (``_x_value``): the table each points at and the navigation property to use in ``@odata.bind``.
    """

    values: Mapping[str, Any]
    formatted: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    lookup_tables: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    navigation_properties: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    etag: str | None = None

    @classmethod
    def from_json(cls, payload: Mapping[str, Any]) -> Row:
        values: dict[str, Any] = {}
        formatted: dict[str, str] = {}
        tables: dict[str, str] = {}
        navigation: dict[str, str] = {}
        for name, value in payload.items():
            if name.endswith(_FORMATTED):
                formatted[name[: -len(_FORMATTED)]] = str(value)
            elif name.endswith(_LOOKUP_TABLE):
                tables[name[: -len(_LOOKUP_TABLE)]] = str(value)
            elif name.endswith(_NAVIGATION):
                navigation[name[: -len(_NAVIGATION)]] = str(value)
            elif "@" in name:
                continue  # other annotations (@odata.context, @odata.etag, …) are not columns
            elif isinstance(value, Mapping):
                values[name] = Row.from_json(value)
            elif isinstance(value, list):
                values[name] = tuple(Row.from_json(item) if isinstance(item, Mapping) else item
                                     for item in value)
            else:
                values[name] = value
        etag = payload.get("@odata.etag")
        return cls(values=_frozen(values), formatted=_frozen(formatted), lookup_tables=_frozen(tables),
                   navigation_properties=_frozen(navigation), etag=str(etag) if etag is not None else None)

    def __getitem__(self, column: str) -> Any:
        return self.values[column]

    def __contains__(self, column: object) -> bool:
        return column in self.values

    def get(self, column: str, default: Any = None) -> Any:
        return self.values.get(column, default)

    def guid(self, column: str) -> uuid.UUID | None:
        """A GUID column (primary id or ``_x_value`` lookup) as a UUID, None when empty."""
        value = self.values.get(column)
        return uuid.UUID(str(value)) if value else None


@dataclass(frozen=True)
class Page:
    rows: tuple[Row, ...]
    next_link: str | None = None
    count: int | None = None

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class UpsertMode(Enum):
    """How a PATCH addressed by key may behave.

    ``CREATE_ONLY`` sends ``If-None-Match: *`` (an existing row answers 412 and is left untouched);
    ``UPDATE_ONLY`` sends ``If-Match: *`` (a missing row answers 404 instead of being created);
    ``EITHER`` creates or updates.
    """

    CREATE_ONLY = "create-only"
    UPDATE_ONLY = "update-only"
    EITHER = "either"


@dataclass(frozen=True)
class UpsertResult:
    """Outcome of an upsert or a create-with-id.

    ``created`` is True when this call created the row, False when the row was already there (for
    ``CREATE_ONLY`` and create-with-id: nothing was written), and None when the service did not say.
    """

    id: uuid.UUID | None
    created: bool | None
    row: Row | None = None


@dataclass(frozen=True)
class WhoAmI:
    user_id: uuid.UUID
    business_unit_id: uuid.UUID
    organization_id: uuid.UUID


@dataclass(frozen=True)
class PingResult:
    """What a health probe needs: did Dataverse answer, how fast, and if not, why (no secrets)."""

    ok: bool
    elapsed_seconds: float
    error: str | None = None
    who: WhoAmI | None = None


@dataclass(frozen=True)
class StoredFile:
    """The content of a file column and its file name."""

    content: bytes = field(repr=False)
    file_name: str | None = None
