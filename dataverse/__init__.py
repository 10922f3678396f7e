"""Generic Dataverse Web API client: auth, retries, OData, ``$batch``, upsert, files, webhook context.

Imports nothing else of this project. Build one :class:`DataverseClient` per worker with
``DataverseClient.from_config(DataverseConfig(...))``.
"""

from dataverse.auth import MsalTokenProvider, StaticTokenProvider, TokenProvider, token_provider_for
from dataverse.batch import Batch, BatchPartResult, BatchResult, Changeset, Reference
from dataverse.client import DataverseClient
from dataverse.config import DataverseConfig
from dataverse.errors import (
    AlreadyExists,
    AuthError,
    BatchError,
    DataverseConnectionError,
    DataverseError,
    DataverseHttpError,
    InvalidConfig,
    InvalidKeyValue,
    MalformedResponse,
    MalformedWebhook,
    NotFound,
    PreconditionFailed,
    Throttled,
)
from dataverse.odata import F, Filter, Key, bind, entity_path, format_literal, owner_bind
from dataverse.rows import Page, PingResult, Row, StoredFile, UpsertMode, UpsertResult, WhoAmI
from dataverse.scope import OperationScope
from dataverse.transport import TransportStats
from dataverse.webhook import (
    Entity,
    EntityCollection,
    EntityReference,
    Money,
    OptionSetValue,
    WebhookContext,
    parse_webhook,
)

__all__ = [
    "AlreadyExists",
    "AuthError",
    "Batch",
    "BatchError",
    "BatchPartResult",
    "BatchResult",
    "Changeset",
    "DataverseClient",
    "DataverseConfig",
    "DataverseConnectionError",
    "DataverseError",
    "DataverseHttpError",
    "Entity",
    "EntityCollection",
    "EntityReference",
    "F",
    "Filter",
    "InvalidConfig",
    "InvalidKeyValue",
    "Key",
    "MalformedResponse",
    "MalformedWebhook",
    "Money",
    "MsalTokenProvider",
    "NotFound",
    "OperationScope",
    "OptionSetValue",
    "Page",
    "PingResult",
    "PreconditionFailed",
    "Reference",
    "Row",
    "StaticTokenProvider",
    "StoredFile",
    "Throttled",
    "TokenProvider",
    "TransportStats",
    "UpsertMode",
    "UpsertResult",
    "WebhookContext",
    "WhoAmI",
    "bind",
    "entity_path",
    "format_literal",
    "owner_bind",
    "parse_webhook",
    "token_provider_for",
]
