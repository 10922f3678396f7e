"""The product's own set-up on the devstack: a Configuration for the Twilio emulator's number, Record Types for
contacts and accounts, and the number's SMS webhook pointed at the function app — through the same Web API and
Twilio API calls an admin's environment would see, so a text from the emulated phone lands with no step by hand.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dataverse import DataverseClient, UpsertMode, bind
from messaging.tokens import TokenCipher
from twilio_bridge import TwilioAccounts, TwilioClients, TwilioCredentials

__all__ = ["SeededProduct", "seed_product", "wire_twilio_number"]

_NAMESPACE = uuid.UUID("4b1f0a55-3c0e-5a7b-8d3e-2f6c1e9a7d40")


@dataclass(frozen=True)
class SeededProduct:
    configuration_id: uuid.UUID
    record_type_ids: dict[str, uuid.UUID]
    team_id: uuid.UUID
    number: str
    account_sid: str


def seed_product(
    client: DataverseClient,
    cipher: TokenCipher,
    *,
    account_sid: str,
    auth_token: str,
    number: str,
    team_id: uuid.UUID,
    public_url: str,
    default_country_code: str = "+1",
    send_app_notifications: bool = True,
) -> SeededProduct:
    """Create (or refresh) the devstack Configuration and its Record Types; idempotent, ids are stable."""
    configuration_id = uuid.uuid5(_NAMESPACE, f"configuration:{account_sid}:{number}")
    client.upsert("smsb_configurations", configuration_id, {
        "smsb_name": f"Devstack {number}",
        "smsb_medium": 1,
        "smsb_mobilenumber": number,
        "smsb_accountsid": account_sid,
        "smsb_authtoken": cipher.encrypt(auth_token, configuration_id),
        "smsb_callbackurl": f"{public_url}/api/twilio/messages",
        "smsb_allowcreateto": "contact,account,lead,incident,opportunity",
        "smsb_sessiontimeout": 1440,
        "smsb_idletimeout": 5,
        "smsb_enterissend": True,
        "smsb_assignedteam@odata.bind": bind("teams", team_id),
        "smsb_validationstatus": 2,
        "smsb_autoconfigure": True,
        "smsb_sendappnotifications": send_app_notifications,
        "smsb_deletetwiliomedia": False,
        "smsb_description": "Created by the devstack for the Twilio emulator's number.",
    }, mode=UpsertMode.EITHER)
    record_types: dict[str, uuid.UUID] = {}
    for priority, (entity, phone_field) in enumerate((("contact", "mobilephone"), ("account", "telephone1")), 1):
        record_type_id = uuid.uuid5(_NAMESPACE, f"recordtype:{configuration_id}:{entity}")
        client.upsert("smsb_recordtypes", record_type_id, {
            "smsb_name": entity.capitalize(),
            "smsb_configuration@odata.bind": bind("smsb_configurations", configuration_id),
            "smsb_entitylogicalname": entity,
            "smsb_phonefield": phone_field,
            "smsb_defaultcountrycode": default_country_code,
            "smsb_priorityorder": priority,
        }, mode=UpsertMode.EITHER)
        record_types[entity] = record_type_id
    return SeededProduct(configuration_id, record_types, team_id, number, account_sid)


def wire_twilio_number(twilio: TwilioClients, *, account_sid: str, auth_token: str, number: str,
                       public_url: str) -> str:
    """Point the number's SMS webhook at the function app, as Validate with auto-configure does."""
    accounts = TwilioAccounts(twilio)
    credentials = TwilioCredentials(account_sid, auth_token)
    phone = accounts.find_number(credentials, number)
    url = f"{public_url}/api/twilio/messages"
    accounts.wire_number(credentials, phone.sid, sms_url=url)
    return url
