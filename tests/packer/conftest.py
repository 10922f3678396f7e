"""The package built once from the repository's definitions, and its XML parsed for the tests."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import pytest

from solution.packer import build, default_sources
from solution.packer._package import Sources
from solution.packer._xml import Element, parse


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


@pytest.fixture(scope="session")
def built() -> Built:
    sources = default_sources()
    data = build(sources=sources)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return Built(sources, data, files, parse(files["solution.xml"]), parse(files["customizations.xml"]))
