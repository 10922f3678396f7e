"""Dataverse's error shape: ``{"error": {"code": "0x...", "message": "..."}}`` with the HTTP status.

Codes and messages follow what the service returns (see the Web API docs "Perform conditional
operations", "Web API client errors" and the error-code reference).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ODataError(Exception):
    """An error the emulator answers with, in Dataverse's shape."""

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def body(self) -> dict[str, object]:
        return {"error": {"code": self.code, "message": self.message}}


NOT_FOUND = "0x80040217"
DUPLICATE = "0x80040237"
VERSION_MISMATCH = "0x80060882"
BAD_PROPERTY = "0x80060888"
QUERY_SYNTAX = "0x8006088a"
PAYLOAD = "0x80048d19"
VALIDATION = "0x80044331"
INVALID_ARGUMENT = "0x80040203"
RATE_LIMIT_REQUESTS = "0x80072322"
SERVICE_UNAVAILABLE = "0x80040216"


def not_found(table: str, key: str) -> ODataError:
    return ODataError(404, NOT_FOUND, f"{table} With Id = {key} Does Not Exist")


def duplicate_key() -> ODataError:
    return ODataError(412, DUPLICATE, "A record with matching key values already exists.")


def version_mismatch() -> ODataError:
    return ODataError(
        412, VERSION_MISMATCH, "The version of the existing record doesn't match the RowVersion property provided."
    )


def unknown_property(table: str, name: str) -> ODataError:
    return ODataError(
        400,
        BAD_PROPERTY,
        f"The property '{name}' does not exist on type 'Microsoft.Dynamics.CRM.{table}'. Make sure to only use"
        " property names that are defined by the type or mark the type as open type.",
    )


def unknown_query_property(table: str, name: str) -> ODataError:
    return ODataError(
        400, BAD_PROPERTY, f"Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{table}'."
    )


def undeclared_annotation(name: str) -> ODataError:
    return ODataError(
        400,
        BAD_PROPERTY,
        f"An undeclared property '{name}' which only has property annotations in the payload but no property"
        " value was found in the payload. In OData, only declared navigation properties and declared named"
        " streams can be represented as properties without values.",
    )


def payload_error(entity_set: str, detail: str) -> ODataError:
    return ODataError(
        400,
        PAYLOAD,
        f"Error identified in Payload provided by the user for Entity :'{entity_set}', For more information on"
        " this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ---->  "
        f"InnerException : Microsoft.OData.ODataException: {detail}",
    )


def validation(message: str) -> ODataError:
    return ODataError(400, VALIDATION, f"A validation error occurred.  {message}")


def syntax(message: str) -> ODataError:
    return ODataError(400, QUERY_SYNTAX, message)


def unsupported(what: str) -> ODataError:
    """Something Dataverse may support but this emulator does not: say exactly what, never guess."""
    return ODataError(501, BAD_PROPERTY, f"The Dataverse emulator does not support {what}.")
