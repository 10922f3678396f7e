"""The local host's configuration: `host.json`, `local.settings.json`, and the devstack's addresses.

Every devstack default can be overridden by an environment variable of the same purpose (`DEVSTACK_…`), so
scripts written against `make run` keep working when a port is taken.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

__all__ = [
    "DevstackAddresses",
    "HostConfig",
    "QueueSettings",
    "azurite_connection_string",
    "load_host_config",
    "load_local_settings",
    "parse_timespan",
]

# Azurite's documented development account; public by design, the same on every machine.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$")


def parse_timespan(text: str) -> timedelta:
    """host.json durations are .NET TimeSpans: `[d.]hh:mm:ss[.fff]`."""
    match = _TIMESPAN.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a TimeSpan (expected [d.]hh:mm:ss)")
    days, hours, minutes, seconds, fraction = match.groups()
    return timedelta(
        days=int(days or 0),
        hours=int(hours),
        minutes=int(minutes),
        seconds=int(seconds),
        microseconds=int((fraction or "0").ljust(6, "0")[:6]),
    )


def azurite_connection_string(host: str, port: int) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"QueueEndpoint=http://{host}:{port}/{AZURITE_ACCOUNT};"
    )


@dataclass(frozen=True)
class QueueSettings:
    """`extensions.queues` of host.json, with the extension's defaults."""

    batch_size: int = 16
    max_dequeue_count: int = 5
    visibility_timeout: timedelta = timedelta(0)
    max_polling_interval: timedelta = timedelta(minutes=1)
    message_encoding: str = "base64"


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str = "api"
    queues: QueueSettings = field(default_factory=QueueSettings)


def load_host_config(path: Path) -> HostConfig:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if data.get("version") != "2.0":
        raise ValueError(f"{path}: host.json must declare \"version\": \"2.0\"")
    extensions = data.get("extensions", {})
    http = extensions.get("http", {})
    queues = extensions.get("queues", {})
    defaults = QueueSettings()
    encoding = str(queues.get("messageEncoding", defaults.message_encoding)).lower()
    if encoding not in ("base64", "none"):
        raise ValueError(f"{path}: extensions.queues.messageEncoding must be base64 or none")
    return HostConfig(
        route_prefix=str(http.get("routePrefix", "api")).strip("/"),
        queues=QueueSettings(
            batch_size=int(queues.get("batchSize", defaults.batch_size)),
            max_dequeue_count=int(queues.get("maxDequeueCount", defaults.max_dequeue_count)),
            visibility_timeout=parse_timespan(queues["visibilityTimeout"])
            if "visibilityTimeout" in queues
            else defaults.visibility_timeout,
            max_polling_interval=parse_timespan(queues["maxPollingInterval"])
            if "maxPollingInterval" in queues
            else defaults.max_polling_interval,
            message_encoding=encoding,
        ),
    )


def load_local_settings(path: Path, environ: MutableMapping[str, str]) -> dict[str, str]:
    """Read `Values` of local.settings.json into `environ` without overriding what the environment already has
    (Core Tools behaves the same way), and return the merged view."""
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        values = data.get("Values", {})
        if not isinstance(values, dict):
            raise ValueError(f"{path}: Values must be an object of strings")
        for key, value in values.items():
            if not key.startswith("//"):
                environ.setdefault(key, str(value))
    return dict(environ)


@dataclass(frozen=True)
class DevstackAddresses:
    """Where each devstack service listens (DESIGN 7), overridable through `DEVSTACK_…` variables."""

    host: str = "127.0.0.1"
    functions_port: int = 7071
    dataverse_port: int = 7072
    twilio_port: int = 7073
    # the same Dataverse emulator over https, for clients that refuse http (Microsoft's Dataverse SDK)
    dataverse_tls_port: int = 7074
    azurite_port: int = 10001
    function_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DevstackAddresses:
        defaults = cls()
        return cls(
            host=env.get("DEVSTACK_HOST", defaults.host),
            functions_port=int(env.get("DEVSTACK_FUNCTIONS_PORT", defaults.functions_port)),
            dataverse_port=int(env.get("DEVSTACK_DATAVERSE_PORT", defaults.dataverse_port)),
            twilio_port=int(env.get("DEVSTACK_TWILIO_PORT", defaults.twilio_port)),
            dataverse_tls_port=int(env.get("DEVSTACK_DATAVERSE_TLS_PORT", defaults.dataverse_tls_port)),
            azurite_port=int(env.get("DEVSTACK_AZURITE_PORT", defaults.azurite_port)),
            function_key=env.get("DEVSTACK_FUNCTION_KEY") or defaults.function_key,
        )

    @property
    def functions_url(self) -> str:
        return f"http://{self.host}:{self.functions_port}"

    @property
    def dataverse_url(self) -> str:
        return f"http://{self.host}:{self.dataverse_port}"

    @property
    def dataverse_tls_url(self) -> str:
        return f"https://{self.host}:{self.dataverse_tls_port}"

    @property
    def twilio_url(self) -> str:
        return f"http://{self.host}:{self.twilio_port}"

    @property
    def storage_connection(self) -> str:
        return azurite_connection_string(self.host, self.azurite_port)


def new_function_key() -> str:
    return secrets.token_urlsafe(32)
