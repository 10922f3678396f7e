"""The package built once from the repository's definitions, and its XML parsed for the tests."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from dataclasses import dataclass

import pytest

from solution.packer import build, default_sources
from solution.packer._assets import CONTROLS_DIR, WEBRESOURCES_DIR
from solution.packer._frontend import PACKAGING_FILE
from solution.packer._sources import Sources
from solution.packer._xml import Element, parse
from solution.packer.definitions import SOLUTION_DIR

ROOT = SOLUTION_DIR.parent


@dataclass(frozen=True)
class Built:
    sources: Sources
    data: bytes
    files: dict[str, bytes]
    solution: Element
    customizations: Element

    def entity(self, name: str) -> Element:
        for node in self.customizations.iterfind("Entities/Entity"):
            if node.findtext("Name").lower() == name:
                return node
        raise AssertionError(f"no Entity {name!r} in customizations.xml")

    def form(self, table: str, name: str) -> Element:
        for node in self.entity(table).iterfind("FormXml/forms/systemform"):
            if node.find("LocalizedNames/LocalizedName").get("description") == name:
                return node
        raise AssertionError(f"no form {name!r} of {table}")

    def view(self, table: str, name: str) -> Element:
        for node in self.entity(table).iterfind("SavedQueries/savedqueries/savedquery"):
            if node.find("LocalizedNames/LocalizedName").get("description") == name:
                return node
        raise AssertionError(f"no view {name!r} of {table}")


def _built() -> Built:
    sources = default_sources()
    data = build(sources=sources)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return Built(sources, data, files, parse(files["solution.xml"]), parse(files["customizations.xml"]))


@pytest.fixture(scope="session")
def built() -> Built:
    """The package from whatever is built (a fresh clone: no web resources, no control)."""
    return _built()


CHAT_CONTROL_DIR = CONTROLS_DIR / "TextSMSChatSystem"


@pytest.fixture(scope="session")
def full() -> Built:
    """The package with the built front end in: web resources, the chat control and their wiring.

    Builds the web resources when they are missing and their dependencies are installed; fails with the
    command to run when a prerequisite is missing (the tests never skip it).
    """
    command = ["npm", "run", "build", "--workspace", "@smsb/webresources"]
    if not (WEBRESOURCES_DIR / "smsb_").is_dir():
        if not (ROOT / "node_modules" / "esbuild").is_dir() or shutil.which("npm") is None:
            pytest.fail(f"web resources are not built: run `make setup` and `{' '.join(command)}`")
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [shutil.which("npm") or "npm", *command[1:]], cwd=ROOT, capture_output=True, text=True,
            timeout=110, check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    if not (CHAT_CONTROL_DIR / "ControlManifest.xml").is_file():
        pytest.fail("the chat control is not built: run `make controls`")
    if not PACKAGING_FILE.is_file():
        pytest.fail(f"{PACKAGING_FILE} is missing")
    return _built()
