"""The Error Log table (smsb_errorlog): what went wrong, where, with the ids to trace it — never a secret."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dataverse import DataverseClient, DataverseError
from messaging.model import Severity

__all__ = ["ErrorLog", "ErrorSource", "LoggedError"]

log = logging.getLogger("smsbridge.errorlog")

_NAME_LENGTH = 200
_DETAILS_LENGTH = 10_000


class ErrorSource:
    INBOUND = "inbound"
    STATUS = "status"
    OUTBOUND = "outbound"
    CONFIGURATION = "configuration"
    SWEEP = "sweep"
    WEBHOOK = "webhook"


@dataclass(frozen=True)
class LoggedError:
    source: str
    name: str
    details: str
    severity: Severity = Severity.ERROR
    correlation_id: str | None = None
    twilio_sid: str | None = None
    related_entity: str | None = None
    related_id: str | None = None


class ErrorLog:
    """Writes Error Log rows. Recording an error must never become a second failure, so a write that fails is
    logged (without details) and swallowed."""

    def __init__(self, client: DataverseClient, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._client = client
        self._clock = clock

    def record(self, entry: LoggedError) -> uuid.UUID | None:
        try:
            return self._client.create("smsb_errorlogs", self.row(entry, self._clock()))
        except DataverseError as exc:
            log.error("could not write an Error Log row (%s, %s): %s", entry.source, entry.name,
                      type(exc).__name__)
            return None

    @staticmethod
    def row(entry: LoggedError, occurred_on: datetime) -> dict[str, Any]:
        """The Error Log row for `entry`, for writers that put it inside a changeset of their own."""
        data = {
            "smsb_name": entry.name[:_NAME_LENGTH],
            "smsb_source": entry.source,
            "smsb_severity": int(entry.severity),
            "smsb_details": entry.details[:_DETAILS_LENGTH],
            "smsb_correlationid": entry.correlation_id,
            "smsb_twiliosid": entry.twilio_sid,
            "smsb_relatedentity": entry.related_entity,
            "smsb_relatedid": entry.related_id,
            "smsb_occurredon": occurred_on.isoformat(),
        }
        return {k: v for k, v in data.items() if v is not None}
