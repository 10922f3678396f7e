"""Request checks against the committed subset of Twilio's OpenAPI description (``spec/``).

Only what a client can get wrong is checked: parameter names allowed for the operation, SID patterns,
enums, integer and boolean syntax, repeated keys for non-array parameters. Phone-number formats are
left to the emulator's own rules because Twilio answers those with specific error codes (21211, ...).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from werkzeug.datastructures import MultiDict

from devstack.twilio_emulator.errors import ApiError

__all__ = ["SUBSET_PATH", "ApiSpec", "OperationSpec", "ParamSpec", "load_spec"]

SUBSET_PATH = Path(__file__).resolve().parent / "spec" / "twilio_api_v2010.subset.json"
INVALID_PARAMETER = 20001


@dataclass(frozen=True, slots=True)
class ParamSpec:
    name: str
    type: str | None = None
    pattern: str | None = None
    enum: tuple[str, ...] = ()
    array: bool = False
    minimum: int | None = None
    maximum: int | None = None

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> ParamSpec:
        return cls(
            name=name,
            type=data.get("type"),
            pattern=data.get("pattern"),
            enum=tuple(data.get("enum", ())),
            array=bool(data.get("array", False)),
            minimum=data.get("minimum"),
            maximum=data.get("maximum"),
        )

    def problem(self, value: str) -> str | None:
        """Why ``value`` does not fit this parameter, or None when it does."""
        if self.pattern is not None and re.match(self.pattern, value) is None:
            return f"must match {self.pattern}"
        if self.enum and value not in self.enum:
            return "must be one of " + ", ".join(self.enum)
        if self.type == "integer":
            return self._integer_problem(value)
        if self.type == "boolean" and value.lower() not in ("true", "false"):
            return "must be true or false"
        return None

    def _integer_problem(self, value: str) -> str | None:
        try:
            number = int(value)
        except ValueError:
            return "must be an integer"
        if self.minimum is not None and number < self.minimum:
            return f"must be at least {self.minimum}"
        if self.maximum is not None and number > self.maximum:
            return f"must be at most {self.maximum}"
        return None


@dataclass(frozen=True, slots=True)
class OperationSpec:
    key: str
    operation: str
    path_params: Mapping[str, ParamSpec]
    query_params: Mapping[str, ParamSpec]
    form_params: Mapping[str, ParamSpec]
    required_form: tuple[str, ...]
    resource: str | None
    list_key: str | None

    def check_path(self, values: Mapping[str, str]) -> None:
        for name, value in values.items():
            spec = self.path_params.get(name)
            if spec is None:
                continue
            problem = spec.problem(value)
            if problem is not None:
                raise ApiError(400, INVALID_PARAMETER, f"Invalid {name} '{value}' in the URL: {problem}")

    def check_query(self, params: MultiDict[str, str]) -> None:
        self._check(params, self.query_params, "query")

    def check_form(self, params: MultiDict[str, str]) -> None:
        self._check(params, self.form_params, "form")

    def _check(self, params: MultiDict[str, str], allowed: Mapping[str, ParamSpec], where: str) -> None:
        for name in params:
            spec = allowed.get(name)
            if spec is None:
                names = ", ".join(sorted(allowed)) or "none"
                raise ApiError(
                    400,
                    INVALID_PARAMETER,
                    f"Unknown {where} parameter '{name}' for {self.operation}; allowed: {names}",
                )
            values = params.getlist(name)
            if len(values) > 1 and not spec.array:
                raise ApiError(400, INVALID_PARAMETER, f"Parameter '{name}' may be given only once")
            for value in values:
                problem = spec.problem(value)
                if problem is not None:
                    raise ApiError(400, INVALID_PARAMETER, f"Invalid value for parameter '{name}': {problem}")


class ApiSpec:
    """The operations and resource shapes of the subset file."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._operations: dict[str, OperationSpec] = {}
        for key, op in data["operations"].items():
            self._operations[key] = OperationSpec(
                key=key,
                operation=op["operation"],
                path_params=_params(op["path_params"]),
                query_params=_params(op["query_params"]),
                form_params=_params(op["form_params"]),
                required_form=tuple(op["required_form"]),
                resource=op["resource"],
                list_key=op["list_key"],
            )
        self._fields = {name: tuple(res["fields"]) for name, res in data["resources"].items()}

    def operation(self, method: str, path: str) -> OperationSpec:
        return self._operations[f"{method.upper()} {path}"]

    def resource_fields(self, name: str) -> tuple[str, ...]:
        return self._fields[name]


def _params(data: Mapping[str, Any]) -> dict[str, ParamSpec]:
    return {name: ParamSpec.from_json(name, spec) for name, spec in data.items()}


@cache
def load_spec() -> ApiSpec:
    return ApiSpec(json.loads(SUBSET_PATH.read_text(encoding="utf-8")))
