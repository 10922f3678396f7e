"""Date-times as Dataverse and the queues write them: ISO 8601, UTC when no offset is given."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = ["parse_datetime"]


def parse_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
