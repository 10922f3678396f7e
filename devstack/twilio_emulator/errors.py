"""Errors of the Twilio emulator: the API errors it answers with, and misuse of the emulator itself."""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError", "EmulatorError", "error_body"]

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


class EmulatorError(Exception):
    """Base of every error raised by the Twilio emulator."""


class ApiError(EmulatorError):
    """A Twilio REST error: answered as ``{"code", "message", "more_info", "status"}``."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.code, self.message)


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "more_info": MORE_INFO.format(code=code), "status": status}
