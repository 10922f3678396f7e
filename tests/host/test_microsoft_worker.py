"""The function app loads in Microsoft's own Python language worker, and the devstack host refuses what it refuses.

Azure loads a Python function only after its language worker has matched the function's annotations against its
bindings; a function it refuses never runs, and the rest of the app starts as if nothing were wrong. So these tests
run the real worker: PyPI `azure-functions-runtime` 1.3.0 (MIT; the worker library for Python >= 3.13, whose rule is
the one GitHub Azure/azure-functions-python-worker `azure_functions_worker/functions.py` at
7e6acf36e43335ad69742923af9ff3d62b99242a applies for 3.11), installed by `make setup` into `.venv-worker` on
Python 3.13 and driven by tests/host/microsoft_worker_driver.py in a subprocess.

Found this way: the worker refuses `func.Out[list[str]]` ("binding outbound has invalid non-type annotation
azure.functions._abc.Out[list[str]]"): inside `func.Out` it accepts a class or a `typing` generic only, and PEP 585's
`list[str]` is neither. The blueprints therefore write `typing.List[str]` there.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import azure.functions as func
import pytest

from devstack.config import HostConfig
from devstack.functions import FunctionLoadError, FunctionSpec, index_app
from devstack.host import FunctionHost, HostOptions, load_function_app

ROOT = Path(__file__).resolve().parents[2]
WORKER_PYTHON = ROOT / ".venv-worker" / "bin" / "python"
DRIVER = Path(__file__).with_name("microsoft_worker_driver.py")
APPS = Path(__file__).with_name("worker_apps")
# Generous, for a hang only: importing the app with its dependencies takes seconds.
DRIVER_TIMEOUT = 600

Binding = tuple[str, str, str]  # name, type, direction


@dataclass(frozen=True)
class WorkerFunction:
    name: str
    refusal: str | None
    bindings: frozenset[Binding]


@dataclass(frozen=True)
class WorkerReport:
    versions: dict[str, str]
    functions: dict[str, WorkerFunction]

    def refusals(self) -> dict[str, str]:
        return {f.name: f.refusal for f in self.functions.values() if f.refusal is not None}


@functools.cache
def run_worker(app_dir: Path) -> WorkerReport:
    """What Microsoft's worker makes of the app whose function_app.py is in `app_dir`."""
    if not WORKER_PYTHON.exists():
        pytest.fail(f"{WORKER_PYTHON.relative_to(ROOT)} is missing: `make setup` builds it (it needs Python 3.13)")
    # -I: nothing from this environment leaks in; -B: no Python 3.13 bytecode is left beside the sources.
    completed = subprocess.run(  # noqa: S603 - our own interpreter and script
        [str(WORKER_PYTHON), "-I", "-B", str(DRIVER), str(app_dir)],
        capture_output=True, text=True, timeout=DRIVER_TIMEOUT, cwd=app_dir, check=False,
    )
    if completed.returncode != 0:
        pytest.fail(f"the worker could not index {app_dir} (exit {completed.returncode}):\n{completed.stderr}")
    raw = json.loads(completed.stdout)
    functions = {
        f["name"]: WorkerFunction(
            name=f["name"],
            refusal=f["refusal"],
            bindings=frozenset((b["name"], b["type"], b["direction"]) for b in f["bindings"]),
        )
        for f in raw["functions"]
    }
    return WorkerReport(versions=raw["versions"], functions=functions)


def devstack_bindings(spec: FunctionSpec) -> frozenset[Binding]:
    return frozenset((b.name, b.type, b.direction.value) for b in spec.bindings)


def devstack_refusal(app: func.FunctionApp) -> str | None:
    try:
        index_app(app, {})
    except FunctionLoadError as refusal:
        return str(refusal)
    return None


def load_module(app_dir: Path) -> ModuleType:
    """A fixture app's function_app.py under a name of its own, beside the product's `function_app`."""
    spec = importlib.util.spec_from_file_location(f"worker_apps_{app_dir.name}", app_dir / "function_app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def single_app(blueprint: func.Blueprint) -> func.FunctionApp:
    app = func.FunctionApp()
    app.register_functions(blueprint)
    return app


# -- the product ------------------------------------------------------------------------------------------------


def test_every_function_of_the_app_loads_in_microsofts_worker() -> None:
    report = run_worker(ROOT)
    assert report.refusals() == {}, "Microsoft's Python worker refuses: " + "; ".join(report.refusals().values())
    # The functions whose outputs were refused once are among those loaded.
    assert {"dataverse_webhook", "sweep"} <= set(report.functions)


def test_the_worker_and_the_devstack_host_see_the_same_functions_and_bindings() -> None:
    report = run_worker(ROOT)
    ours = {spec.name: devstack_bindings(spec) for spec in index_app(load_function_app(), {})}
    theirs = {f.name: f.bindings for f in report.functions.values()}
    assert set(ours) == set(theirs)
    for name, bindings in theirs.items():
        assert ours[name] == bindings, name
    assert ("outbound", "queue", "out") in theirs["dataverse_webhook"]


def test_the_worker_environment_is_the_one_requirements_worker_pins() -> None:
    pins = read_pins(ROOT / "requirements-worker.txt")
    report = run_worker(ROOT)
    assert report.versions["python"].startswith("3.13.")
    assert report.versions["azure-functions-runtime"] == pins["azure-functions-runtime"]
    assert report.versions["azure-functions"] == pins["azure-functions"]


def read_pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_requirements_worker_follows_the_production_pins() -> None:
    """What the app imports at index time is requirements.txt; the worker's environment carries the same releases,
    but for azure-functions, whose pinned release does not install on Python 3.13 (requirements-worker.txt says so)."""
    production = read_pins(ROOT / "requirements.txt")
    worker = read_pins(ROOT / "requirements-worker.txt")
    differing = {name: (version, worker.get(name)) for name, version in production.items()
                 if worker.get(name) != version}
    assert set(differing) <= {"azure-functions"}, differing
    assert worker["azure-functions"]
    assert worker["azure-functions-runtime"]


# -- the same refusal, in the same words ---------------------------------------------------------------------------

PEP585_REFUSAL = ("cannot load the fan_out function: binding outbound has invalid non-type annotation "
                  "azure.functions._abc.Out[list[str]]")


def test_pep585_list_inside_out_is_refused_by_the_worker_and_the_host_alike() -> None:
    app_dir = APPS / "pep585_out"
    assert run_worker(app_dir).refusals() == {"fan_out": PEP585_REFUSAL}
    options = HostOptions(port=0, run_timers=False, run_queues=False)
    with pytest.raises(FunctionLoadError) as refused:
        FunctionHost(load_module(app_dir).app, HostConfig(route_prefix="api"), options, env={})
    assert str(refused.value) == PEP585_REFUSAL


def test_typing_list_inside_out_is_loaded_by_the_worker_and_the_host_alike() -> None:
    app_dir = APPS / "typing_out"
    report = run_worker(app_dir)
    assert report.refusals() == {}
    (spec,) = index_app(load_module(app_dir).app, {})
    assert devstack_bindings(spec) == report.functions["fan_out"].bindings
    assert ("outbound", "queue", "out") in devstack_bindings(spec)


ANNOTATIONS = load_module(APPS / "annotations")
LOADED = {"out_of_typing_list", "out_of_str", "output_unannotated", "context_as_context", "trigger_as_text"}


def test_every_annotation_case_reaches_the_worker() -> None:
    assert set(run_worker(APPS / "annotations").functions) == set(ANNOTATIONS.CASES)
    assert set(ANNOTATIONS.CASES) > LOADED


@pytest.mark.parametrize("case", sorted(ANNOTATIONS.CASES))
def test_the_host_refuses_what_the_worker_refuses_in_its_words(case: str) -> None:
    worker = run_worker(APPS / "annotations").functions[case].refusal
    assert devstack_refusal(single_app(ANNOTATIONS.CASES[case])) == worker
    assert (worker is None) == (case in LOADED), worker
