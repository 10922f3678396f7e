"""Who owns a user- or team-owned row, as read (`ownerid` with its lookup table) and as written
(`ownerid@odata.bind`, alone: `reassigned`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dataverse.odata import owner_bind
from dataverse.rows import Row
from messaging.names import SYSTEMUSER, TEAM, lookup_value
from messaging.plans import Table, Write

__all__ = ["OWNER", "Owner", "reassigned"]

OWNER = lookup_value("ownerid")


@dataclass(frozen=True)
class Owner:
    """A user or a team; both None when nobody is known (or the answer did not say which table the id is of)."""

    user: uuid.UUID | None = None
    team: uuid.UUID | None = None

    @classmethod
    def of(cls, row: Row) -> Owner:
        owner, table = row.guid(OWNER), row.lookup_tables.get(OWNER)
        if table == SYSTEMUSER.logical_name:
            return cls(user=owner)
        if table == TEAM.logical_name:
            return cls(team=owner)
        return cls()

    @classmethod
    def team_of(cls, team: uuid.UUID | None) -> Owner:
        return cls(team=team)

    @property
    def known(self) -> bool:
        return self.user is not None or self.team is not None

    def bind(self) -> dict[str, str]:
        """The `ownerid@odata.bind` entry that assigns a row to this owner; empty when nobody is known."""
        if self.user is not None:
            return owner_bind(user_id=self.user)
        if self.team is not None:
            return owner_bind(team_id=self.team)
        return {}


def reassigned(table: Table, row_id: uuid.UUID, owner: Owner, etag: str | None = None) -> Write:
    """A row given to `owner` (only if it is as it was read, when `etag` is given)."""
    return Write(table, row_id, owner.bind(), etag=etag)
