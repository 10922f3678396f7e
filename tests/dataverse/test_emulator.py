"""The client against the Dataverse emulator: in-process through `responses`, and over loopback HTTP."""

from __future__ import annotations

import uuid

import pytest

from dataverse import (
    AuthError,
    Batch,
    DataverseClient,
    DataverseConfig,
    F,
    NotFound,
    PreconditionFailed,
    UpsertMode,
    bind,
)
from devstack.dataverse_emulator import DataverseEmulator, serve
from tests.dataverse.conftest import FakeClock


def make_configuration(client: DataverseClient, name: str = "Main") -> uuid.UUID:
    return client.create("smsb_configurations", {"smsb_name": name, "smsb_mobilenumber": "+15005550006"})


def count(emulator: DataverseEmulator, table: str) -> int:
    return len(list(emulator.store.rows(table)))


def test_create_only_upsert_writes_once_and_then_reports_existing(emulated: DataverseClient,
                                                                  emulator: DataverseEmulator) -> None:
    conversation = uuid.uuid4()
    first = emulated.upsert("smsb_conversations", conversation, {"smsb_name": "+15551230100"},
                            mode=UpsertMode.CREATE_ONLY)
    second = emulated.upsert("smsb_conversations", conversation, {"smsb_name": "changed"},
                             mode=UpsertMode.CREATE_ONLY)
    assert (first.created, second.created) == (True, False)
    assert emulated.retrieve("smsb_conversations", conversation)["smsb_name"] == "+15551230100"
    assert count(emulator, "smsb_conversation") == 1


def test_upsert_either_reports_created_then_updated(emulated: DataverseClient) -> None:
    conversation = uuid.uuid4()
    created = emulated.upsert("smsb_conversations", conversation, {"smsb_state": 1})
    updated = emulated.upsert("smsb_conversations", conversation, {"smsb_state": 2})
    assert (created.created, updated.created) == (True, False)
    assert updated.id == conversation


def test_update_of_a_missing_row_does_not_create_it(emulated: DataverseClient, emulator: DataverseEmulator) -> None:
    with pytest.raises(NotFound):
        emulated.update("smsb_conversations", uuid.uuid4(), {"smsb_state": 2})
    with pytest.raises(NotFound):
        emulated.upsert("smsb_conversations", uuid.uuid4(), {"smsb_state": 2}, mode=UpsertMode.UPDATE_ONLY)
    assert count(emulator, "smsb_conversation") == 0


def test_custom_activities_are_created_once_by_post_with_a_chosen_id(emulated: DataverseClient,
                                                                     emulator: DataverseEmulator) -> None:
    session = uuid.uuid4()
    first = emulated.create_with_id("smsb_messagesessions", "activityid", session, {"subject": "Chat"})
    again = emulated.create_with_id("smsb_messagesessions", "activityid", session, {"subject": "Chat"})
    assert (first.created, again.created) == (True, False)
    assert count(emulator, "smsb_messagesession") == 1


def test_an_etag_guards_against_lost_updates(emulated: DataverseClient) -> None:
    conversation = emulated.create("smsb_conversations", {"smsb_state": 1})
    read = emulated.retrieve("smsb_conversations", conversation)
    assert read.etag is not None
    emulated.update("smsb_conversations", conversation, {"smsb_state": 2}, etag=read.etag)
    with pytest.raises(PreconditionFailed):
        emulated.update("smsb_conversations", conversation, {"smsb_state": 3}, etag=read.etag)
    assert emulated.retrieve("smsb_conversations", conversation)["smsb_state"] == 2


def test_alternate_key_upsert_then_retrieve_by_key(emulated: DataverseClient) -> None:
    result = emulated.upsert("smsb_messages", {"smsb_sid": "SM0123456789abcdef"},
                             {"smsb_direction": 1, "smsb_body": "hello"})
    assert result.created is True
    row = emulated.retrieve("smsb_messages", {"smsb_sid": "SM0123456789abcdef"}, select=["smsb_body"])
    assert row["smsb_body"] == "hello"
    assert row.guid("smsb_messageid") == result.id


def test_lookups_come_back_with_formatted_values_and_navigation_names(emulated: DataverseClient) -> None:
    configuration = make_configuration(emulated, "Front desk")
    conversation = emulated.create("smsb_conversations", {
        "smsb_state": 1, "smsb_configuration@odata.bind": bind("smsb_configurations", configuration)})
    row = emulated.retrieve("smsb_conversations", conversation,
                            select=["smsb_state", "_smsb_configuration_value"], formatted=True)
    assert row.guid("_smsb_configuration_value") == configuration
    assert row.formatted["_smsb_configuration_value"] == "Front desk"
    assert row.formatted["smsb_state"] == "Pending"
    assert row.lookup_tables["_smsb_configuration_value"] == "smsb_configuration"


def test_paging_returns_every_row_once(emulated: DataverseClient) -> None:
    names = {f"log {index:02d}" for index in range(23)}
    for name in names:
        emulated.create("smsb_errorlogs", {"smsb_name": name, "smsb_severity": 1})
    emulated.create("smsb_errorlogs", {"smsb_name": "other", "smsb_severity": 2})
    pages = list(emulated.pages("smsb_errorlogs", select=["smsb_name"], filter=F.startswith("smsb_name", "log"),
                                page_size=5))
    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    assert {row["smsb_name"] for page in pages for row in page} == names


def test_a_changeset_binds_to_a_row_created_earlier_in_it(emulated: DataverseClient) -> None:
    conversation = uuid.uuid4()
    batch = Batch()
    with batch.changeset() as changeset:
        created = changeset.upsert("smsb_conversations", conversation, {"smsb_name": "+15551230100"},
                                   mode=UpsertMode.CREATE_ONLY)
        message = changeset.create("smsb_messages", {"smsb_direction": 1, "smsb_body": "hi",
                                                     "smsb_conversation@odata.bind": created.bind})
    result = emulated.execute_batch(batch)
    assert result.ok
    message_id = result.part(message).entity_id
    assert message_id is not None
    row = emulated.retrieve("smsb_messages", message_id, select=["_smsb_conversation_value"])
    assert row.guid("_smsb_conversation_value") == conversation


def test_a_failing_changeset_leaves_nothing_behind(emulated: DataverseClient, emulator: DataverseEmulator) -> None:
    batch = Batch()
    with batch.changeset() as changeset:
        changeset.create("smsb_conversations", {"smsb_name": "+15551230100"})
        changeset.update("smsb_conversations", uuid.uuid4(), {"smsb_state": 2})
    result = emulated.execute_batch(batch)
    assert not result.ok
    assert all(isinstance(part.error, NotFound) for part in result)
    assert count(emulator, "smsb_conversation") == 0


def test_continue_on_error_runs_the_remaining_parts(emulated: DataverseClient, emulator: DataverseEmulator) -> None:
    batch = Batch()
    batch.update("smsb_conversations", uuid.uuid4(), {"smsb_state": 2})
    batch.create("smsb_errorlogs", {"smsb_name": "after the failure"})
    result = emulated.execute_batch(batch, continue_on_error=True)
    assert isinstance(result[0].error, NotFound)
    assert result[1].ok
    assert count(emulator, "smsb_errorlog") == 1


def test_batches_over_a_thousand_operations_are_split(emulated: DataverseClient, emulator: DataverseEmulator) -> None:
    batch = Batch()
    for index in range(1005):
        batch.create_with_id("smsb_errorlogs", "smsb_errorlogid", uuid.UUID(int=index + 1), {"smsb_name": "x"})
    result = emulated.execute_batch(batch)
    assert result.round_trips == 2
    assert result.ok
    assert count(emulator, "smsb_errorlog") == 1005
    assert emulator.requests.count("POST", r"/\$batch$", 200) == 2


def test_files_round_trip_in_one_piece_and_in_chunks(emulated: DataverseClient) -> None:
    media = emulated.create("smsb_messagemedias", {"smsb_name": "clip.mp4"})
    large = bytes(range(256)) * 24_000  # about 5.9 MiB: two chunks
    emulated.upload_file("smsb_messagemedias", media, "smsb_file", large, "clip.mp4")
    assert emulated.download_file("smsb_messagemedias", media, "smsb_file") == large
    emulated.upload_file("smsb_messagemedias", media, "smsb_file", b"small", "note.txt")
    assert emulated.download_file("smsb_messagemedias", media, "smsb_file") == b"small"


def test_throttling_is_waited_out_exactly_and_writes_land_once(emulated: DataverseClient,
                                                                emulator: DataverseEmulator,
                                                                clock: FakeClock) -> None:
    emulator.faults.add(r"smsb_messagesessions", status=429, retry_after=4, count=3)
    session = uuid.uuid4()
    result = emulated.create_with_id("smsb_messagesessions", "activityid", session, {"subject": "Chat"})
    assert result.created is True
    assert clock.sleeps == [4.0, 4.0, 4.0]
    assert count(emulator, "smsb_messagesession") == 1


def test_a_503_storm_is_survived_with_no_duplicate_write(emulated: DataverseClient, emulator: DataverseEmulator,
                                                         clock: FakeClock) -> None:
    emulator.faults.add(r"\$batch", status=503, count=4)
    conversation = uuid.uuid4()
    batch = Batch()
    with batch.changeset() as changeset:
        changeset.upsert("smsb_conversations", conversation, {"smsb_name": "+15551230100"},
                         mode=UpsertMode.CREATE_ONLY)
        changeset.create_with_id("smsb_messages", "smsb_messageid", uuid.uuid4(), {"smsb_direction": 1})
    assert emulated.execute_batch(batch).ok
    assert len(clock.sleeps) == 4
    assert count(emulator, "smsb_conversation") == 1
    assert count(emulator, "smsb_message") == 1


def test_who_am_i_names_the_integration_user(emulated: DataverseClient, emulator: DataverseEmulator) -> None:
    who = emulated.who_am_i()
    assert str(who.user_id) == emulator.user_id
    assert str(who.organization_id) == emulator.organization_id


@pytest.mark.loopback
def test_the_client_works_over_loopback_http_with_the_static_token() -> None:
    emulator = DataverseEmulator(token="devstack-token")
    with serve(emulator) as server, DataverseClient.from_config(
            DataverseConfig(url=server.url, static_token="devstack-token")) as client:
        assert client.ping(timeout=2.0).ok
        conversation = client.create("smsb_conversations", {"smsb_name": "+15551230100"})
        assert client.retrieve("smsb_conversations", conversation)["smsb_name"] == "+15551230100"
        batch = Batch()
        with batch.changeset() as changeset:
            changeset.update("smsb_conversations", conversation, {"smsb_state": 2})
        assert client.execute_batch(batch).ok
        media = client.create("smsb_messagemedias", {"smsb_name": "a.bin"})
        content = bytes(range(256)) * 17_000
        client.upload_file("smsb_messagemedias", media, "smsb_file", content, "a.bin")
        assert client.download_file("smsb_messagemedias", media, "smsb_file") == content


@pytest.mark.loopback
def test_a_wrong_token_is_an_auth_error_over_loopback() -> None:
    emulator = DataverseEmulator(token="devstack-token")
    with serve(emulator) as server, DataverseClient.from_config(
            DataverseConfig(url=server.url, static_token="wrong")) as client:
        with pytest.raises(AuthError, match="401"):
            client.who_am_i()
        assert not client.ping().ok
