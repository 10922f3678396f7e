"""The function app's settings: read once from the environment, validated as a whole, then passed down.

This is the only module that reads the process environment (`from_process_env`). Everything else receives a
`Settings` object. Validation collects every problem first, so a misconfigured deployment fails at start-up with
one message that names each setting that is wrong, never with the first of several errors.
"""

from __future__ import annotations

import base64
import binascii
import enum
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dataverse.config import is_loopback_url

__all__ = ["DataverseAuthMode", "Settings", "SettingsError", "from_process_env"]

DEFAULT_AUTHORITY_HOST = "login.microsoftonline.com"
DEFAULT_TWILIO_API_BASE_URL = "https://api.twilio.com"
# Texts per write `$batch` (messaging.inbound.coalescing); a change set of a text is at most ~15 operations and a
# `$batch` takes 1,000.
DEFAULT_INBOUND_BATCH = 32
MAX_INBOUND_BATCH = 64
# Status callbacks applied together (messaging.status.coalescing); a message's change set is at most 3 operations.
DEFAULT_STATUS_BATCH = 32
MAX_STATUS_BATCH = 64
ENCRYPTION_KEY_BYTES = 32


class SettingsError(ValueError):
    """Raised when one or more settings are missing or malformed; `problems` names each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} setting problem(s):\n{listing}")


class DataverseAuthMode(enum.Enum):
    """How the function app authenticates to Dataverse; decided by which settings are present."""

    CLIENT_SECRET = "client_secret"  # noqa: S105 - a mode name, not a secret
    CERTIFICATE = "certificate"
    MANAGED_IDENTITY = "managed_identity"
    STATIC_TOKEN = "static_token"  # noqa: S105 - a mode name, not a secret


@dataclass(frozen=True)
class Settings:
    """Every setting of the function app (DESIGN 4.2). Secrets are kept out of `repr`."""

    dataverse_url: str
    public_url: str
    # Either a connection string (Azurite, keys) or, identity-based, the queue endpoint of the storage account.
    storage_connection: str | None = field(repr=False)
    encryption_key: bytes = field(repr=False)
    encryption_key_previous: bytes | None = field(default=None, repr=False)
    dataverse_tenant_id: str | None = None
    dataverse_client_id: str | None = None
    dataverse_client_secret: str | None = field(default=None, repr=False)
    dataverse_certificate_path: str | None = None
    dataverse_authority_host: str = DEFAULT_AUTHORITY_HOST
    dataverse_token: str | None = field(default=None, repr=False)
    twilio_api_base_url: str = DEFAULT_TWILIO_API_BASE_URL
    applicationinsights_connection_string: str | None = field(default=None, repr=False)
    storage_queue_uri: str | None = None
    storage_client_id: str | None = None
    # Inbound texts filed together per `$batch` by each worker process (SMSB_INBOUND_BATCH); 1: each alone.
    inbound_batch: int = DEFAULT_INBOUND_BATCH
    inbound_linger: float = 0.1  # seconds a group waits for more texts, only while the process is busy
    # Status callbacks applied together per `$batch` by each worker process (SMSB_STATUS_BATCH); 1: each alone.
    status_batch: int = DEFAULT_STATUS_BATCH
    # Dataverse's limits are per user and per web server; without the affinity cookie a burst spreads over every
    # web server the environment has (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits).
    dataverse_server_affinity: bool = True
    # Outbox jobs one process sends together (1: each alone, as before coalescing); texts a second per sender.
    outbound_batch: int = 50
    outbound_linger: float = 0.5  # seconds a round waits for more jobs, only while the process is busy
    twilio_mps: float = 1.0
    messaging_service_mps: float = 1.0

    @property
    def dataverse_auth_mode(self) -> DataverseAuthMode:
        if self.dataverse_token:
            return DataverseAuthMode.STATIC_TOKEN
        if self.dataverse_client_secret:
            return DataverseAuthMode.CLIENT_SECRET
        if self.dataverse_certificate_path:
            return DataverseAuthMode.CERTIFICATE
        return DataverseAuthMode.MANAGED_IDENTITY

    def secret_values(self) -> tuple[str, ...]:
        """The literal secrets held here, so the log redaction filter can scrub them wherever they appear."""
        values: list[str] = [
            base64.b64encode(self.encryption_key).decode(),
        ]
        if self.encryption_key_previous:
            values.append(base64.b64encode(self.encryption_key_previous).decode())
        for secret in (self.dataverse_client_secret, self.dataverse_token):
            if secret:
                values.append(secret)
        return tuple(values)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build and validate settings from a mapping of names to values (app settings, `local.settings.json`)."""
        problems: list[str] = []

        def get(name: str) -> str | None:
            value = env.get(name)
            if value is None:
                return None
            value = value.strip()
            return value or None

        def require(name: str, meaning: str) -> str:
            value = get(name)
            if value is None:
                problems.append(f"{name} is required ({meaning})")
                return ""
            return value

        dataverse_url = _clean_url(
            require("DATAVERSE_URL", "the Dataverse environment URL, e.g. https://contoso.crm.dynamics.com"),
            "DATAVERSE_URL",
            problems,
        )
        public_url = _clean_url(
            require("SMSB_PUBLIC_URL", "the function app's public base URL, e.g. https://x.azurewebsites.net"),
            "SMSB_PUBLIC_URL",
            problems,
        )
        twilio_api_base_url = _clean_url(
            get("TWILIO_API_BASE_URL") or DEFAULT_TWILIO_API_BASE_URL, "TWILIO_API_BASE_URL", problems
        )
        storage = get("AzureWebJobsStorage")
        account = get("AzureWebJobsStorage__accountName")
        queue_uri = get("AzureWebJobsStorage__queueServiceUri") or (
            f"https://{account}.queue.core.windows.net" if account else None)
        if not storage and not queue_uri:
            problems.append(
                "AzureWebJobsStorage is required (the storage connection string for the queues), or "
                "AzureWebJobsStorage__accountName for identity-based access"
            )
        elif queue_uri and not storage:
            queue_uri = _clean_url(queue_uri, "AzureWebJobsStorage__queueServiceUri", problems)
        encryption_key = _decode_key(
            require("SMSB_ENCRYPTION_KEY", "base64 of 32 random bytes"), "SMSB_ENCRYPTION_KEY", problems
        )
        previous_raw = get("SMSB_ENCRYPTION_KEY_PREVIOUS")
        encryption_key_previous = (
            _decode_key(previous_raw, "SMSB_ENCRYPTION_KEY_PREVIOUS", problems) if previous_raw else None
        )
        if encryption_key and encryption_key_previous and encryption_key == encryption_key_previous:
            problems.append("SMSB_ENCRYPTION_KEY_PREVIOUS must differ from SMSB_ENCRYPTION_KEY")

        tenant_id = get("DATAVERSE_TENANT_ID")
        client_id = get("DATAVERSE_CLIENT_ID")
        client_secret = get("DATAVERSE_CLIENT_SECRET")
        certificate_path = get("DATAVERSE_CLIENT_CERTIFICATE_PATH")
        authority_host = get("DATAVERSE_AUTHORITY_HOST") or DEFAULT_AUTHORITY_HOST
        token = get("DATAVERSE_TOKEN")

        if "/" in authority_host or ":" in authority_host:
            problems.append(
                "DATAVERSE_AUTHORITY_HOST must be a host name such as login.microsoftonline.com, not a URL"
            )
        if client_secret and certificate_path:
            problems.append(
                "set only one of DATAVERSE_CLIENT_SECRET and DATAVERSE_CLIENT_CERTIFICATE_PATH, not both"
            )
        if (client_secret or certificate_path) and not (tenant_id and client_id):
            problems.append(
                "DATAVERSE_TENANT_ID and DATAVERSE_CLIENT_ID are required with a client secret or certificate"
            )
        if certificate_path and not Path(certificate_path).is_file():
            problems.append(f"DATAVERSE_CLIENT_CERTIFICATE_PATH does not name a readable file: {certificate_path}")
        if token and dataverse_url and not is_loopback_url(dataverse_url):
            problems.append(
                "DATAVERSE_TOKEN (a static bearer token) is accepted only when DATAVERSE_URL is a loopback "
                "address such as http://127.0.0.1:7072; use an app registration or managed identity otherwise"
            )

        inbound_batch = _positive_int(get("SMSB_INBOUND_BATCH"), DEFAULT_INBOUND_BATCH, "SMSB_INBOUND_BATCH",
                                      MAX_INBOUND_BATCH, problems)
        status_batch = _positive_int(get("SMSB_STATUS_BATCH"), DEFAULT_STATUS_BATCH, "SMSB_STATUS_BATCH",
                                     MAX_STATUS_BATCH, problems)
        affinity = (get("DATAVERSE_SERVER_AFFINITY") or "true").lower()
        if affinity not in ("true", "false"):
            problems.append(f"DATAVERSE_SERVER_AFFINITY must be true or false, got {affinity!r}")
        batch, linger, twilio_mps, service_mps = _sending(get, problems)
        inbound_linger = _milliseconds(get("SMSB_INBOUND_LINGER_MS"), "SMSB_INBOUND_LINGER_MS", 100, problems)

        if problems:
            raise SettingsError(problems)
        return cls(
            dataverse_url=dataverse_url,
            public_url=public_url,
            storage_connection=storage,
            storage_queue_uri=None if storage else queue_uri,
            storage_client_id=get("AzureWebJobsStorage__clientId"),
            encryption_key=encryption_key,
            encryption_key_previous=encryption_key_previous,
            dataverse_tenant_id=tenant_id,
            dataverse_client_id=client_id,
            dataverse_client_secret=client_secret,
            dataverse_certificate_path=certificate_path,
            dataverse_authority_host=authority_host,
            dataverse_token=token,
            twilio_api_base_url=twilio_api_base_url,
            applicationinsights_connection_string=get("APPLICATIONINSIGHTS_CONNECTION_STRING"),
            inbound_batch=inbound_batch,
            inbound_linger=inbound_linger,
            status_batch=status_batch,
            dataverse_server_affinity=affinity == "true",
            outbound_batch=batch, outbound_linger=linger, twilio_mps=twilio_mps, messaging_service_mps=service_mps,
        )


def from_process_env() -> Settings:
    """Settings of this process. The one place in the product that reads `os.environ`."""
    return Settings.from_env(os.environ)


def _sending(get: Callable[[str], str | None], problems: list[str]) -> tuple[int, float, float, float]:
    """Coalesced sends (jobs per round, seconds a busy round lingers) and each sender's rate (long code, service)."""
    linger = _milliseconds(get("SMSB_OUTBOUND_LINGER_MS"), "SMSB_OUTBOUND_LINGER_MS", 500, problems)
    return (int(_number(get("SMSB_OUTBOUND_BATCH"), "SMSB_OUTBOUND_BATCH", 50, problems, whole=True)), linger,
            _number(get("SMSB_TWILIO_MPS"), "SMSB_TWILIO_MPS", 1.0, problems),
            _number(get("SMSB_MESSAGING_SERVICE_MPS"), "SMSB_MESSAGING_SERVICE_MPS", 1.0, problems))


def _milliseconds(value: str | None, name: str, default: float, problems: list[str]) -> float:
    """A linger setting in milliseconds, as seconds; `0` never lingers."""
    return 0.0 if value == "0" else _number(value, name, default, problems) / 1000


def _number(value: str | None, name: str, default: float, problems: list[str], *, whole: bool = False) -> float:
    """A positive number setting (a whole one when `whole`), else its default."""
    if value is None:
        return default
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        number = 0
    if number <= 0:
        problems.append(f"{name} must be a {'whole ' if whole else ''}number above zero, not {value!r}")
        return default
    return number


def _clean_url(value: str, name: str, problems: list[str]) -> str:
    """An absolute base URL without trailing slash, query or fragment; https unless it points at loopback."""
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        problems.append(f"{name} must be an absolute http(s) URL, got {value!r}")
        return ""
    if parts.query or parts.fragment:
        problems.append(f"{name} must not carry a query string or fragment")
        return ""
    if parts.scheme == "http" and not is_loopback_url(value):
        # Plain HTTP would put bearer tokens and Twilio signatures on the wire; only the devstack may use it.
        problems.append(f"{name} must use https (http is accepted only for loopback addresses)")
        return ""
    return value.rstrip("/")


def _positive_int(value: str | None, default: int, name: str, maximum: int, problems: list[str]) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= maximum:
        problems.append(f"{name} must be a whole number from 1 to {maximum}, not {value!r}")
        return default
    return number


def _decode_key(value: str, name: str, problems: list[str]) -> bytes:
    if not value:
        return b""
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        problems.append(f"{name} must be base64 (of {ENCRYPTION_KEY_BYTES} random bytes)")
        return b""
    if len(key) != ENCRYPTION_KEY_BYTES:
        problems.append(f"{name} must decode to {ENCRYPTION_KEY_BYTES} bytes, got {len(key)}")
        return b""
    return key
