"""What the request handlers need from the emulator, as small interfaces.

The handlers (reads, writes, ``$batch``, bulk actions, files, metadata reads and writes, solutions, roles and
associations, platform actions such as WhoAmI, FetchXML) are given these and never the emulator itself:
``service.py`` builds the emulator from its parts and hands each handler only what it uses. This module imports
no handler, so no handler needs the service to know the types it works with.

The request context is the :class:`~.protocol.Call` (method, path, query, headers, body and the public base URL)
together with a :data:`Caller`, which names the user the request acts as (``impersonation.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from solution.schema import Schema, Table

from .conditions import QueryContext
from .odata import Ref
from .protocol import Call, Outcome, Prefer, WriteEvent
from .security import Depth, Principal

__all__ = ["AccessChecker", "Caller", "Clock", "Dispatch", "InstalledTables", "KeyIndexes", "OrgIds", "Privileges",
           "Publishers", "ReadModel", "RecordWriter", "RoleGrants", "SchemaHolder", "TableLookup", "TableVisibility"]

Clock = Callable[[], datetime]  # an aware datetime: createdon, modifiedon, date conditions
Caller = Callable[[], str]  # the systemuserid the current request acts as
Dispatch = Callable[[Call, list[WriteEvent]], Outcome]  # answers one call: how a $batch runs its parts
TableLookup = Callable[[str], Table]  # entity set name -> the table a client sees (404 when it sees none)


@dataclass(frozen=True)
class OrgIds:
    """The emulated org's fixed ids; ``user_id`` is its application user (the integration user)."""

    organization_id: str
    business_unit_id: str
    user_id: str


class SchemaHolder(Protocol):
    """The org's current table definitions, which the metadata API replaces at run time."""

    @property
    def schema(self) -> Schema: ...

    def replace_schema(self, schema: Schema) -> None: ...


class TableVisibility(Protocol):
    """Which tables a client of the org sees: the product's only once a solution installed them."""

    def visible(self, table: Table) -> bool: ...

    def visible_schema(self) -> Schema: ...


class InstalledTables(TableVisibility, Protocol):
    """Tables created in the org at run time become visible (with their SDK message filters) or go."""

    def add_table(self, name: str, *, messages: bool = True) -> None: ...

    def remove_table(self, name: str) -> None: ...


class KeyIndexes(Protocol):
    """The build state of alternate key indexes (``EntityKeyIndexStatus``)."""

    def key_status(self, table: str, key: str) -> str: ...

    def start_key_index(self, table: str, key: str, *, failed: bool = False) -> None: ...

    def forget_key(self, table: str, key: str) -> None: ...


class Publishers(Protocol):
    """Installed solutions, as the naming rules of created definitions ask about them."""

    def solution_exists(self, unique_name: str) -> bool: ...

    def publisher_prefix(self, unique_name: str) -> str | None: ...


class RoleGrants(Protocol):
    """Security roles: what each grants (role id -> privilege -> depth) and who holds them."""

    @property
    def role_privileges(self) -> Mapping[str, Mapping[str, Depth]]: ...

    def grant_user_role(self, user_id: str, role_name: str) -> None: ...

    def grant_team_role(self, team_id: str, role_name: str) -> None: ...


class AccessChecker(Protocol):
    """Security roles applied to the acting user: reads filter rows, writes raise 403 (``access.py``)."""

    def allows(self, verb: str, table: Table, row: Mapping[str, Any] | None) -> bool: ...

    def check(self, verb: str, table: Table, row: Mapping[str, Any] | None) -> None: ...

    def readable(self, table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]: ...

    def check_read(self, table: Table, row: Mapping[str, Any]) -> None: ...

    def check_create(self, table: Table, row: Mapping[str, Any]) -> None: ...

    def check_update(self, table: Table, before: Mapping[str, Any], values: Mapping[str, Any]) -> None: ...

    def check_delete(self, table: Table, row: Mapping[str, Any]) -> None: ...


class Privileges(Protocol):
    """What a user holds through their roles and teams (``RetrieveUserPrivileges``)."""

    def principal(self, user_id: str) -> Principal: ...

    def privileges_of(self, user_id: str) -> list[tuple[str, Depth]]: ...


class ReadModel(Protocol):
    """The acting user's view of rows (``read_view.py``): which they may read, and how a row reads as JSON."""

    @property
    def schema(self) -> Schema: ...

    def visible_rows(self, table: Table) -> list[dict[str, Any]]: ...

    def query_context(self) -> QueryContext: ...

    def represent(self, table: Table, row: dict[str, Any], select: list[str] | None, prefer: Prefer,
                  expand: str | None = None) -> dict[str, Any]: ...

    def applied(self, prefer: Prefer, *, annotations: bool = False,
                representation: bool = False) -> list[tuple[str, str]]: ...

    def primary_name(self, ref: Ref) -> str | None: ...


class RecordWriter(Protocol):
    """Records created, upserted, updated and deleted as the Web API does it (``writes.py``)."""

    def create(self, call: Call, table: Table, events: list[WriteEvent]) -> Outcome: ...

    def upsert(self, call: Call, table: Table, key: str | dict[str, Any], key_text: str,
               events: list[WriteEvent]) -> Outcome: ...

    def update(self, table: Table, existing: dict[str, Any], values: dict[str, Any],
               parties: list[dict[str, Any]] | None, events: list[WriteEvent]) -> dict[str, Any]: ...

    def delete(self, call: Call, table: Table, key: str | dict[str, Any]) -> Outcome: ...

    def delete_row(self, table: Table, row_id: str) -> None: ...
