"""What the commands print: result lines on stdout, progress on stderr, never a secret.

The progress bar redraws one line when stderr is a terminal and falls back to a plain line per change otherwise
(CI logs, pipes), so logs stay readable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

__all__ = ["Console"]

_BAR_WIDTH = 30


class Console:
    def __init__(self, out: TextIO, err: TextIO, secrets: Iterable[str] = ()) -> None:
        self._out = out
        self._err = err
        self._secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))
        self._bar_open = False
        self._last_plain: str | None = None

    def add_secret(self, value: str | None) -> None:
        if value:
            self._secrets = tuple(sorted({*self._secrets, value}, key=len, reverse=True))

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def line(self, text: str = "") -> None:
        self._end_bar()
        self._out.write(self.scrub(text) + "\n")
        self._out.flush()

    def error(self, text: str) -> None:
        self._end_bar()
        self._err.write(self.scrub(text) + "\n")
        self._err.flush()

    def progress(self, label: str, fraction: float | None = None) -> None:
        """Show how far a long step is; ``fraction`` None when the service does not say."""
        label = self.scrub(label)
        if self._err.isatty():
            if fraction is None:
                text = f"\r{label} …"
            else:
                done = int(_BAR_WIDTH * max(0.0, min(1.0, fraction)))
                text = f"\r[{'#' * done}{'.' * (_BAR_WIDTH - done)}] {fraction * 100:5.1f}% {label}"
            self._err.write(text.ljust(100)[:120])
            self._err.flush()
            self._bar_open = True
            return
        plain = label if fraction is None else f"{fraction * 100:.0f}% {label}"
        if plain != self._last_plain:
            self._err.write(plain + "\n")
            self._err.flush()
            self._last_plain = plain

    def _end_bar(self) -> None:
        if self._bar_open:
            self._err.write("\n")
            self._err.flush()
            self._bar_open = False
