"""Demo data: a team with three users, and customers whose phone numbers are stored as people type them.

The users hold Basic User themselves and SMS Bridge User through the team, which is what reading and writing
as them (``MSCRMCallerID``, as the devstack browser does) needs once the emulator enforces their roles; the first
(the browser's default user) is also an SMS Bridge Administrator, who may validate and change Configurations."""

from __future__ import annotations

import uuid
from typing import Any

from .odata import Ref
from .ports import OrgIds, RoleGrants
from .store import Store

TEAM_NAME = "SMS Bridge - SMS"
_NAMESPACE = uuid.UUID("0d7f7a63-2a4e-4f55-9d3e-6c3a5a3f7b21")

USERS = [("Alex", "Morgan"), ("Priya", "Nair"), ("Sam", "Okafor")]
# The first user (the browser's default) also sets SMS Bridge up: Configurations, Record Types, templates.
ADMINISTRATOR = "Alex Morgan"

# (first, last, column, number as stored): the same national numbers in the formats found in real CRMs
CONTACTS = [
    ("Avery", "Park", "mobilephone", "+1 (656) 218-5892"),
    ("Blake", "Rivera", "mobilephone", "656-218-5893"),
    ("Casey", "Nguyen", "mobilephone", "6562185894"),
    ("Devon", "Hughes", "mobilephone", "001 656 218 5895"),
    ("Emery", "Stone", "mobilephone", "+16562185896"),
    ("Harper", "Quinn", "telephone1", "656-218-5897"),
    ("Jordan", "Ellis", "telephone2", "656.218.5898"),
    ("Oliver", "Bennett", "mobilephone", "+44 7700 900123"),
    ("Amelia", "Clarke", "telephone1", "020 7946 0958"),
    ("Aarav", "Sharma", "mobilephone", "+91 98765 43210"),
    ("Diya", "Patel", "mobilephone", "098765 43211"),
    ("Ishaan", "Reddy", "telephone1", "9876543212"),
]

ACCOUNTS = [
    ("Contoso Pharmaceuticals", "telephone1", "(656) 218-5900"),
    ("Fabrikam UK Ltd", "telephone1", "+44 (0)20 7946 0000"),
    ("Tailspin Toys India", "telephone1", "+91-22-4000-1234"),
    ("Northwind Traders", "telephone2", "656.218.5901"),
]


def _id(kind: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))


def seed_demo(store: Store, org: OrgIds, roles: RoleGrants) -> dict[str, Any]:
    """Insert (or re-insert) the demo rows; ids are stable across runs. Returns them by name."""
    bu = Ref("businessunit", org.business_unit_id)
    team_id = _id("team", TEAM_NAME)
    ids: dict[str, Any] = {
        "business_unit": org.business_unit_id,
        "team": team_id,
        "users": {},
        "contacts": {},
        "accounts": {},
    }
    with store.lock:
        if store.get("team", team_id) is None:
            store.insert("team", {"teamid": team_id, "name": TEAM_NAME, "teamtype": 0, "businessunitid": bu})
        roles.grant_team_role(team_id, "SMS Bridge User")
        for first, last in USERS:
            user_id = _id("systemuser", f"{first} {last}")
            ids["users"][f"{first} {last}"] = user_id
            if store.get("systemuser", user_id) is None:
                store.insert(
                    "systemuser",
                    {
                        "systemuserid": user_id,
                        "firstname": first,
                        "lastname": last,
                        "fullname": f"{first} {last}",
                        "internalemailaddress": f"{first.lower()}.{last.lower()}@contoso.example",
                        "domainname": f"{first.lower()}@contoso.example",
                        "businessunitid": bu,
                    },
                )
                store.insert(
                    "teammembership",
                    {"teammembershipid": _id("membership", user_id), "teamid": team_id, "systemuserid": user_id},
                )
            # every user of an org holds some role of their own; the team gives them the product's
            roles.grant_user_role(user_id, "Basic User")
            if f"{first} {last}" == ADMINISTRATOR:
                roles.grant_user_role(user_id, "SMS Bridge Administrator")
        owner = Ref("team", team_id)
        for first, last, column, number in CONTACTS:
            contact_id = _id("contact", f"{first} {last}")
            ids["contacts"][f"{first} {last}"] = contact_id
            if store.get("contact", contact_id) is None:
                store.insert(
                    "contact",
                    {
                        "contactid": contact_id,
                        "firstname": first,
                        "lastname": last,
                        "fullname": f"{first} {last}",
                        column: number,
                        "ownerid": owner,
                        "owningteam": owner,
                        "owningbusinessunit": bu,
                    },
                )
        for name, column, number in ACCOUNTS:
            account_id = _id("account", name)
            ids["accounts"][name] = account_id
            if store.get("account", account_id) is None:
                store.insert(
                    "account",
                    {
                        "accountid": account_id,
                        "name": name,
                        column: number,
                        "ownerid": owner,
                        "owningteam": owner,
                        "owningbusinessunit": bu,
                    },
                )
    return ids
