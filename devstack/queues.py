"""Queue triggers and queue output bindings against Azure Storage queues (Azurite locally).

Follows the Functions queue extension: messages are base64 text (`messageEncoding`), a received message stays
invisible while it is processed, a failure makes it visible again after `visibilityTimeout`, and once it has
failed `maxDequeueCount` times it is moved to `<queue>-poison` with its original content. The polling thread fetches
up to `batchSize` messages, and the next batch as soon as no more than `newBatchThreshold` are still being processed
("Whenever the number of messages being processed concurrently gets down to this number, the runtime retrieves
another batch", https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue#host-json), so
one slow message never holds up the others.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.functions.queue import QueueMessage
from azure.storage.queue import QueueClient, QueueServiceClient
from azure.storage.queue import QueueMessage as StorageMessage

from devstack.config import QueueSettings
from devstack.functions import FunctionSpec, OutputBinding
from devstack.invocation import CapturedOut, invoke

__all__ = ["QueueBackend", "QueueTriggerWorker", "deliver_outputs", "encode_message"]

log = logging.getLogger("devstack.queues")

# While a message is being processed the host keeps it hidden; long enough for any handler of ours.
_PROCESSING_VISIBILITY = timedelta(minutes=10)
_MIN_POLL = 0.1


def encode_message(value: str | bytes, encoding: str) -> str:
    data = value.encode("utf-8") if isinstance(value, str) else value
    if encoding == "base64":
        return base64.b64encode(data).decode("ascii")
    return data.decode("utf-8")


def _decode_message(content: str, encoding: str) -> bytes:
    if encoding == "base64":
        return base64.b64decode(content, validate=True)
    return content.encode("utf-8")


class QueueBackend:
    """Queue clients for one storage connection string, created once and reused."""

    def __init__(self, connection_string: str) -> None:
        self._service = QueueServiceClient.from_connection_string(connection_string)
        self._clients: dict[str, QueueClient] = {}
        self._lock = threading.Lock()
        self._watchers: dict[str, list[Callable[[], None]]] = {}

    def queue(self, name: str) -> QueueClient:
        with self._lock:
            client = self._clients.get(name)
            if client is None:
                client = self._service.get_queue_client(name)
                with contextlib.suppress(ResourceExistsError):
                    client.create_queue()
                self._clients[name] = client
            return client

    def send(self, queue_name: str, value: str | bytes, encoding: str = "base64") -> None:
        self.queue(queue_name).send_message(encode_message(value, encoding))
        with self._lock:
            watchers = list(self._watchers.get(queue_name, ()))
        for wake in watchers:
            wake()

    def watch(self, queue_name: str, wake: Callable[[], None]) -> None:
        """Call `wake` whenever this host puts a message on `queue_name`: the Functions host's queue listener is told
        of messages its own output bindings add and polls at once instead of waiting out its idle back-off
        (`SharedQueueWatcher`, notified by the queue output binding, in the WebJobs SDK's queue extension:
        Azure/azure-webjobs-sdk and Azure/azure-sdk-for-net, MIT). Other instances still wait for their poll."""
        with self._lock:
            self._watchers.setdefault(queue_name, []).append(wake)

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
        self._service.close()


def deliver_outputs(
    outputs: dict[str, CapturedOut[Any]],
    bindings: Iterable[OutputBinding],
    backend: QueueBackend | None,
    encoding: str,
) -> None:
    """Send what a successful invocation set on its queue output bindings (a list means several messages)."""
    for binding in bindings:
        out = outputs.get(binding.name)
        if out is None or not out.was_set or binding.type != "queue" or binding.queue_name is None:
            continue
        if backend is None:
            raise RuntimeError(f"output binding {binding.name!r} needs queue storage, and none is configured")
        value = out.get()
        for item in value if isinstance(value, list) else [value]:
            backend.send(binding.queue_name, item, encoding)


@dataclass
class _Outcome:
    processed: int = 0
    failed: int = 0
    poisoned: int = 0


class QueueTriggerWorker:
    """Polls one queue for one queue-triggered function until stopped."""

    def __init__(
        self,
        spec: FunctionSpec,
        backend: QueueBackend,
        settings: QueueSettings,
        *,
        on_error: Callable[[FunctionSpec, BaseException], None] | None = None,
    ) -> None:
        if spec.queue_name is None:
            raise ValueError(f"{spec.name} is not a queue-triggered function")
        self.spec = spec
        self.settings = settings
        self._backend = backend
        self._queue = backend.queue(spec.queue_name)
        self._poison = backend.queue(f"{spec.queue_name}-poison")
        self._stop = threading.Event()
        self._wake = threading.Event()  # set by stop() and by a message this host enqueued (QueueBackend.watch)
        self._thread: threading.Thread | None = None
        # a full batch fetched while newBatchThreshold messages are still in hand: both run at once
        self._pool = ThreadPoolExecutor(max_workers=max(1, settings.batch_size + settings.batch_threshold),
                                        thread_name_prefix=spec.name)
        self._on_error = on_error
        self.totals = _Outcome()

    def start(self) -> None:
        self._backend.watch(self._queue.queue_name, self._wake.set)
        self._thread = threading.Thread(target=self._run, name=f"queue:{self.spec.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self) -> None:
        delay = _MIN_POLL
        max_delay = self.settings.max_polling_interval.total_seconds()
        running: set[Future[None]] = set()
        while not self._stop.is_set():
            running = {future for future in running if not future.done()}
            if len(running) > self.settings.batch_threshold:
                wait(running, timeout=_MIN_POLL, return_when=FIRST_COMPLETED)
                continue
            try:
                messages = self._receive()
            except AzureError as exc:
                log.warning("queue %s unreachable: %s", self.spec.queue_name, exc.__class__.__name__)
                messages = []
            running |= {self._pool.submit(self._process, m) for m in messages}
            if messages:  # like the real host: poll again at once while there is work
                delay = _MIN_POLL
                continue
            delay = min(max_delay, delay * 2)  # and back off exponentially when idle
            if self._wake.wait(delay):  # until this host enqueues something (or stops)
                self._wake.clear()
                delay = _MIN_POLL

    def _receive(self) -> list[StorageMessage]:
        return list(self._queue.receive_messages(max_messages=self.settings.batch_size,
                                                 visibility_timeout=int(_PROCESSING_VISIBILITY.total_seconds())))

    def poll_once(self) -> int:
        """Receive one batch and process it; returns how many messages were handled."""
        messages = self._receive()
        if not messages:
            return 0
        for future in [self._pool.submit(self._process, m) for m in messages]:
            future.result()
        return len(messages)

    def _process(self, message: StorageMessage) -> None:
        try:
            body = _decode_message(message.content, self.settings.message_encoding)
        except (binascii.Error, ValueError, UnicodeDecodeError):
            log.error("message %s on %s is not valid %s; moved to poison",
                      message.id, self.spec.queue_name, self.settings.message_encoding)
            self._move_to_poison(message)
            return
        trigger = QueueMessage(
            id=message.id,
            body=body,
            dequeue_count=message.dequeue_count,
            insertion_time=message.inserted_on,
            expiration_time=message.expires_on,
            time_next_visible=message.next_visible_on,
            pop_receipt=message.pop_receipt,
        )
        try:
            result = invoke(self.spec, trigger if self._wants_message() else body.decode("utf-8"))
            deliver_outputs(result.outputs, self.spec.outputs, self._backend, self.settings.message_encoding)
        except Exception as exc:
            self.totals.failed += 1
            if self._on_error:
                self._on_error(self.spec, exc)
            else:
                log.exception("function %s failed on message %s (dequeue %s)",
                              self.spec.name, message.id, message.dequeue_count)
            self._after_failure(message)
            return
        self._queue.delete_message(message.id, message.pop_receipt)
        self.totals.processed += 1

    def _wants_message(self) -> bool:
        annotation = self.spec.user_function.__annotations__.get(self.spec.trigger_arg)
        return annotation not in (str, "str", bytes, "bytes")

    def _after_failure(self, message: StorageMessage) -> None:
        if (message.dequeue_count or 0) >= self.settings.max_dequeue_count:
            self._move_to_poison(message)
            return
        try:
            self._queue.update_message(
                message.id,
                message.pop_receipt,
                visibility_timeout=int(self.settings.visibility_timeout.total_seconds()),
            )
        except ResourceNotFoundError:
            log.warning("message %s vanished before it could be released for retry", message.id)

    def _move_to_poison(self, message: StorageMessage) -> None:
        self._poison.send_message(message.content)
        self._queue.delete_message(message.id, message.pop_receipt)
        self.totals.poisoned += 1
        log.warning("message %s moved to %s-poison after %s attempt(s)",
                    message.id, self.spec.queue_name, message.dequeue_count)

