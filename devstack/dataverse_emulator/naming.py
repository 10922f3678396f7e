"""Names of created definitions: the publisher prefix rule, logical names, entity set names, the solution.

* Custom tables, columns, keys and relationships are named ``<prefix>_<name>``; the prefix must be the
  customization prefix of the publisher of the solution named in ``MSCRM.SolutionUniqueName`` ("Create and update
  table definitions using the Web API": "You should include the customization prefix that matches the solution
  publisher"), otherwise Dataverse's InvalidNamePrefix error (0x80044366, "Web service error codes",
  https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes). A prefix has
  2 to 8 letters or digits and starts with a letter. Without the header a component goes to the default
  solution and any well-formed prefix is accepted.
* The logical name is the SchemaName in lowercase.
* The entity set name of a new table is the plural of its logical name (``new_bankaccount`` →
  ``new_bankaccounts``, ``smsb_outbox`` → ``smsb_outboxes``), unless the definition sets ``EntitySetName``.
"""

from __future__ import annotations

import re
from typing import Any

from . import errors
from .errors import ODataError
from .ports import Publishers
from .protocol import Call

__all__ = ["INVALID_PREFIX", "check_name", "entity_set_name", "solution_of"]

INVALID_PREFIX = "0x80044366"
_PREFIXED = re.compile(r"(?P<prefix>[A-Za-z][A-Za-z0-9]{1,7})_(?P<rest>[A-Za-z0-9][A-Za-z0-9_]*)")


def solution_of(publishers: Publishers, call: Call, parameter: Any = None) -> str | None:
    """The solution a created component joins: ``MSCRM.SolutionUniqueName``, or the ``SolutionUniqueName``
    parameter of ``CreateEntities`` (in its body, or in the query string where Microsoft's SDK puts it); it must
    exist."""
    name = call.header("MSCRM.SolutionUniqueName") or parameter or call.param("SolutionUniqueName")
    if name is None:
        return None
    if not isinstance(name, str) or not publishers.solution_exists(name):
        raise ODataError(404, errors.NOT_FOUND, f"The solution with unique name '{name}' does not exist.")
    return name


def check_name(publishers: Publishers, solution: str | None, schema_name: Any, kind: str) -> str:
    """A valid custom SchemaName for a component of ``kind`` (Entity, Attribute, EntityKey, Relationship)."""
    if not isinstance(schema_name, str) or not schema_name:
        raise ODataError(400, INVALID_PREFIX, _prefix_message("", kind))
    match = _PREFIXED.fullmatch(schema_name)
    if match is None or match.group("prefix").lower().startswith("mscrm"):
        raise ODataError(400, INVALID_PREFIX, _prefix_message(schema_name, kind))
    expected = publishers.publisher_prefix(solution) if solution else None
    if expected is not None and match.group("prefix").lower() != expected.lower():
        raise ODataError(400, INVALID_PREFIX, _prefix_message(schema_name, kind))
    return schema_name


def _prefix_message(schema_name: str, kind: str) -> str:
    return (f"The schema name {schema_name} for type {kind} is invalid or missing.Custom attribute, entity, "
            "entitykey, option set and relationship names must start with a valid customization prefix.The prefix "
            "for a solution component should match the prefix that is specified for the publisher of the solution.")


def entity_set_name(logical_name: str) -> str:
    """The English plural Dataverse gives a new table's entity set."""
    if re.search(r"[^aeiou]y$", logical_name):
        return logical_name[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", logical_name):
        return logical_name + "es"
    return logical_name + "s"
