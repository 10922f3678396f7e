"""Calling one function the way the Python worker does: bindings in, `Out` values captured, async awaited."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import azure.functions as func

from devstack.functions import FunctionSpec

__all__ = ["CapturedOut", "InvocationContext", "InvocationResult", "invoke"]

T = TypeVar("T")
log = logging.getLogger("devstack.host")


class CapturedOut(func.Out[T], Generic[T]):
    """An output binding: remembers what the function set, for the host to deliver after success."""

    def __init__(self) -> None:
        self._value: T | None = None
        self.was_set = False

    def set(self, val: T) -> None:
        self._value = val
        self.was_set = True

    def get(self) -> T:
        return self._value  # type: ignore[return-value]


@dataclass(frozen=True)
class InvocationContext:
    """The parts of `func.Context` a function can read."""

    invocation_id: str
    function_name: str
    function_directory: str = "."
    trace_context: Any = None
    retry_context: Any = None
    thread_local_storage: Any = None


@dataclass
class InvocationResult:
    value: Any
    outputs: dict[str, CapturedOut[Any]] = field(default_factory=dict)


def run_coroutine(coroutine: Any) -> Any:
    """Run an async function's coroutine to completion, as the worker does on its own event loop. When the
    calling thread already runs a loop (the host embedded in another asyncio program), use a thread of our own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="async-function") as pool:
        return pool.submit(asyncio.run, coroutine).result()


def invoke(
    spec: FunctionSpec,
    trigger_value: Any,
    *,
    invocation_id: str | None = None,
    runner: Callable[[Any], Any] = run_coroutine,
) -> InvocationResult:
    """Run `spec`'s function with `trigger_value` bound to its trigger argument. Exceptions propagate."""
    outputs: dict[str, CapturedOut[Any]] = {binding.name: CapturedOut() for binding in spec.outputs}
    kwargs: dict[str, Any] = {spec.trigger_arg: trigger_value, **outputs}
    if spec.wants_context:
        kwargs["context"] = InvocationContext(
            invocation_id=invocation_id or str(uuid.uuid4()), function_name=spec.name
        )
    result = spec.user_function(**kwargs)
    if spec.is_async:
        result = runner(result)
    return InvocationResult(value=result, outputs=outputs)
