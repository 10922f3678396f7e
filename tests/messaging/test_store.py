"""The store turns plans into Web API requests, in-process against the Dataverse emulator: create-only writes meet
an existing row without touching it, updates hold only for the row as read, a changeset commits whole or not at all,
reads ride in the same `$batch`, and an Error Log row that cannot be written is no second failure."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import responses

from dataverse import AlreadyExists, DataverseClient, DataverseConfig, NotFound, PreconditionFailed, StaticTokenProvider
from devstack.dataverse_emulator import DataverseEmulator, mount_responses
from messaging.names import SMSB_CONVERSATION, SMSB_ERRORLOG, Severity
from messaging.plans import Changeset, Mode, Write
from messaging.rows.errorlog import ErrorSource, LoggedError
from messaging.store import Get, Store, by_id

ORG = "https://contoso.crm.dynamics.com"


@pytest.fixture
def emulator() -> DataverseEmulator:
    return DataverseEmulator()


@pytest.fixture
def client(emulator: DataverseEmulator) -> Iterator[DataverseClient]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mount_responses(emulator, mock, ORG)
        config = DataverseConfig(url=ORG, retry_budget_seconds=0.0)
        with DataverseClient.from_config(config, tokens=StaticTokenProvider("emulator-token")) as built:
            yield built


def conversation(row_id: uuid.UUID, name: str, mode: Mode = Mode.CREATE_ONLY, etag: str | None = None) -> Write:
    return Write(SMSB_CONVERSATION, row_id, {"smsb_name": name, "smsb_phonenumber": "+16562185892"}, mode, etag)


def test_a_create_only_write_meets_an_existing_row_as_already_there_without_touching_it(
        client: DataverseClient, emulator: DataverseEmulator) -> None:
    store, row_id = Store(client), uuid.uuid4()
    store.apply(conversation(row_id, "first"))
    second = conversation(row_id, "second")

    answer = store.run([second])
    store.apply(second)

    assert answer.error(second) is None  # a create-only write's "already there" is an outcome, not a failure
    stored = emulator.store.get("smsb_conversation", str(row_id))
    assert stored is not None
    assert stored["smsb_name"] == "first"


def test_an_update_holds_only_for_the_row_as_read(client: DataverseClient) -> None:
    store, row_id = Store(client), uuid.uuid4()
    store.apply(conversation(row_id, "first"))
    read = client.retrieve(SMSB_CONVERSATION.entity_set, row_id, select=["smsb_name"])
    store.apply(conversation(row_id, "changed meanwhile", Mode.UPDATE))

    with pytest.raises(PreconditionFailed):
        store.apply(conversation(row_id, "stale", Mode.UPDATE, etag=read.etag))


def test_a_changeset_commits_whole_or_not_at_all_and_reads_ride_along(client: DataverseClient,
                                                                       emulator: DataverseEmulator) -> None:
    store, taken, fresh = Store(client), uuid.uuid4(), uuid.uuid4()
    store.apply(conversation(taken, "taken"))
    both = Changeset((conversation(fresh, "fresh"), conversation(taken, "again")))
    look = by_id(SMSB_CONVERSATION.entity_set, SMSB_CONVERSATION.primary_id, taken, ("smsb_name",))

    answer = store.run([both, look], continue_on_error=True)

    assert isinstance(answer.error(both), AlreadyExists)
    assert emulator.store.get("smsb_conversation", str(fresh)) is None
    assert [row.get("smsb_name") for row in answer.rows(look)] == ["taken"]
    assert answer.round_trips == 1
    assert answer.operations == 3


def test_a_missing_row_read_in_a_batch_is_its_part_s_not_found(client: DataverseClient) -> None:
    missing = Get(SMSB_CONVERSATION.entity_set, uuid.uuid4(), ("smsb_name",))

    answer = Store(client).run([missing], continue_on_error=True)

    assert isinstance(answer.error(missing), NotFound)
    assert answer.row(missing) is None


def test_an_error_log_row_is_written_and_one_that_cannot_be_is_swallowed(client: DataverseClient,
                                                                         emulator: DataverseEmulator) -> None:
    entry = LoggedError(source=ErrorSource.SWEEP, name="Sweep writes failed", details="3 writes failed",
                        severity=Severity.WARNING, correlation_id="c-1")

    logged = Store(client).record(entry)
    assert logged is not None
    row = emulator.store.get("smsb_errorlog", str(logged))
    assert row is not None
    assert (row["smsb_source"], row["smsb_severity"], row["smsb_correlationid"]) == ("sweep", 1, "c-1")

    emulator.faults.add("smsb_errorlogs", status=400)
    assert Store(client).record(entry) is None


def test_only_a_plain_create_goes_without_an_id() -> None:
    with pytest.raises(ValueError, match="update write needs a row id"):
        Write(SMSB_ERRORLOG, None, {"smsb_name": "x"})
