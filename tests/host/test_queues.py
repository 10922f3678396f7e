from __future__ import annotations

import base64
import time
import uuid
from datetime import timedelta

import pytest
from werkzeug.test import Client

from devstack.config import HostConfig, QueueSettings
from devstack.functions import FunctionSpec, TriggerKind, index_app
from devstack.host import FunctionHost, HostOptions
from devstack.queues import QueueBackend, QueueTriggerWorker
from tests.host.sample_app import Journal, build_app

pytestmark = pytest.mark.azurite

FAST = QueueSettings(batch_size=4, max_dequeue_count=3, visibility_timeout=timedelta(0),
                     max_polling_interval=timedelta(milliseconds=200))


@pytest.fixture
def backend(azurite) -> QueueBackend:
    backend = QueueBackend(azurite.connection_string)
    # Each test starts from empty queues, whatever an earlier test left.
    for name in ("work-items", "work-items-poison", "work-done"):
        backend.queue(name).clear_messages()
    yield backend
    backend.close()


def work_spec(journal: Journal) -> FunctionSpec:
    (spec,) = [s for s in index_app(build_app(journal), {}) if s.name == "work"]
    return spec


def drain(worker: QueueTriggerWorker, rounds: int = 10) -> None:
    for _ in range(rounds):
        if worker.poll_once() == 0:
            return


def peek_all(backend: QueueBackend, name: str) -> list[str]:
    return [m.content for m in backend.queue(name).peek_messages(max_messages=32)]


def test_output_binding_stores_base64_like_the_functions_host(backend: QueueBackend) -> None:
    backend.send("work-items", "héllo ✓")
    (raw,) = peek_all(backend, "work-items")
    assert base64.b64decode(raw).decode() == "héllo ✓"


def test_http_to_queue_to_worker_round_trip(azurite, backend: QueueBackend) -> None:
    journal = Journal()
    env = {"AzureWebJobsStorage": azurite.connection_string}
    host = FunctionHost(build_app(journal), HostConfig(queues=FAST),
                        HostOptions(port=0, run_timers=False, run_queues=False), env=env)
    client = Client(host.http)
    assert client.post("/api/items/1", data="first job").status_code == 202
    worker = QueueTriggerWorker(host.of_kind(TriggerKind.QUEUE)[0], backend, FAST)
    drain(worker)
    assert journal.messages == [("first job", 1)]
    assert [base64.b64decode(m).decode() for m in peek_all(backend, "work-done")] == ["FIRST JOB"]
    assert peek_all(backend, "work-items") == []
    host.stop()


def test_failed_http_invocation_enqueues_nothing(azurite, backend: QueueBackend) -> None:
    journal = Journal()
    env = {"AzureWebJobsStorage": azurite.connection_string}
    host = FunctionHost(build_app(journal), HostConfig(), HostOptions(port=0, run_timers=False, run_queues=False),
                        env=env)
    assert Client(host.http).get("/api/broken").status_code == 500
    assert peek_all(backend, "work-items") == []


def test_failing_message_is_retried_then_moved_to_poison(backend: QueueBackend) -> None:
    journal = Journal()
    worker = QueueTriggerWorker(work_spec(journal), backend, FAST)
    backend.send("work-items", "fail-me")
    backend.send("work-items", "fine")
    drain(worker)
    attempts = [count for text, count in journal.messages if text == "fail-me"]
    assert attempts == [1, 2, 3]
    assert [count for text, count in journal.messages if text == "fine"] == [1]
    poison = peek_all(backend, "work-items-poison")
    assert [base64.b64decode(m).decode() for m in poison] == ["fail-me"]
    assert peek_all(backend, "work-items") == []
    assert (worker.totals.processed, worker.totals.failed, worker.totals.poisoned) == (1, 3, 1)


def test_failed_message_stays_invisible_for_the_visibility_timeout(backend: QueueBackend) -> None:
    journal = Journal()
    slow_retry = QueueSettings(batch_size=1, max_dequeue_count=5, visibility_timeout=timedelta(seconds=1))
    worker = QueueTriggerWorker(work_spec(journal), backend, slow_retry)
    backend.send("work-items", "fail-once")
    assert worker.poll_once() == 1
    assert worker.poll_once() == 0  # hidden: the host waits visibilityTimeout before the retry
    time.sleep(1.3)
    assert worker.poll_once() == 1
    assert [count for _, count in journal.messages] == [1, 2]


def test_message_that_is_not_base64_goes_straight_to_poison(backend: QueueBackend) -> None:
    journal = Journal()
    worker = QueueTriggerWorker(work_spec(journal), backend, FAST)
    backend.queue("work-items").send_message("not base64 at all!")
    drain(worker)
    assert journal.messages == []
    assert peek_all(backend, "work-items-poison") == ["not base64 at all!"]


def test_polling_thread_processes_a_burst(backend: QueueBackend) -> None:
    journal = Journal()
    worker = QueueTriggerWorker(work_spec(journal), backend, FAST)
    texts = [f"job-{uuid.uuid4().hex[:6]}" for _ in range(20)]
    for text in texts:
        backend.send("work-items", text)
    worker.start()
    try:
        deadline = time.monotonic() + 15
        while len(journal.messages) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert sorted(t for t, _ in journal.messages) == sorted(texts)
    assert len(peek_all(backend, "work-done")) == 20


def test_a_slow_message_does_not_hold_up_the_next_batch(backend: QueueBackend) -> None:
    journal = Journal()
    # batches of 2: the next one is fetched as soon as no more than 1 message is still being processed
    worker = QueueTriggerWorker(work_spec(journal), backend, QueueSettings(
        batch_size=2, max_dequeue_count=3, visibility_timeout=timedelta(0),
        max_polling_interval=timedelta(milliseconds=100)))
    backend.send("work-items", "hold-1")
    worker.start()
    try:
        deadline = time.monotonic() + 15
        while not journal.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        texts = [f"job-{n}" for n in range(6)]
        for text in texts:
            backend.send("work-items", text)
        while len(_done(backend)) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        # every other job went through while the first one is still in hand
        assert sorted(_done(backend)) == sorted(t.upper() for t in texts)
        assert sorted(t for t, _ in journal.messages) == sorted(["hold-1", *texts])
    finally:
        journal.release.set()
        worker.stop()
    assert sorted(_done(backend)) == sorted(["HOLD-1", *(t.upper() for t in texts)])


def _done(backend: QueueBackend) -> list[str]:
    return [base64.b64decode(m).decode() for m in peek_all(backend, "work-done")]


def test_a_message_this_host_enqueues_is_polled_at_once_not_after_the_idle_back_off(
        azurite, backend: QueueBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Functions host's queue listener hears of messages its own output bindings add (SharedQueueWatcher in the
    WebJobs SDK's queue extension): an idle instance files a webhook's message at once. Here the idle back-off is
    set to minutes, so only the notification can get the message handled within the hang bound."""
    monkeypatch.setattr("devstack.queues._MIN_POLL", 150.0)  # after one empty poll the worker waits 300 s
    journal = Journal()
    idle = QueueSettings(batch_size=4, max_dequeue_count=3, visibility_timeout=timedelta(0),
                         max_polling_interval=timedelta(hours=1))
    worker = QueueTriggerWorker(work_spec(journal), backend, idle)
    polls: list[int] = []
    receive = worker._receive

    def counted() -> list:
        found = receive()
        polls.append(len(found))
        return found

    monkeypatch.setattr(worker, "_receive", counted)
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while not polls and time.monotonic() < deadline:
            time.sleep(0.05)
        assert polls == [0]  # the first poll found nothing: the worker is now in its long wait
        backend.send("work-items", "wake-up")  # as an HTTP function's output binding on this host does
        while not journal.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert [t for t, _ in journal.messages] == ["wake-up"]
    assert polls[:2] == [0, 1]
