"""The team "SMS Bridge - SMS" in the root business unit with the SMS Bridge User role, its members, and the
application user's SMS Bridge Integration role. Idempotent: a second run finds everything in place."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from admin.webapi import associate, get_json
from dataverse import DataverseClient, F, bind

__all__ = ["INTEGRATION_ROLE", "TEAM_NAME", "USER_ROLE", "TeamReport", "UnknownUser", "find_role", "setup_team"]

TEAM_NAME = "SMS Bridge - SMS"
USER_ROLE = "SMS Bridge User"
INTEGRATION_ROLE = "SMS Bridge Integration"
_OWNER_TEAM = 0


class UnknownUser(LookupError):
    """No enabled user matches the email address or id given."""


@dataclass
class TeamReport:
    team_id: uuid.UUID | None = None
    business_unit: str = ""
    team_created: bool = False
    role_added: bool = False
    members_added: list[str] = field(default_factory=list)
    members_unchanged: list[str] = field(default_factory=list)
    app_user_role_added: bool = False

    @property
    def changed(self) -> bool:
        return self.team_created or self.role_added or bool(self.members_added) or self.app_user_role_added


def root_business_unit(client: DataverseClient) -> tuple[uuid.UUID, str]:
    row = client.first("businessunits", select=["businessunitid", "name"],
                       filter=F.eq("_parentbusinessunitid_value", None))
    if row is None or row.guid("businessunitid") is None:
        raise LookupError("Dataverse has no root business unit")
    return row.guid("businessunitid") or uuid.UUID(int=0), str(row.get("name") or "")


def find_role(client: DataverseClient, name: str, business_unit: uuid.UUID) -> uuid.UUID | None:
    """A role is copied into every business unit; the one of ``business_unit``."""
    row = client.first("roles", select=["roleid"],
                       filter=F.eq("name", name) & F.eq("_businessunitid_value", business_unit))
    return None if row is None else row.guid("roleid")


def roles_of(client: DataverseClient, entity_set: str, row_id: uuid.UUID, navigation: str) -> dict[uuid.UUID, str]:
    payload = get_json(client, f"{entity_set}({row_id})/{navigation}", {"$select": "name"})
    found: dict[uuid.UUID, str] = {}
    for item in payload.get("value", []):
        if isinstance(item, dict) and item.get("roleid"):
            found[uuid.UUID(str(item["roleid"]))] = str(item.get("name") or "")
    return found


def setup_team(client: DataverseClient, add_users: list[str], *, app_user_role: bool = True) -> TeamReport:
    report = TeamReport()
    bu_id, report.business_unit = root_business_unit(client)
    user_role = find_role(client, USER_ROLE, bu_id)
    if user_role is None:
        raise LookupError(f"the role '{USER_ROLE}' is not in Dataverse; import the solution first "
                          "(`smsbridge import`)")
    users = [(text, _find_user(client, text)) for text in add_users]  # every user resolves before any change
    team = client.first("teams", select=["teamid"],
                        filter=F.eq("name", TEAM_NAME) & F.eq("_businessunitid_value", bu_id))
    if team is None:
        report.team_id = client.create("teams", {
            "name": TEAM_NAME, "teamtype": _OWNER_TEAM, "businessunitid@odata.bind": bind("businessunits", bu_id),
            "description": "Receives new SMS conversations until a user accepts them (SMS Bridge).",
        })
        report.team_created = True
    else:
        report.team_id = team.guid("teamid")
    team_id = report.team_id or uuid.UUID(int=0)
    if user_role not in roles_of(client, "teams", team_id, "teamroles_association"):
        associate(client, ("teams", team_id), "teamroles_association", ("roles", user_role))
        report.role_added = True
    members = {row.guid("systemuserid") for row in client.query(
        "teammemberships", select=["systemuserid"], filter=F.eq("teamid", team_id))}
    for _text, (user_id, label) in users:
        if user_id in members:
            report.members_unchanged.append(label)
            continue
        associate(client, ("teams", team_id), "teammembership_association", ("systemusers", user_id))
        members.add(user_id)
        report.members_added.append(label)
    if app_user_role:
        integration = find_role(client, INTEGRATION_ROLE, bu_id)
        me = client.who_am_i().user_id
        if integration is not None and integration not in roles_of(client, "systemusers", me,
                                                                    "systemuserroles_association"):
            associate(client, ("systemusers", me), "systemuserroles_association", ("roles", integration))
            report.app_user_role_added = True
    return report


def _find_user(client: DataverseClient, text: str) -> tuple[uuid.UUID, str]:
    text = text.strip()
    try:
        user_id = uuid.UUID(text)
    except ValueError:
        user_id = None
    select = ["systemuserid", "fullname", "internalemailaddress", "domainname", "isdisabled"]
    if user_id is not None:
        row = client.find("systemusers", user_id, select=select)
    else:
        row = client.first("systemusers", select=select,
                           filter=F.eq("internalemailaddress", text) | F.eq("domainname", text))
    if row is None or row.guid("systemuserid") is None:
        raise UnknownUser(f"no Dataverse user has the email address or id '{text}'; add the user to the environment "
                          "first (Power Platform admin center > Users), or check the spelling")
    if row.get("isdisabled"):
        raise UnknownUser(f"the user '{text}' is disabled; enable the user or choose another")
    label = f"{row.get('fullname') or text} <{row.get('internalemailaddress') or row.get('domainname') or text}>"
    return row.guid("systemuserid") or uuid.UUID(int=0), label
