"""Record Types: the table and columns an admin typed are checked against the table definitions in Dataverse, the
verdict written (only when it changed) and logged. What each problem says is held over plain values in
`tests/messaging/configuration/test_rules.py`."""

from __future__ import annotations

import uuid

import pytest

from devstack.sandbox import Sandbox
from messaging.configuration import RecordTypeService
from messaging.envelopes import RecordTypeJob
from tests.configuration.conftest import error_rows, new_configuration, new_record_type, stored

pytestmark = pytest.mark.azurite


def message(sandbox: Sandbox, record_type: uuid.UUID) -> str | None:
    value = stored(sandbox, "smsb_recordtype", record_type)["smsb_validationmessage"]
    return None if value is None else str(value)


@pytest.fixture
def configuration(sandbox: Sandbox) -> uuid.UUID:
    return new_configuration(sandbox)


def test_a_text_phone_column_and_a_yes_no_compliance_column_are_usable(
        sandbox: Sandbox, record_types: RecordTypeService, configuration: uuid.UUID) -> None:
    record_type = new_record_type(sandbox, configuration, "contact", "mobilephone", compliance="donotphone")

    outcome = record_types.process(RecordTypeJob(record_type, "c1"))

    assert outcome.usable
    assert outcome.message == ""
    assert message(sandbox, record_type) is None
    assert not outcome.written  # nothing to change, so no write (and no webhook loop)
    assert error_rows(sandbox, record_type) == []


def test_a_table_that_takes_no_activities_is_refused_with_how_to_enable_them(
        sandbox: Sandbox, record_types: RecordTypeService, configuration: uuid.UUID) -> None:
    record_type = new_record_type(sandbox, configuration, "smsb_conversation", "smsb_phonenumber")

    outcome = record_types.process(RecordTypeJob(record_type, "c1"))

    assert not outcome.usable
    assert message(sandbox, record_type) == (
        "The smsb_conversation table does not take activities, so a chat's session cannot be Regarding a "
        "smsb_conversation: in Power Apps open Tables, select Conversation, then Settings, expand Advanced options "
        "and under 'Make this table an option when' select 'Creating a new activity' (this enables activities and "
        "cannot be undone) and save; then re-enter this Record Type's Phone Field and save it, which has it checked "
        "again.")


def test_a_related_table_with_a_lookup_to_the_table_is_usable_and_read_in_the_same_request(
        sandbox: Sandbox, record_types: RecordTypeService, configuration: uuid.UUID) -> None:
    record_type = new_record_type(sandbox, configuration, "contact", "mobilephone", related="incident")
    sandbox.dataverse.requests.clear()

    outcome = record_types.process(RecordTypeJob(record_type, "c1"))

    assert outcome.usable, outcome.message
    assert outcome.tables == ("contact", "incident")
    assert [record.path for record in sandbox.dataverse.requests.records
            if "EntityDefinitions" in record.path or "$batch" in record.path] == ["/api/data/v9.2/$batch"]


def test_a_related_table_without_a_lookup_to_the_table_is_refused(
        sandbox: Sandbox, record_types: RecordTypeService, configuration: uuid.UUID) -> None:
    record_type = new_record_type(sandbox, configuration, "account", "telephone1", related="systemuser")

    outcome = record_types.process(RecordTypeJob(record_type, "c1"))

    assert not outcome.usable
    assert "The systemuser table has no lookup column to account, so a chat started from a systemuser" in (
        outcome.message)
    assert "The systemuser table does not take activities, so a chat started from a systemuser cannot be " \
           "Regarding it" in outcome.message


def test_an_unknown_table_says_to_use_the_logical_name(
        sandbox: Sandbox, record_types: RecordTypeService, configuration: uuid.UUID) -> None:
    record_type = new_record_type(sandbox, configuration, "Contacts", "mobilephone")

    outcome = record_types.process(RecordTypeJob(record_type, "c1"))

    assert not outcome.usable
    assert "There is no table 'contacts'" in (message(sandbox, record_type) or "")
    assert "logical name" in (message(sandbox, record_type) or "")
    (logged,) = error_rows(sandbox, record_type)
    assert logged["smsb_source"] == "configuration"
    assert logged["smsb_relatedentity"] == "smsb_recordtype"





def test_fixing_the_row_clears_the_message_and_an_unchanged_verdict_writes_nothing(
        sandbox: Sandbox, record_types: RecordTypeService, configuration: uuid.UUID) -> None:
    record_type = new_record_type(sandbox, configuration, "contact", "phone")
    assert record_types.process(RecordTypeJob(record_type, "c1")).written
    version = stored(sandbox, "smsb_recordtype", record_type)["versionnumber"]
    assert not record_types.process(RecordTypeJob(record_type, "c2")).written
    assert stored(sandbox, "smsb_recordtype", record_type)["versionnumber"] == version

    sandbox.app.dataverse.update("smsb_recordtypes", record_type, {"smsb_phonefield": "MobilePhone"})
    outcome = record_types.process(RecordTypeJob(record_type, "c3"))

    assert outcome.usable
    assert outcome.written
    assert message(sandbox, record_type) is None


def test_a_deleted_record_type_is_nothing_to_do(record_types: RecordTypeService) -> None:
    assert record_types.process(RecordTypeJob(uuid.uuid4(), "c1")).missing


def test_the_check_reads_the_table_definition_in_one_request(
        sandbox: Sandbox, record_types: RecordTypeService, configuration: uuid.UUID) -> None:
    record_type = new_record_type(sandbox, configuration, "contact", "mobilephone")
    sandbox.dataverse.requests.clear()

    record_types.process(RecordTypeJob(record_type, "c1"))

    paths = [record.path for record in sandbox.dataverse.requests.records if "EntityDefinitions" in record.path]
    assert paths == ["/api/data/v9.2/EntityDefinitions(LogicalName='contact')"]
