"""Built front-end files the package carries when they exist: web resources and PCF controls.

* Web resources: every file under ``solution/app/webresources/`` (the app's own pages, if any) and
  ``frontend/webresources/dist/`` becomes the web resource named by its relative path, which starts with ``smsb_/``
  (``frontend/webresources/dist/smsb_/pane/inbox.html`` → ``smsb_/pane/inbox.html``); in the zip it is stored as
  an exported solution stores it, ``WebResources/<name without punctuation><id>``.
* PCF controls: every folder under ``frontend/chat-control/out/controls/`` holding a ``ControlManifest.xml``
  (the processed manifest pcf-scripts writes) becomes the custom control ``smsb_<namespace>.<constructor>``;
  its files go to ``Controls/<that name>/`` unchanged. Its data-set and property names are read from the
  manifest: forms bind a subgrid to the primary data-set and set the input properties.

Missing folders mean "nothing to add": the package then holds only tables, forms, views, roles and the app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ._xml import XMLSyntaxError, parse
from .definitions import SOLUTION_DIR

PREFIX = "smsb"
FRONTEND_DIR = SOLUTION_DIR.parent / "frontend"  # the npm workspace that builds the web resources and the control
WEBRESOURCES_DIR = FRONTEND_DIR / "webresources" / "dist"
APP_WEBRESOURCES_DIR = SOLUTION_DIR / "app" / "webresources"  # the packer's own pages, always in
CONTROLS_DIR = FRONTEND_DIR / "chat-control" / "out" / "controls"
# The chat control's source manifest: what a form binding needs (data-set, properties) without a build.
CHAT_CONTROL_MANIFEST = FRONTEND_DIR / "chat-control" / "TextSMSChatSystem" / "ControlManifest.Input.xml"

WEBRESOURCE_TYPES = {
    ".html": 1, ".htm": 1, ".css": 2, ".js": 3, ".xml": 4, ".png": 5, ".jpg": 6, ".jpeg": 6, ".gif": 7,
    ".xsl": 9, ".xslt": 9, ".ico": 10, ".svg": 11, ".resx": 12,
}


class AssetError(ValueError):
    """A built file cannot be packaged (unknown web resource type, unreadable control manifest)."""


@dataclass(frozen=True)
class WebResource:
    name: str  # smsb_/inbox.html
    type: int
    content: bytes


@dataclass(frozen=True)
class ControlProperty:
    """A ``<property>`` of a control's manifest."""

    name: str
    of_type: str  # Whole.None, SingleLine.Text, …
    usage: str  # input | bound | output
    default: str | None = None


@dataclass(frozen=True)
class CustomControl:
    name: str  # smsb_SmsBridge.TextSMSChatSystem
    files: tuple[tuple[str, bytes], ...]  # (path relative to the control folder, content), sorted
    datasets: tuple[str, ...] = ()  # <data-set name>s of the manifest, the primary one first
    properties: tuple[ControlProperty, ...] = ()

    @property
    def folder(self) -> str:
        return f"Controls/{self.name}"

    def property(self, name: str) -> ControlProperty | None:
        return next((p for p in self.properties if p.name == name), None)


def _files(root: Path) -> list[Path]:
    return sorted((p for p in root.rglob("*") if p.is_file()), key=lambda p: p.relative_to(root).as_posix())


def find_webresources(*roots: Path) -> tuple[WebResource, ...]:
    """Web resources from each folder (default: the app's own pages, then ``frontend/webresources/dist``)."""
    found: dict[str, WebResource] = {}
    for root in roots or (APP_WEBRESOURCES_DIR, WEBRESOURCES_DIR):
        for resource in _webresources_in(root):
            if resource.name in found:
                raise AssetError(f"{root}: web resource {resource.name!r} is built twice")
            found[resource.name] = resource
    return tuple(sorted(found.values(), key=lambda r: r.name))


def _webresources_in(root: Path) -> tuple[WebResource, ...]:
    if not root.is_dir():
        return ()
    found = []
    for path in _files(root):
        kind = WEBRESOURCE_TYPES.get(path.suffix.lower())
        if kind is None:
            if path.suffix.lower() == ".map":  # source maps stay out of the package
                continue
            raise AssetError(f"{path}: no web resource type for {path.suffix!r} files")
        name = path.relative_to(root).as_posix()
        if not name.startswith(f"{PREFIX}_/"):
            raise AssetError(f"{path}: web resources live under {root}/{PREFIX}_/ (the name is the relative path)")
        found.append(WebResource(name, kind, path.read_bytes()))
    return tuple(found)


# Microsoft Learn, "Create or edit model-driven app web resources": a name "can only include letters, numbers,
# periods, and nonconsecutive forward slash" characters (after the publisher prefix and its underscore).
_WEBRESOURCE_NAME = re.compile(r"[A-Za-z0-9_.]+(/[A-Za-z0-9_.]+)*")


def merge_webresources(*groups: tuple[WebResource, ...]) -> tuple[WebResource, ...]:
    """Web resources of several sources in one list by name; a name given twice, or one Dataverse would refuse, is
    an error."""
    found: dict[str, WebResource] = {}
    for group in groups:
        for resource in group:
            if resource.name in found:
                raise AssetError(f"web resource {resource.name!r} is built twice")
            if not _WEBRESOURCE_NAME.fullmatch(resource.name):
                raise AssetError(f"{resource.name!r}: a web resource name takes letters, digits, periods, underscores"
                                 " and single slashes only")
            found[resource.name] = resource
    return tuple(sorted(found.values(), key=lambda r: r.name))


def find_controls(root: Path | None = None) -> tuple[CustomControl, ...]:
    root = CONTROLS_DIR if root is None else root
    if not root.is_dir():
        return ()
    found = []
    for folder in sorted(p for p in root.iterdir() if (p / "ControlManifest.xml").is_file()):
        files = tuple((p.relative_to(folder).as_posix(), p.read_bytes()) for p in _files(folder))
        found.append(read_manifest(folder / "ControlManifest.xml", files))
    return tuple(found)


def read_manifest(path: Path, files: tuple[tuple[str, bytes], ...] = ()) -> CustomControl:
    """The control a manifest declares: its name, data-sets and properties (``ControlManifest.Input.xml``, the
    source, declares them as the built ``ControlManifest.xml`` does)."""
    try:
        manifest = parse(path.read_bytes())
    except (OSError, XMLSyntaxError) as exc:
        raise AssetError(f"{path}: {exc}") from exc
    control = manifest.find("control")
    if control is None or not control.get("namespace") or not control.get("constructor"):
        raise AssetError(f"{path}: no <control namespace=… constructor=…>")
    name = f"{PREFIX}_{control.get('namespace')}.{control.get('constructor')}"
    datasets = tuple(d.get("name", "") for d in control.iterfind("data-set"))
    properties = tuple(
        ControlProperty(p.get("name", ""), p.get("of-type", ""), p.get("usage", ""), p.get("default-value"))
        for p in control.iterfind("property")
    )
    return CustomControl(name, files, datasets, properties)
