"""The local host's configuration: `host.json`, `local.settings.json`, and the devstack's addresses.

Every devstack default can be overridden by an environment variable of the same purpose (`DEVSTACK_…`), so
scripts written against `make run` keep working when a port is taken. `DevstackLoad` holds the settings for load
work: how many function hosts work the queues, and whether the Dataverse emulator enforces service protection.
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

from devstack.dataverse_emulator.service_limits import Limits

__all__ = [
    "DevstackAddresses",
    "DevstackLoad",
    "HostConfig",
    "QueueSettings",
    "azurite_connection_string",
    "host_json_queues",
    "load_host_config",
    "load_local_settings",
    "parse_timespan",
    "queue_settings",
    "timespan",
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
    new_batch_threshold: int | None = None  # None: batchSize / 2, the extension's default on one vCPU

    @property
    def batch_threshold(self) -> int:
        """How few messages in hand make the host fetch the next batch (`newBatchThreshold`)."""
        return self.batch_size // 2 if self.new_batch_threshold is None else self.new_batch_threshold


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
    try:
        queues = queue_settings(extensions.get("queues", {}))
    except ValueError as exc:
        raise ValueError(f"{path}: extensions.queues: {exc}") from None
    return HostConfig(route_prefix=str(http.get("routePrefix", "api")).strip("/"), queues=queues)


def queue_settings(queues: Mapping[str, Any], defaults: QueueSettings | None = None) -> QueueSettings:
    """`extensions.queues` of host.json (names as there) over `defaults` (the extension's own by default)."""
    defaults = defaults or QueueSettings()
    encoding = str(queues.get("messageEncoding", defaults.message_encoding)).lower()
    if encoding not in ("base64", "none"):
        raise ValueError("messageEncoding must be base64 or none")
    return QueueSettings(
        batch_size=int(queues.get("batchSize", defaults.batch_size)),
        max_dequeue_count=int(queues.get("maxDequeueCount", defaults.max_dequeue_count)),
        visibility_timeout=parse_timespan(queues["visibilityTimeout"])
        if "visibilityTimeout" in queues
        else defaults.visibility_timeout,
        max_polling_interval=parse_timespan(queues["maxPollingInterval"])
        if "maxPollingInterval" in queues
        else defaults.max_polling_interval,
        message_encoding=encoding,
        new_batch_threshold=int(queues["newBatchThreshold"]) if "newBatchThreshold" in queues
        else defaults.new_batch_threshold,
    )


def timespan(value: timedelta) -> str:
    """A duration as host.json writes it: `hh:mm:ss.fffffff` (days folded into the hours)."""
    total = round(value.total_seconds() * 10_000_000)
    seconds, ticks = divmod(total, 10_000_000)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours:02d}:{minute:02d}:{second:02d}.{ticks:07d}"


def host_json_queues(settings: QueueSettings) -> dict[str, Any]:
    """`settings` as host.json's `extensions.queues`, e.g. to hand them to a host in another process."""
    return {"batchSize": settings.batch_size, "maxDequeueCount": settings.max_dequeue_count,
            "visibilityTimeout": timespan(settings.visibility_timeout),
            "maxPollingInterval": timespan(settings.max_polling_interval),
            "messageEncoding": settings.message_encoding,
            **({} if settings.new_batch_threshold is None else {"newBatchThreshold": settings.new_batch_threshold})}


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


@dataclass(frozen=True)
class DevstackLoad:
    """`DEVSTACK_FUNCTION_HOSTS` (default 1): function hosts working the queues, the first in the devstack's own
    process (HTTP, timers, queues), each other one a process of its own (queues; timers run once, as in Azure).
    `DEVSTACK_DATAVERSE_LIMITS` (`on`/`off`, default off): the Dataverse emulator enforces service protection with
    Microsoft's documented figures; `DEVSTACK_DATAVERSE_TIME_SCALE` (default 1) compresses its window (60: the
    5-minute window lasts 5 s) and `DEVSTACK_DATAVERSE_OPERATION_MS` (default 0) is the simulated execution time of
    each operation (`devstack/dataverse_emulator/service_limits.py`)."""

    function_hosts: int = 1
    dataverse_limits: Limits | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DevstackLoad:
        hosts = int(env.get("DEVSTACK_FUNCTION_HOSTS", "1"))
        if hosts < 1:
            raise ValueError("DEVSTACK_FUNCTION_HOSTS must be 1 or more")
        switch = env.get("DEVSTACK_DATAVERSE_LIMITS", "off").strip().lower()
        if switch not in ("on", "off", "1", "0", "true", "false"):
            raise ValueError("DEVSTACK_DATAVERSE_LIMITS must be on or off")
        limits = None
        if switch in ("on", "1", "true"):
            limits = Limits(time_scale=float(env.get("DEVSTACK_DATAVERSE_TIME_SCALE", "1")),
                            operation_ms=float(env.get("DEVSTACK_DATAVERSE_OPERATION_MS", "0")))
        return cls(function_hosts=hosts, dataverse_limits=limits)


def new_function_key() -> str:
    return secrets.token_urlsafe(32)
