"""Dataverse's record-level security model as pure decisions: "may principal P use privilege X on row R?".

Everything here works on plain data (no store, no HTTP), so each rule is unit-tested on its own; ``access.py``
gathers the data from the emulator's rows and applies the answers.

The model (https://learn.microsoft.com/power-platform/admin/security-roles-privileges):

* a security role holds privileges ``prv{Create|Read|Write|Delete|Append|AppendTo|Assign|Share}<table>``, each at
  a depth: Basic (rows the user owns, or that a team the user belongs to owns), Local (rows of the user's
  business unit), Deep (the user's business unit and the units below it), Global (every row);
* a user holds the privileges of the roles given to them (``systemuserroles``) and of the roles of every team they
  belong to (``teamroles``); the deepest grant of a privilege counts;
* an organization-owned table needs only the privilege; business-unit-owned rows (users, teams, business units)
  belong to their business unit; System Administrator may do everything;
* under impersonation the privileges used are the intersection of the impersonator's and the impersonated
  user's: an action is allowed only when both may take it
  (https://learn.microsoft.com/power-apps/developer/data-platform/impersonate-another-user).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "ACT_ON_BEHALF",
    "ADMINISTRATOR_ROLE",
    "VERBS",
    "Decision",
    "Depth",
    "Principal",
    "RowFacts",
    "TableFacts",
    "Units",
    "decide",
    "decide_impersonated",
    "merge",
    "privilege_name",
    "reaches",
]

VERBS = ("Create", "Read", "Write", "Delete", "Append", "AppendTo", "Assign", "Share")
ADMINISTRATOR_ROLE = "System Administrator"
ACT_ON_BEHALF = "prvActOnBehalfOfAnotherUser"

# Tables whose privileges carry another name than the table's: every activity shares prvReadActivity and the
# like; systemuser's are prvReadUser (names as Dataverse's role editor and solution exports write them).
_PRIVILEGE_STEMS = {"activitypointer": "Activity", "systemuser": "User"}


class Depth(enum.IntEnum):
    """A privilege's depth (access level); a deeper grant includes the shallower ones."""

    BASIC = 1
    LOCAL = 2
    DEEP = 3
    GLOBAL = 4

    @classmethod
    def parse(cls, text: str) -> Depth:
        """``Basic``/``Local``/``Deep``/``Global`` as role definitions write them (also ``User``, ``BusinessUnit``,
        ``ParentChildBusinessUnit``, ``Organization`` as the role editor labels them)."""
        labels = {"basic": cls.BASIC, "user": cls.BASIC, "local": cls.LOCAL, "businessunit": cls.LOCAL,
                  "deep": cls.DEEP, "parentchildbusinessunit": cls.DEEP, "global": cls.GLOBAL,
                  "organization": cls.GLOBAL}
        try:
            return labels[text.strip().lower().replace(" ", "").replace(":", "")]
        except KeyError:
            raise ValueError(f"'{text}' is not a privilege depth (Basic, Local, Deep or Global)") from None


def privilege_name(verb: str, table: str, *, activity: bool = False) -> str:
    """The privilege's name: ``privilege_name("Read", "contact")`` is ``prvReadcontact`` (Dataverse writes the
    table's schema name, ``prvReadContact``; names are compared without regard to case). Activity tables, custom
    ones included, have no privileges of their own: the Activity privileges cover them all."""
    return f"prv{verb}{'Activity' if activity else _PRIVILEGE_STEMS.get(table, table)}"


def merge(grants: Iterable[Mapping[str, Depth]]) -> dict[str, Depth]:
    """The privileges of several roles together: each at the deepest depth any of them grants."""
    merged: dict[str, Depth] = {}
    for grant in grants:
        for name, depth in grant.items():
            key = name.lower()
            if depth > merged.get(key, 0):
                merged[key] = depth
    return merged


@dataclass(frozen=True)
class Units:
    """The business unit tree: unit id -> parent unit id (None for the root)."""

    parents: Mapping[str, str | None] = field(default_factory=dict)

    def within(self, unit: str | None, top: str | None) -> bool:
        """Whether ``unit`` is ``top`` or lies below it."""
        seen: set[str] = set()
        while unit is not None and unit not in seen:
            if unit == top:
                return True
            seen.add(unit)
            unit = self.parents.get(unit)
        return False


@dataclass(frozen=True)
class Principal:
    """A user as security sees them: their business unit, teams and the privileges all their roles give."""

    user_id: str
    business_unit: str | None
    teams: frozenset[str] = frozenset()
    privileges: Mapping[str, Depth] = field(default_factory=dict)
    administrator: bool = False
    roles: tuple[str, ...] = ()

    def depth(self, privilege: str) -> Depth | None:
        return Depth.GLOBAL if self.administrator else self.privileges.get(privilege.lower())


@dataclass(frozen=True)
class TableFacts:
    """What security needs of a table: its name and how its rows are owned (``user`` for user- or team-owned,
    ``business_unit``, ``organization``, or ``none`` for tables Dataverse secures through another)."""

    name: str
    ownership: str
    activity: bool = False


@dataclass(frozen=True)
class RowFacts:
    """Who owns a row: the owning user or team, and the business unit the row belongs to."""

    owner_user: str | None = None
    owner_team: str | None = None
    business_unit: str | None = None


@dataclass(frozen=True)
class Decision:
    """``allowed``, or why not: ``privilege`` (the principal holds no such privilege) or ``access`` (it holds it,
    not deep enough for this row). ``principal`` is the user whose rights fell short."""

    allowed: bool
    privilege: str
    refusal: str | None = None
    principal: str | None = None

    @classmethod
    def allow(cls, privilege: str) -> Decision:
        return cls(True, privilege)


def reaches(principal: Principal, depth: Depth, row: RowFacts, units: Units) -> bool:
    """Whether a privilege held at ``depth`` covers ``row``."""
    if depth >= Depth.GLOBAL:
        return True
    if depth >= Depth.DEEP:
        return units.within(row.business_unit, principal.business_unit)
    if depth >= Depth.LOCAL:
        return row.business_unit is not None and row.business_unit == principal.business_unit
    if row.owner_user is not None:
        return row.owner_user == principal.user_id
    return row.owner_team is not None and row.owner_team in principal.teams


def decide(principal: Principal, verb: str, table: TableFacts, row: RowFacts | None, units: Units) -> Decision:
    """May ``principal`` use ``verb`` on ``row`` of ``table``? ``row`` None asks about the table only (Create
    before an owner is known, or an organization-owned table)."""
    name = privilege_name(verb, table.name, activity=table.activity)
    if principal.administrator or table.ownership == "none":
        return Decision.allow(name)
    depth = principal.depth(name)
    if depth is None:
        return Decision(False, name, "privilege", principal.user_id)
    if table.ownership == "organization" or row is None:
        return Decision.allow(name)
    if table.ownership == "business_unit":
        row = RowFacts(business_unit=row.business_unit)  # owned by the unit: Basic reaches as far as Local
        depth = max(depth, Depth.LOCAL)
    if reaches(principal, depth, row, units):
        return Decision.allow(name)
    return Decision(False, name, "access", principal.user_id)


def decide_impersonated(caller: Principal, acting: Principal | None, verb: str, table: TableFacts,
                        row: RowFacts | None, *, units: Units) -> Decision:
    """The caller's decision alone, or under impersonation the first refusal of caller and impersonated user."""
    if acting is None or acting.user_id == caller.user_id:
        return decide(caller, verb, table, row, units)
    mine = decide(caller, verb, table, row, units)
    if not mine.allowed:
        return mine
    return decide(acting, verb, table, row, units)
