"""Session windows: aligned to UTC multiples of the Configuration's session timeout (1440 minutes = one UTC day)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["DEFAULT_SESSION_MINUTES", "Window", "window_for"]

DEFAULT_SESSION_MINUTES = 1440
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def window_for(moment: datetime, timeout_minutes: int | None) -> Window:
    minutes = timeout_minutes if timeout_minutes and timeout_minutes > 0 else DEFAULT_SESSION_MINUTES
    length = timedelta(minutes=minutes)
    elapsed = moment.astimezone(UTC) - _EPOCH
    start = _EPOCH + (elapsed // length) * length
    return Window(start=start, end=start + length)
