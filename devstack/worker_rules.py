"""The rules Microsoft's Python language worker applies before it loads a function, and its words for a refusal.

Azure runs a function only after the Python worker has matched the function's parameters and annotations against
its bindings; anything it refuses never runs, with `cannot load the <name> function: <reason>` in the host's log.
Indexing here applies the same rules so that the devstack refuses what Azure would refuse, in the same words.

Sources (both MIT; read, not copied):
- PyPI `azure-functions-runtime` 1.3.0, `azure_functions_runtime/functions.py` (`Registry.validate_binding_direction`,
  `is_context_required`, `validate_function_params`, `get_function_return_type`): the worker for Python >= 3.13.
  The reasons below are its words; tests/host/test_microsoft_worker.py runs that worker and compares.
- GitHub Azure/azure-functions-python-worker at 7e6acf36e43335ad69742923af9ff3d62b99242a,
  `azure_functions_worker/functions.py`: the worker for Python 3.11 applies the same annotation rules (a few
  reasons are worded differently there, e.g. "in function.json" for "in the binding decorator").

Whether an annotation's type suits its binding type is asked, as the worker asks it, of the converters in the
`azure.functions` library (`azure.functions.get_binding_registry()`, the registry the worker loads): Microsoft's own
code decides, e.g. that a queue output takes str, bytes, QueueMessage or a typing list of them. Not covered: the
Service Bus settlement client parameter, deferred (SDK-type) bindings and the durable triggers' implicit outputs;
this host runs HTTP, timer and queue functions only.
"""

from __future__ import annotations

import collections.abc
import enum
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import azure.functions

__all__ = ["RETURN", "Binding", "Direction", "is_typing_generic", "load_refusal"]

RETURN = "$return"

# typing aliases the worker does not count as generic types (its vendored typing_inspect.is_generic_type).
_NOT_GENERIC_ORIGINS: tuple[object, ...] = (typing.Union, tuple, typing.ClassVar, collections.abc.Callable)


class Direction(enum.Enum):
    IN = "in"
    OUT = "out"
    INOUT = "inout"


@dataclass(frozen=True)
class Binding:
    """One binding as the function declares it: an entry of its function.json `bindings`."""

    name: str
    type: str
    direction: Direction


def is_typing_generic(annotation: object) -> bool:
    """A generic type as the worker sees one: a class deriving from `typing.Generic`, or an alias made by the
    `typing` module (`typing.List[str]`, `func.Out[str]`, `typing.Literal["a"]`) other than a Union, Tuple, ClassVar
    or Callable. PEP 585 aliases (`list[str]`) and PEP 604 unions (`str | None`) are not made by `typing`: not
    generic, and not classes either, so the worker refuses them as annotations."""
    if isinstance(annotation, type):
        return issubclass(annotation, typing.Generic)
    if type(annotation).__module__ != "typing":
        return False
    origin = typing.get_origin(annotation)
    return origin is not None and origin not in _NOT_GENERIC_ORIGINS


def load_refusal(parameters: Sequence[str], hints: Mapping[str, object], bindings: Sequence[Binding]) -> str | None:
    """Why the worker would refuse a function, or None if it loads it.

    `parameters` are the function's parameter names in order, `hints` its `typing.get_type_hints` (annotations
    evaluated, as the worker evaluates them), `bindings` what its decorators declare. Checks run in the worker's
    order, so the first reason is the one Azure reports.
    """
    return next((reason for reason in _reasons(parameters, hints, bindings) if reason), None)


def _reasons(
    parameters: Sequence[str], hints: Mapping[str, object], bindings: Sequence[Binding],
) -> Iterator[str | None]:
    for binding in bindings:
        yield _binding_refusal(binding)
    bound = {b.name: b for b in bindings if b.name != RETURN}
    # `context` is the invocation context unless a binding has that name.
    params = [p for p in parameters if p != "context" or p in bound]
    if "context" in parameters and "context" not in bound:
        yield _context_refusal(hints)
    yield _signature_refusal(params, bound)
    for name in params:
        if name in hints:
            yield _parameter_refusal(name, hints[name], bound[name].direction)
            yield _type_refusal(name, hints[name], bound[name])
    returned = next((b for b in bindings if b.name == RETURN), None)
    if "return" in hints and returned is not None:
        yield _return_refusal(hints["return"])
        yield _return_type_refusal(hints["return"], returned)


def _binding_refusal(binding: Binding) -> str | None:
    if binding.direction is Direction.INOUT:
        return '"inout" bindings are not supported'
    if binding.name == RETURN and binding.direction is not Direction.OUT:
        return '"$return" binding must have direction set to "out"'
    return None


def _context_refusal(hints: Mapping[str, object]) -> str | None:
    if "context" in hints and not _is_class_named(hints["context"], "Context"):
        return f'the "context" parameter is expected to be of type azure.functions.Context, got "{hints["context"]!r}"'
    return None


def _signature_refusal(params: Sequence[str], bound: Mapping[str, Binding]) -> str | None:
    missing = set(params) - set(bound)
    if missing:
        return ("the following parameters are declared in Python but not in the function definition "
                f"(function.json or function decorators):  {missing!r}")
    extra = set(bound) - set(params)
    if extra:
        return ("Extra parameters in binding definition \N{EM DASH} the following parameters are declared as bindings "
                f"but are not present in Python: {extra!r}")
    return None


def _is_class_named(annotation: object, name: str) -> bool:
    return isinstance(annotation, type) and annotation.__name__ == name


def _is_out(annotation: object) -> bool:
    """`func.Out[...]` or `func.Out`: the worker goes by the class name `Out`, not by identity."""
    origin = typing.get_origin(annotation) if is_typing_generic(annotation) else None
    return _is_class_named(annotation if origin is None else origin, "Out")


def _parameter_refusal(name: str, annotation: object, direction: Direction) -> str | None:
    is_out = _is_out(annotation)
    if is_out:
        arguments = typing.get_args(annotation)
        if len(arguments) != 1:
            return f"binding {name} has invalid Out annotation {annotation!r}"
        python_type = arguments[0]
    else:
        python_type = annotation
    # The rule behind `func.Out[list[str]]` being refused: what Out carries must be a class or a typing generic.
    if not isinstance(python_type, type) and not is_typing_generic(python_type):
        return f"binding {name} has invalid non-type annotation {annotation!r}"
    if direction is Direction.OUT and not is_out:
        return (f'binding {name} is declared to have the "out" direction, but its annotation in Python is not '
                "a subclass of azure.functions.Out")
    if direction is not Direction.OUT and is_out:
        return (f'binding {name} is declared to have the "in" direction in the binding decorator, but its '
                "annotation is azure.functions.Out in Python")
    return None


def _return_refusal(annotation: object) -> str | None:
    origin = typing.get_origin(annotation) if is_typing_generic(annotation) else None
    if origin is not None and getattr(origin, "__name__", None) == "Out":
        return "return annotation should not be azure.functions.Out"
    if not isinstance(annotation, type):
        return f"has invalid non-type return annotation {annotation!r}"
    return None


def _python_type(annotation: object) -> object:
    """What the binding carries: the argument of `func.Out[...]`, else the annotation itself."""
    return typing.get_args(annotation)[0] if _is_out(annotation) else annotation


def _converter(binding_type: str) -> object | None:
    """The `azure.functions` converter the worker uses for a binding type; None stands for its GenericBinding."""
    registry = azure.functions.get_binding_registry()
    return registry.get(binding_type) if registry is not None else None


def _has_implicit_output(binding_type: str) -> bool:
    converter = _converter(binding_type)
    if converter is None:
        return binding_type != "durableClient"
    has_implicit = getattr(converter, "has_implicit_output", None)
    return bool(has_implicit()) if callable(has_implicit) else False


def _accepts(binding_type: str, python_type: object, *, output: bool) -> bool:
    converter = _converter(binding_type)
    if converter is None:
        # The worker's GenericBinding: text and bytes only (bytearray too on the way out).
        generic = (str, bytes, bytearray) if output else (str, bytes)
        return isinstance(python_type, type) and issubclass(python_type, generic)
    check = getattr(converter, "check_output_type_annotation" if output else "check_input_type_annotation")
    return bool(check(python_type))


def _type_name(python_type: object) -> str:
    return str(getattr(python_type, "__name__", python_type))


def _type_refusal(name: str, annotation: object, binding: Binding) -> str | None:
    python_type = _python_type(annotation)
    # str and bytes go through the generic binding unless the binding answers by itself (the worker's rule).
    binding_type = "generic" if python_type in (str, bytes) and not _has_implicit_output(binding.type) else binding.type
    if _accepts(binding_type, python_type, output=binding.direction is Direction.OUT):
        return None
    # The worker picks its wording by comparing the binding's DataType enum with the protobuf's integer by identity,
    # which never holds, so Azure words every such refusal this way (quotes around a repr included).
    return (f'binding type "{name!r}" and dataType "{binding.type}" in the binding decorator do not match the '
            f"corresponding function parameter's Python type annotation {_type_name(python_type)}")


def _return_type_refusal(annotation: object, binding: Binding) -> str | None:
    if not isinstance(annotation, type) or _accepts(binding.type, annotation, output=True):
        return None
    return f'Python return annotation "{annotation.__name__}" does not match binding type "{binding.type}"'
