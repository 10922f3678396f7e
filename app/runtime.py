"""The services one worker process shares between invocations, built lazily on first use (never at import).

Functions are module-level in the v2 model, so they reach their dependencies through `current()`. Tests give the
app a runtime of their own through `use()`, built from explicit settings pointed at the devstack emulators,
instead of patching clients.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

from azure.identity import ManagedIdentityCredential
from azure.storage.queue import QueueServiceClient

from app.health import HealthMonitor, dependency_checks
from app.logs import configure_logging
from app.settings import Settings, SettingsError, from_process_env
from app.telemetry import configure_telemetry
from dataverse import DataverseClient, DataverseConfig
from messaging.configuration import ConfigurationService, RecordTypeService
from messaging.directory import ConfigurationDirectory
from messaging.envelopes import OutboxJob
from messaging.inbound import InboundProcessor
from messaging.inbound.coalescing import InboundCoalescer
from messaging.intake import WebhookIntake
from messaging.outbound import (
    CoalescedOutbound,
    GroupSender,
    MediaLinks,
    OutboundOutcome,
    OutboundProcessor,
    Pacer,
    media_key,
)
from messaging.ownership import OwnershipProcessor
from messaging.reconcile import Reconciler
from messaging.status import StatusProcessor
from messaging.status.coalescing import StatusCoalescer
from messaging.store import Store
from messaging.sweep import Sweeper
from messaging.tables import CustomerTables
from messaging.telemetry import PhoneHash, phone_hash_key
from messaging.tokens import TokenCipher
from messaging.worker import Defer, InboundQueueWorker, JobProcessor, OutboundQueueWorker
from twilio_bridge import (
    MediaDownloader,
    MessageHistory,
    MessageSender,
    TwilioAccounts,
    TwilioClients,
    TwilioConfig,
)

__all__ = ["Runtime", "current", "dataverse_config", "queue_service_for", "use"]


def queue_service_for(settings: Settings) -> QueueServiceClient:
    """The storage queues, by connection string or, identity-based, by endpoint and managed identity."""
    # Fail fast rather than hold a worker: the SDK would otherwise retry for a long time on its own.
    if settings.storage_connection:
        return QueueServiceClient.from_connection_string(
            settings.storage_connection, connection_timeout=3, read_timeout=5, retry_total=0)
    if not settings.storage_queue_uri:
        raise SettingsError(["AzureWebJobsStorage is required"])
    credential = ManagedIdentityCredential(client_id=settings.storage_client_id)
    return QueueServiceClient(settings.storage_queue_uri, credential=credential, connection_timeout=3,
                              read_timeout=5, retry_total=0)


# Azure Storage queues hide a new message for at most seven days.
_QUEUE_VISIBILITY_LIMIT_SECONDS = 7 * 24 * 3600


def dataverse_config(settings: Settings) -> DataverseConfig:
    return DataverseConfig(
        url=settings.dataverse_url,
        tenant_id=settings.dataverse_tenant_id,
        client_id=settings.dataverse_client_id,
        client_secret=settings.dataverse_client_secret,
        certificate_path=settings.dataverse_certificate_path,
        authority_host=settings.dataverse_authority_host,
        static_token=settings.dataverse_token,
        server_affinity=settings.dataverse_server_affinity,
    )


@dataclass
class Runtime:
    """Settings plus the clients and services built from them, each created the first time it is needed."""

    settings: Settings

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        configure_telemetry(settings)
        configure_logging(secrets=settings.secret_values())
        return cls(settings=settings)

    @cached_property
    def queue_service(self) -> QueueServiceClient:
        return queue_service_for(self.settings)

    def requeue(self, queue: str, body: bytes) -> Defer:
        """Puts a message's body (or its replacement) back in `queue`, hidden for the given seconds; base64, as
        host.json's `messageEncoding` has the host read it."""
        def defer(seconds: float, replacement: str | None = None) -> None:
            hidden = min(_QUEUE_VISIBILITY_LIMIT_SECONDS, max(1, math.ceil(seconds)))
            content = body if replacement is None else replacement.encode("utf-8")
            self.queue_service.get_queue_client(queue).send_message(
                base64.b64encode(content).decode("ascii"), visibility_timeout=hidden)
        return defer

    @cached_property
    def dataverse(self) -> DataverseClient:
        return DataverseClient.from_config(dataverse_config(self.settings))

    @cached_property
    def twilio(self) -> TwilioClients:
        return TwilioClients(TwilioConfig(api_base_url=self.settings.twilio_api_base_url))

    @cached_property
    def cipher(self) -> TokenCipher:
        return TokenCipher(self.settings.encryption_key, self.settings.encryption_key_previous)

    @cached_property
    def lookup_dataverse(self) -> DataverseClient:
        """For the Configuration map only: a webhook may be waiting for its first load, so short timeouts and
        no retries (a failed load is tried again by the next lookup, and the last good map stays in use)."""
        quick = dataclasses.replace(dataverse_config(self.settings), connect_timeout=3.0, read_timeout=5.0,
                                    retry_budget_seconds=0.0)
        return DataverseClient.from_config(quick)

    @cached_property
    def directory(self) -> ConfigurationDirectory:
        directory = ConfigurationDirectory(self.dataverse, lookup_client=self.lookup_dataverse)
        directory.cached()  # start loading the map now, in the background, for the first webhook
        return directory

    @cached_property
    def store(self) -> Store:
        """Where every write of the domain goes, the Error Log's included."""
        return Store(self.dataverse)

    @cached_property
    def customer_tables(self) -> CustomerTables:
        """The customer tables' definitions, read from Dataverse's metadata and shared by this worker's flows."""
        return CustomerTables(self.dataverse)

    @cached_property
    def intake(self) -> WebhookIntake:
        return WebhookIntake(self.directory, self.cipher, self.settings.public_url)

    @cached_property
    def inbound_worker(self) -> InboundQueueWorker:
        inbound = InboundProcessor(self.dataverse, self.directory, self.cipher, MediaDownloader(self.twilio),
                                   self.store, tables=self.customer_tables)
        batch, statuses = self.settings.inbound_batch, self.settings.status_batch
        status = StatusProcessor(self.dataverse, self.store)
        return InboundQueueWorker(inbound, status, self.store, intake=self.intake, phone_hash=self.phone_hash,
                                  coalescer=InboundCoalescer(inbound, batch, linger=self.settings.inbound_linger)
                                  if batch > 1 else None,
                                  status_coalescer=StatusCoalescer(status, self.store, statuses) if statuses > 1
                                  else None)

    @cached_property
    def phone_hash(self) -> PhoneHash:
        return PhoneHash(phone_hash_key(self.settings.encryption_key))

    @cached_property
    def media_links(self) -> MediaLinks:
        return MediaLinks(media_key(self.settings.encryption_key), self.settings.public_url)

    @cached_property
    def outbound_worker(self) -> OutboundQueueWorker:
        public_url = self.settings.public_url
        sender = MessageSender(self.twilio)
        single = OutboundProcessor(self.dataverse, self.directory, self.cipher, sender, self.store, self.media_links,
                                   public_url=public_url, tables=self.customer_tables)
        outbound: JobProcessor[OutboxJob, OutboundOutcome] = single
        if self.settings.outbound_batch > 1:
            pacer = Pacer(long_code_mps=self.settings.twilio_mps, service_mps=self.settings.messaging_service_mps)
            outbound = CoalescedOutbound(GroupSender(single, self.store, sender, pacer), self.settings.outbound_batch,
                                         linger=self.settings.outbound_linger)
        configurations = ConfigurationService(self.dataverse, self.cipher, TwilioAccounts(self.twilio), self.store,
                                              public_url=public_url)
        record_types = RecordTypeService(self.dataverse, self.store, self.customer_tables)
        return OutboundQueueWorker(outbound, configurations, record_types, self.store, directory=self.directory,
                                   tables=self.customer_tables, ownership=OwnershipProcessor(self.store))

    @cached_property
    def health(self) -> HealthMonitor:
        return HealthMonitor(dependency_checks(lambda: self.queue_service, lambda: self.dataverse))

    @cached_property
    def reconciler(self) -> Reconciler:
        history = MessageHistory(self.twilio, self.settings.twilio_api_base_url)
        return Reconciler(self.dataverse, self.cipher, history, self.inbound_worker.inbound,
                          StatusProcessor(self.dataverse, self.store))

    @cached_property
    def sweeper(self) -> Sweeper:
        return Sweeper(self.dataverse, self.cipher, self.store)


_lock = threading.Lock()
_runtime: Runtime | None = None
_factory: Callable[[], Runtime] = lambda: Runtime.from_settings(from_process_env())  # noqa: E731


def current() -> Runtime:
    """This worker's runtime; raises `SettingsError` (listing every problem) while the settings are invalid,
    and tries again on the next call so a fixed setting takes effect without a restart."""
    global _runtime  # noqa: PLW0603 - one runtime per worker process is the point
    with _lock:
        if _runtime is None:
            _runtime = _factory()
        return _runtime


@contextlib.contextmanager
def use(factory: Callable[[], Runtime]) -> Iterator[None]:
    """Run the app against another runtime (tests, the devstack); restores the previous one afterwards."""
    global _runtime, _factory
    with _lock:
        saved = (_runtime, _factory)
        _runtime, _factory = None, factory
    try:
        yield
    finally:
        with _lock:
            _runtime, _factory = saved
