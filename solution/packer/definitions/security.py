"""Security roles and field security profiles, from ``solution/app/security.toml``: their dataclasses, the grants
expanded into privileges, and the privilege names Dataverse gives them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solution.schema import Ownership, Schema

from .._entities import schema_name
from .files import APP_DIR, DefinitionError, read_toml
from .files import required_str as _str

PRIVILEGE_LEVELS = ("Basic", "Local", "Deep", "Global")
PRIVILEGE_VERBS = ("Create", "Read", "Write", "Delete", "Append", "AppendTo", "Assign", "Share")
# Tables whose privileges carry another name. Activity tables, custom ones included, have no privileges of
# their own: roles grant the Activity privileges (prvCreateActivity, ...), which cover every activity table.
_PRIVILEGE_NAMES = {"activitypointer": "Activity", "systemuser": "User"}


@dataclass(frozen=True)
class Privilege:
    verb: str
    table: str
    level: str


@dataclass(frozen=True)
class Role:
    key: str
    name: str
    description: str
    privileges: tuple[Privilege, ...]
    misc: tuple[str, ...] = ()  # privileges of no table (prvActOnBehalfOfAnotherUser), held at the Global level


@dataclass(frozen=True)
class FieldPermission:
    table: str
    column: str
    can_read: bool
    can_update: bool
    can_create: bool


@dataclass(frozen=True)
class FieldSecurityProfile:
    key: str
    name: str
    description: str
    permissions: tuple[FieldPermission, ...]


def load_roles(schema: Schema, app_dir: Path = APP_DIR) -> tuple[Role, ...]:
    """The security roles of ``security.toml`` alone (what the Dataverse emulator grants when the product is
    preinstalled), checked against ``schema``."""
    path = app_dir / "security.toml"
    return tuple(_role(path, key, r, schema) for key, r in read_toml(path).get("roles", {}).items())


def read_profiles(app_dir: Path = APP_DIR) -> tuple[FieldSecurityProfile, ...]:
    """The field security profiles of ``security.toml``."""
    path = app_dir / "security.toml"
    return tuple(_profile(path, key, p) for key, p in read_toml(path).get("field_security_profiles", {}).items())


def check_security(schema: Schema, roles: tuple[Role, ...], profiles: tuple[FieldSecurityProfile, ...]) -> None:
    for role in roles:
        for p in role.privileges:
            schema.table(p.table)
        role_privileges(schema, role)
    for profile in profiles:
        for perm in profile.permissions:
            col = schema.table(perm.table).column(perm.column)
            if not col.secured:
                raise DefinitionError(f"field security profile {profile.name!r}: {perm.column} is not secured")


def privilege_name(schema: Schema, verb: str, table: str) -> str:
    """``prv<Verb><table's schema name>``; an activity table's privileges are the Activity ones."""
    t = schema.table(table)
    return f"prv{verb}{'Activity' if t.is_activity else _PRIVILEGE_NAMES.get(table, schema_name(t))}"


def role_privileges(schema: Schema, role: Role) -> tuple[tuple[str, str], ...]:
    """(privilege name, level) of a role, sorted by name, its privileges of no table (``misc``) at Global; grants on
    several activity tables meet in the Activity privileges and must agree on the level."""
    levels: dict[str, str] = {}
    for p in role.privileges:
        name = privilege_name(schema, p.verb, p.table)
        if levels.setdefault(name, p.level) != p.level:
            raise DefinitionError(
                f"role {role.name!r}: {name} is granted at {levels[name]} and {p.level} (activity tables share the"
                " Activity privileges)"
            )
    levels.update(dict.fromkeys(role.misc, "Global"))
    return tuple(sorted(levels.items(), key=lambda item: item[0].lower()))


def _role(path: Path, key: str, doc: dict[str, Any], schema: Schema) -> Role:
    """Expand ``grants``; without ``privileges`` a grant gives every privilege the table's ownership allows
    (organization-owned tables have no Assign/Share and take the Global level only)."""
    privileges: list[Privilege] = []
    for grant in doc.get("grants", []):
        level = _str(path, grant, "level")
        if level not in PRIVILEGE_LEVELS:
            raise DefinitionError(f"{path.name}: role {key}: unknown level {level!r}")
        for table_name in grant.get("tables", []):
            table = schema.table(table_name)
            org_owned = table.ownership is not Ownership.USER
            allowed = PRIVILEGE_VERBS[:6] if org_owned else PRIVILEGE_VERBS
            verbs = tuple(grant.get("privileges", allowed))
            unknown = set(verbs) - set(allowed)
            if unknown:
                raise DefinitionError(f"{path.name}: role {key}: {table_name} has no privilege {sorted(unknown)}")
            if org_owned and level != "Global":
                raise DefinitionError(f"{path.name}: role {key}: {table_name} is organization-owned: level Global")
            privileges.extend(Privilege(v, table_name, level) for v in verbs)
    seen: dict[tuple[str, str], str] = {}
    for p in privileges:
        if seen.setdefault((p.verb, p.table), p.level) != p.level:
            raise DefinitionError(f"{path.name}: role {key}: {p.verb} {p.table} is granted at two levels")
    misc = tuple(str(m) for m in doc.get("misc", []))
    for name in misc:
        if not re.fullmatch(r"prv[A-Z][A-Za-z]+", name):
            raise DefinitionError(f"{path.name}: role {key}: {name!r} is not a privilege name (prvSomething)")
    return Role(key, _str(path, doc, "name"), str(doc.get("description", "")), tuple(privileges), misc)


def _profile(path: Path, key: str, doc: dict[str, Any]) -> FieldSecurityProfile:
    perms = tuple(
        FieldPermission(
            _str(path, p, "table"), _str(path, p, "column"),
            bool(p.get("read", False)), bool(p.get("update", False)), bool(p.get("create", False)),
        )
        for p in doc.get("permissions", [])
    )
    return FieldSecurityProfile(key, _str(path, doc, "name"), str(doc.get("description", "")), perms)
