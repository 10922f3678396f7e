"""What each security role of the emulator grants, from definitions that exist once.

* Platform roles every org has, defined here because no file of the product describes them:
  ``System Administrator`` (everything; Dataverse never checks its privileges), ``Delegate``
  (``prvActOnBehalfOfAnotherUser``, as Microsoft's "Impersonate another user" page says) and ``Basic User``.
  Microsoft's Basic User grants far more than the emulator's; here it carries what the devstack's demo users need
  besides their product role: read on users, teams and business units, append-to users and teams (a lookup may name
  them), their own in-app notifications, and read of the contacts, accounts and leads they own (Basic depth).
  Tests raise or lower a depth with ``emulator.solutions.set_privilege``.
* The product's roles, when the emulator starts with the product preinstalled: ``solution/app/security.toml``
  through the packer's own reader and naming (``solution.packer.definitions.load_roles`` and ``role_privileges``),
  so the roles an environment gets from the packed solution and the ones the emulator grants are the same.
* The roles of an imported solution: the ``<RolePrivileges>`` of each ``<Role>`` in its ``customizations.xml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from xml.etree.ElementTree import Element

from solution.schema import Schema, SchemaError

from .security import ACT_ON_BEHALF, Depth, privilege_name

__all__ = ["PLATFORM_ROLES", "package_privileges", "product_privileges"]


def _grant(depth: Depth, verbs: Iterable[str], tables: Iterable[str]) -> dict[str, Depth]:
    return {privilege_name(verb, table): depth for table in tables for verb in verbs}


PLATFORM_ROLES: Mapping[str, Mapping[str, Depth]] = {
    "System Administrator": {},  # privileges are not checked for this role
    "Delegate": {ACT_ON_BEHALF: Depth.GLOBAL},
    "Basic User": {
        **_grant(Depth.GLOBAL, ["Read"], ["systemuser", "team", "businessunit", "transactioncurrency"]),
        **_grant(Depth.GLOBAL, ["AppendTo"], ["systemuser", "team"]),
        **_grant(Depth.BASIC, ["Create", "Read", "Write", "Delete"], ["appnotification"]),
        **_grant(Depth.BASIC, ["Read"], ["contact", "account", "lead"]),
    },
}


def product_privileges(schema: Schema) -> dict[str, dict[str, Depth]]:
    """Role name -> privileges of the product's roles as ``security.toml`` defines them; none when ``schema``
    lacks the tables they name (a test's own schema)."""
    from solution.packer.definitions import DefinitionError, load_roles, role_privileges

    try:
        return {role.name: {name: Depth.parse(level) for name, level in role_privileges(schema, role)}
                for role in load_roles(schema)}
    except (DefinitionError, SchemaError, KeyError):
        return {}


def package_privileges(role: Element) -> dict[str, Depth]:
    """The privileges of a ``<Role>`` of ``customizations.xml``: ``<RolePrivilege name="prvReadContact"
    level="Global"/>``; ValueError for a level that is not a depth."""
    granted: dict[str, Depth] = {}
    for item in role.findall("RolePrivileges/RolePrivilege"):
        name = (item.get("name") or "").strip()
        if name:
            granted[name] = Depth.parse(item.get("level") or "Global")
    return granted
