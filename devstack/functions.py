"""What the local host knows about each function of a `FunctionApp`, read the way the Functions host reads it.

The real host indexes a v2 app through its `function.json`-style metadata; reading the same metadata (rather than
private attributes of the decorators) keeps this host honest about what Azure would see.
"""

from __future__ import annotations

import enum
import inspect
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, get_type_hints

import azure.functions as func

from devstack.worker_rules import Binding, Direction, load_refusal

__all__ = [
    "AppIndexError", "AuthLevel", "Binding", "Direction", "FunctionLoadError", "FunctionSpec", "OutputBinding",
    "TriggerKind", "index_app",
]

_SETTING_REF = re.compile(r"^%([^%]+)%$")


class AppIndexError(ValueError):
    """The app declares something Azure would refuse to index."""


class FunctionLoadError(AppIndexError):
    """Microsoft's Python worker would not load this function; the message is the one its `FunctionLoadError`
    carries, so a refusal here reads as it would in the Functions host's log on Azure."""

    def __init__(self, function_name: str, reason: str) -> None:
        super().__init__(f"cannot load the {function_name} function: {reason}")
        self.function_name = function_name
        self.reason = reason


class TriggerKind(enum.Enum):
    HTTP = "httpTrigger"
    TIMER = "timerTrigger"
    QUEUE = "queueTrigger"


class AuthLevel(enum.Enum):
    ANONYMOUS = "ANONYMOUS"
    FUNCTION = "FUNCTION"
    ADMIN = "ADMIN"


@dataclass(frozen=True)
class OutputBinding:
    name: str
    type: str
    queue_name: str | None = None
    connection: str | None = None


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    kind: TriggerKind
    trigger_arg: str
    user_function: Callable[..., Any] = field(repr=False)
    outputs: tuple[OutputBinding, ...] = ()
    # Every binding as declared, trigger and `$return` included: what the worker is told about the function.
    bindings: tuple[Binding, ...] = ()
    wants_context: bool = False
    # HTTP
    route: str | None = None
    methods: tuple[str, ...] | None = None
    auth_level: AuthLevel = AuthLevel.FUNCTION
    # Timer
    schedule: str | None = None
    run_on_startup: bool = False
    # Queue
    queue_name: str | None = None
    connection: str | None = None

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.user_function)


def index_app(app: func.FunctionApp, env: Mapping[str, str] | None = None) -> list[FunctionSpec]:
    """Read every function of `app`. `%NAME%` binding expressions resolve against `env` like app settings do."""
    settings = os.environ if env is None else env
    # get_functions() refuses to run twice on one app unless its binding cache is cleared; a test session or a
    # restarted host indexes the same app again.
    app.functions_bindings = None
    specs = [_spec(f, settings) for f in app.get_functions()]
    names = [s.name for s in specs]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise AppIndexError(f"function names must be unique, repeated: {sorted(duplicates)}")
    return specs


def _resolve(value: str | None, env: Mapping[str, str]) -> str | None:
    if value is None:
        return None
    match = _SETTING_REF.match(value)
    if not match:
        return value
    resolved = env.get(match.group(1))
    if resolved is None:
        raise AppIndexError(f"binding expression {value} names the app setting {match.group(1)}, which is not set")
    return resolved


def _spec(function: Any, env: Mapping[str, str]) -> FunctionSpec:
    name = function.get_function_name()
    user_function = function.get_user_function()
    bindings = json.loads(function.get_function_json())["bindings"]
    triggers = [b for b in bindings if b["type"] in {k.value for k in TriggerKind}]
    if len(triggers) != 1:
        raise AppIndexError(f"function {name} must have exactly one supported trigger, found {len(triggers)}")
    trigger = triggers[0]
    kind = TriggerKind(trigger["type"])
    outputs = tuple(
        OutputBinding(
            name=b["name"],
            type=b["type"],
            queue_name=_resolve(b.get("queueName"), env),
            connection=b.get("connection"),
        )
        for b in bindings
        if b["direction"] == "OUT" and b["name"] != "$return"
    )
    declared = tuple(Binding(b["name"], b["type"], Direction(str(b["direction"]).lower())) for b in bindings)
    parameters = inspect.signature(user_function).parameters
    # Evaluated as the worker evaluates them: string annotations (`from __future__ import annotations`) included.
    refusal = load_refusal(list(parameters), get_type_hints(user_function), declared)
    if refusal:
        raise FunctionLoadError(name, refusal)
    common: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "trigger_arg": trigger["name"],
        "user_function": user_function,
        "outputs": outputs,
        "bindings": declared,
        "wants_context": "context" in parameters,
    }
    if kind is TriggerKind.HTTP:
        methods = trigger.get("methods")
        return FunctionSpec(
            **common,
            route=trigger.get("route") or name,
            methods=tuple(m.upper() for m in methods) if methods else None,
            auth_level=AuthLevel(str(trigger.get("authLevel", "FUNCTION")).upper()),
        )
    if kind is TriggerKind.TIMER:
        return FunctionSpec(
            **common,
            schedule=_resolve(trigger["schedule"], env),
            run_on_startup=bool(trigger.get("runOnStartup", False)),
        )
    return FunctionSpec(
        **common,
        queue_name=_resolve(trigger["queueName"], env),
        connection=trigger.get("connection") or "AzureWebJobsStorage",
    )
