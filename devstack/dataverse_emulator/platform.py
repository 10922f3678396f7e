"""Platform tables the admin commands read and write, which ``solution/`` does not define (they are Dataverse's own):
``solution``, ``role``, ``asyncoperation``, ``importjob`` and the intersect tables ``systemuserroles`` and
``teamroles``, plus the many-to-many relationships ``$ref`` associates (``teamroles_association``,
``systemuserroles_association``, ``teammembership_association``).

Column names and choice values follow the Dataverse table reference
(https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/asyncoperation and siblings).
Only the columns the product uses are modelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from solution.schema import Choice, Column, ColumnType, Ownership, Relationship, Schema, Table

__all__ = ["ASYNC_STATE", "ASYNC_STATUS", "MANY_TO_MANY", "ManyToMany", "with_platform_tables"]

# asyncoperation.statecode / statuscode
ASYNC_STATE = {"ready": 0, "suspended": 1, "locked": 2, "completed": 3}
ASYNC_STATUS = {"waiting_for_resources": 0, "waiting": 10, "in_progress": 20, "pausing": 21, "canceling": 22,
                "succeeded": 30, "failed": 31, "canceled": 32}


@dataclass(frozen=True)
class ManyToMany:
    """An N:N relationship kept in an intersect table: ``entity1(id)/<name>/$ref`` adds a row there."""

    name: str
    entity1: str  # the table whose navigation property this is (from either side it is the same name)
    entity2: str
    intersect: str
    attribute1: str
    attribute2: str


MANY_TO_MANY: tuple[ManyToMany, ...] = (
    ManyToMany("teamroles_association", "team", "role", "teamroles", "teamid", "roleid"),
    ManyToMany("systemuserroles_association", "systemuser", "role", "systemuserroles", "systemuserid", "roleid"),
    ManyToMany("teammembership_association", "team", "systemuser", "teammembership", "teamid", "systemuserid"),
)


def _base(primary_id: str) -> list[Column]:
    return [
        Column(primary_id, ColumnType.UNIQUEIDENTIFIER, "Id"),
        Column("createdon", ColumnType.DATETIME, "Created On"),
        Column("modifiedon", ColumnType.DATETIME, "Modified On"),
        Column("versionnumber", ColumnType.BIGINT, "Version Number"),
    ]


def _table(name: str, entity_set: str, primary_id: str, primary_name: str | None, columns: list[Column], *,
           display: str) -> Table:
    return Table(logical_name=name, entity_set=entity_set, display_name=display, display_plural=display + "s",
                 description=f"Dataverse's {display} table (emulated).", ownership=Ownership.NONE,
                 primary_id=primary_id, primary_name=primary_name, columns=(*_base(primary_id), *columns),
                 is_custom=False)


def _string(name: str, length: int = 256) -> Column:
    return Column(name, ColumnType.STRING, name, max_length=length)


def _platform_tables(has_business_units: bool) -> list[Table]:
    state = (Choice(0, "Ready"), Choice(1, "Suspended"), Choice(2, "Locked"), Choice(3, "Completed"))
    status = (Choice(0, "Waiting For Resources", 0), Choice(10, "Waiting", 1), Choice(20, "In Progress", 2),
              Choice(21, "Pausing", 2), Choice(22, "Canceling", 2), Choice(30, "Succeeded", 3),
              Choice(31, "Failed", 3), Choice(32, "Canceled", 3))
    role_columns = [_string("name", 100), Column("ismanaged", ColumnType.BOOLEAN, "Is Managed", default=False),
                    Column("solutionid", ColumnType.UNIQUEIDENTIFIER, "Solution")]
    if has_business_units:
        role_columns.append(Column("businessunitid", ColumnType.LOOKUP, "Business Unit", targets=("businessunit",)))
    return [
        _table("solution", "solutions", "solutionid", "friendlyname", [
            _string("uniquename", 65), _string("friendlyname"), _string("version", 256),
            Column("ismanaged", ColumnType.BOOLEAN, "Package Type", default=False),
            Column("isvisible", ColumnType.BOOLEAN, "Is Visible", default=True),
            Column("installedon", ColumnType.DATETIME, "Installed On"),
            Column("description", ColumnType.MEMO, "Description", max_length=2000),
            _string("publishername"),
        ], display="Solution"),
        _table("role", "roles", "roleid", "name", role_columns, display="Security Role"),
        _table("asyncoperation", "asyncoperations", "asyncoperationid", "name", [
            _string("name", 256),
            Column("operationtype", ColumnType.INTEGER, "System Job Type"),
            Column("statecode", ColumnType.STATE, "Status", choices=state, default=0),
            Column("statuscode", ColumnType.STATUS, "Status Reason", choices=status, default=0),
            Column("message", ColumnType.MEMO, "Message", max_length=1073741823),
            Column("friendlymessage", ColumnType.MEMO, "Friendly message", max_length=1073741823),
            Column("errorcode", ColumnType.INTEGER, "Error Code"),
            Column("startedon", ColumnType.DATETIME, "Started On"),
            Column("completedon", ColumnType.DATETIME, "Completed On"),
            # What an asynchronous webhook step keeps until its job is done: the serialized execution context.
            Column("data", ColumnType.MEMO, "Data", max_length=1073741823),
            _string("messagename", 256),
            _string("primaryentitytype", 256),
        ], display="System Job"),
        _table("importjob", "importjobs", "importjobid", "name", [
            _string("name", 256), _string("solutionname", 256),
            Column("progress", ColumnType.DECIMAL, "Progress"),
            Column("startedon", ColumnType.DATETIME, "Started On"),
            Column("completedon", ColumnType.DATETIME, "Completed On"),
            Column("data", ColumnType.MEMO, "Data", max_length=1073741823),
        ], display="Import Job"),
        _table("systemuserroles", "systemuserrolescollection", "systemuserroleid", None, [
            Column("systemuserid", ColumnType.UNIQUEIDENTIFIER, "User"),
            Column("roleid", ColumnType.UNIQUEIDENTIFIER, "Role"),
        ], display="User Role"),
        _table("teamroles", "teamrolescollection", "teamroleid", None, [
            Column("teamid", ColumnType.UNIQUEIDENTIFIER, "Team"),
            Column("roleid", ColumnType.UNIQUEIDENTIFIER, "Role"),
        ], display="Team Role"),
    ]


def with_platform_tables(schema: Schema) -> Schema:
    """``schema`` plus whichever platform tables it lacks (a test may bring its own definitions)."""
    has_bu = schema.has_table("businessunit")
    extra = [t for t in _platform_tables(has_bu) if not schema.has_table(t.logical_name)]
    if not extra:
        return schema
    relationships = list(schema.relationships)
    if has_bu and any(t.logical_name == "role" for t in extra):
        relationships.append(Relationship(
            name="business_unit_roles", referenced_table="businessunit", referencing_table="role",
            referencing_attribute="businessunitid", referencing_navigation="businessunitid",
            referenced_navigation="business_unit_roles"))
    return Schema(tables=(*schema.tables, *extra), relationships=tuple(relationships))
