"""The rows every emulated org starts with: its business unit, its application (integration) user, and the SDK
messages with the message filters that webhook steps register on.

The Create message's id is the same in every Dataverse org (seen in samples and solution exports); the others are
fixed here so that tests can rely on them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from solution.schema import Schema, Table

from .ports import OrgIds
from .store import Store

__all__ = ["NAMESPACE", "SDK_MESSAGE_IDS", "add_message_filters", "insert_org_rows", "org_ids",
           "remove_message_filters"]

SDK_MESSAGE_IDS = {
    "Create": "9ebdbb1b-ea3e-db11-86a7-000a3a5473e8",
    "Update": "20bebb1b-ea3e-db11-86a7-000a3a5473e8",
    "Delete": "20bdbb1b-ea3e-db11-86a7-000a3a5473e8",
}
NAMESPACE = uuid.UUID("5b0e2f43-6a0c-4d7e-9a6e-2f1f4b3e9c10")


def org_ids() -> OrgIds:
    """The org's ids: the same in every emulator, so that a test can name them."""
    return OrgIds(organization_id=str(uuid.uuid5(NAMESPACE, "organization")),
                  business_unit_id=str(uuid.uuid5(NAMESPACE, "businessunit")),
                  user_id=str(uuid.uuid5(NAMESPACE, "systemuser:integration")))


def insert_org_rows(store: Store, schema: Schema, org: OrgIds, visible: Callable[[Table], bool]) -> None:
    """The business unit, the integration user, and the messages with a filter for each visible table."""
    if schema.has_table("businessunit"):
        store.insert("businessunit", {"businessunitid": org.business_unit_id, "name": "SMS Bridge Org"})
    if schema.has_table("systemuser"):
        store.insert(
            "systemuser",
            {
                "systemuserid": org.user_id,
                "fullname": "SMS Bridge Integration",
                "firstname": "SMS Bridge",
                "lastname": "Integration",
                "accessmode": 4,
                "businessunitid": org.business_unit_id,
                "domainname": "smsbridge-integration@devstack.local",
            },
        )
    if schema.has_table("sdkmessage") and schema.has_table("sdkmessagefilter"):
        for name, message_id in SDK_MESSAGE_IDS.items():
            store.insert("sdkmessage", {"sdkmessageid": message_id, "name": name})
            for table in schema.tables:
                if not visible(table):
                    continue  # a product table gets its filters when a solution installs it
                store.insert("sdkmessagefilter", _message_filter(name, message_id, table.logical_name))


def add_message_filters(store: Store, schema: Schema, table: str) -> None:
    """The Create/Update/Delete message filters of a table created or installed at run time."""
    if not (schema.has_table("sdkmessagefilter") and schema.has_table("sdkmessage")):
        return
    for name, message_id in SDK_MESSAGE_IDS.items():
        if store.get("sdkmessagefilter", _filter_id(name, table)) is None:
            store.insert("sdkmessagefilter", _message_filter(name, message_id, table))


def remove_message_filters(store: Store, schema: Schema, table: str) -> None:
    if schema.has_table("sdkmessagefilter"):
        for row in store.all_raw("sdkmessagefilter"):
            if row.get("primaryobjecttypecode") == table:
                store.remove("sdkmessagefilter", str(row["sdkmessagefilterid"]))


def _message_filter(name: str, message_id: str, table: str) -> dict[str, object]:
    return {"sdkmessagefilterid": _filter_id(name, table), "name": f"{name} of {table}",
            "sdkmessageid": message_id, "primaryobjecttypecode": table, "secondaryobjecttypecode": "none",
            "iscustomprocessingstepallowed": True}


def _filter_id(message: str, table: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"filter:{message}:{table}"))
