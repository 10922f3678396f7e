"""Load a function app the way Microsoft's Python language worker loads it, and print what the worker made of it.

    .venv-worker/bin/python -I tests/host/microsoft_worker_driver.py APP_DIR

Runs under Python 3.13 in `.venv-worker` (PyPI `azure-functions-runtime`, the worker library the Functions host
loads for Python >= 3.13), never in the product's environment: nothing but tests/host/test_microsoft_worker.py
starts it. It calls the worker's own code for the v2 programming model, in the order the worker's indexing
request handler does: `bindings.meta.load_binding_registry()`, `loader.index_function_app(APP_DIR/function_app.py)`,
then `loader.process_indexed_function(...)` for each function on its own, so that one refused function does not
hide the others. That last call is where the worker matches parameters and annotations against bindings and
raises `FunctionLoadError`.

`protos` stands in for the host's generated protobuf module (`FunctionRpc.proto`, compiled when the worker is
packaged; not on PyPI). The worker only reads enum values from it and builds messages with keyword arguments, so a
namespace with these suffices: `BindingInfo` with the direction values `in`=0, `out`=1, `inout`=2 and the data types
`undefined`=0, `string`=1, `binary`=2, `stream`=3 (the proto's numbering), and `BindingInfo`,
`RpcFunctionMetadata` and `RpcRetryOptions` as classes that keep their keyword arguments as attributes.

Prints one JSON object on stdout:
    {"versions": {...}, "functions": [{"name", "refusal": null | "cannot load the ...", "bindings": [...]}]}
where `bindings` are the `BindingInfo`s the worker reports to the host for a loaded function ({"name", "type",
"direction"}). Anything other than a `FunctionLoadError` (an import error, say) is not caught: the exit status
is non-zero and the traceback is on stderr.
"""

from __future__ import annotations

import contextlib
import json
import sys
import types
from importlib import metadata
from pathlib import Path
from typing import Any


class _Message:
    """A protobuf message as the worker uses one: built from keyword arguments, read by attribute."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


class _BindingInfo(_Message):
    out = 1
    inout = 2
    undefined = 0
    string = 1
    binary = 2
    stream = 3


setattr(_BindingInfo, "in", 0)  # `in` is a keyword in Python; protobuf sets it all the same

PROTOS = types.SimpleNamespace(BindingInfo=_BindingInfo, RpcFunctionMetadata=_Message, RpcRetryOptions=_Message)
DIRECTIONS = {0: "in", 1: "out", 2: "inout"}


def load(app_dir: Path) -> dict[str, Any]:
    from azure_functions_runtime import loader
    from azure_functions_runtime.bindings import meta
    from azure_functions_runtime.functions import FunctionLoadError, Registry

    # The worker puts the app's folder first on sys.path before it imports function_app.
    sys.path.insert(0, str(app_dir))
    meta.load_binding_registry()
    results = []
    for function in loader.index_function_app(str(app_dir / "function_app.py")):
        try:
            (rpc_metadata,), _logs = loader.process_indexed_function(PROTOS, Registry(), [function], str(app_dir))
        except FunctionLoadError as refusal:
            results.append({"name": function.get_function_name(), "refusal": str(refusal), "bindings": []})
            continue
        bindings = [
            {"name": name, "type": info.type, "direction": DIRECTIONS[int(info.direction)]}
            for name, info in rpc_metadata.bindings.items()
        ]
        results.append({"name": rpc_metadata.name, "refusal": None, "bindings": bindings})
    versions = {"python": ".".join(map(str, sys.version_info[:3]))}
    for package in ("azure-functions-runtime", "azure-functions"):
        versions[package] = metadata.version(package)
    return {"versions": versions, "functions": results}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: microsoft_worker_driver.py APP_DIR", file=sys.stderr)  # noqa: T201
        return 2
    # Whatever the app prints while it is imported goes to stderr: stdout carries the JSON alone.
    with contextlib.redirect_stdout(sys.stderr):
        report = load(Path(argv[0]).resolve())
    print(json.dumps(report))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
