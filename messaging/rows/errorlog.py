"""The Error Log row (smsb_errorlog): what went wrong, where, with the ids to trace it — never a secret."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from messaging.names import SMSB_ERRORLOG, Severity
from messaging.plans import Mode, Write

__all__ = ["ErrorSource", "LoggedError", "error_row"]

_NAME_LENGTH = 200
_DETAILS_LENGTH = 10_000
_C = SMSB_ERRORLOG.columns


class ErrorSource(enum.StrEnum):
    """`smsb_source`: which part of the product wrote the row."""

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


def error_row(entry: LoggedError, occurred_on: datetime) -> Write:
    data = {
        _C.smsb_name: entry.name[:_NAME_LENGTH],
        _C.smsb_source: str(entry.source),
        _C.smsb_severity: int(entry.severity),
        _C.smsb_details: entry.details[:_DETAILS_LENGTH],
        _C.smsb_correlationid: entry.correlation_id,
        _C.smsb_twiliosid: entry.twilio_sid,
        _C.smsb_relatedentity: entry.related_entity,
        _C.smsb_relatedid: entry.related_id,
        _C.smsb_occurredon: occurred_on.isoformat(),
    }
    return Write(SMSB_ERRORLOG, None, {k: v for k, v in data.items() if v is not None}, Mode.CREATE)
