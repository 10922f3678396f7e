"""The package's files: ``solution.xml``, ``customizations.xml``, the web resources and controls, and
``[Content_Types].xml``; and the deterministic zip they are written into."""

from __future__ import annotations

import io
import zipfile

from ._customizations import customizations_xml, webresource_file
from ._manifest import solution_xml
from ._sources import Sources
from ._xml import etree
from ._xml import serialize as _serialize

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
ZIP_FILE_MODE = 0o644


def content_types_xml(names: list[str]) -> bytes:
    root = etree.Element("Types", nsmap={None: "http://schemas.openxmlformats.org/package/2006/content-types"})
    ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    extensions = sorted({n.rsplit(".", 1)[1].lower() for n in names if "." in n.rsplit("/", 1)[-1]} - {"xml"})
    # Exports give every part, xml included, the type application/octet-stream (pac-built zips: text/xml for xml).
    etree.SubElement(root, f"{ns}Default", Extension="xml", ContentType="application/octet-stream")
    for ext in extensions:
        etree.SubElement(root, f"{ns}Default", Extension=ext, ContentType="application/octet-stream")
    for name in names:  # web resource parts are named as exports name them, without an extension
        if "." not in name.rsplit("/", 1)[-1]:
            etree.SubElement(root, f"{ns}Override", PartName=f"/{name}", ContentType="application/octet-stream")
    return _serialize(root)


# --- zip ----------------------------------------------------------------------------------------------


def package_files(src: Sources, managed: bool) -> dict[str, bytes]:
    files: dict[str, bytes] = {
        "solution.xml": solution_xml(src, managed),
        "customizations.xml": customizations_xml(src),
    }
    for resource in src.webresources:
        files[webresource_file(resource).lstrip("/")] = resource.content
    for control in src.controls:
        for rel, content in control.files:
            files[f"{control.folder}/{rel}"] = content
    files.update(src.extra)
    files["[Content_Types].xml"] = content_types_xml(sorted(files))
    return files


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A deterministic zip: sorted entries (the three manifests first), fixed timestamps and attributes."""
    head = ["[Content_Types].xml", "solution.xml", "customizations.xml"]
    order = [n for n in head if n in files] + sorted(n for n in files if n not in head)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = ZIP_FILE_MODE << 16  # fixed, not taken from the build machine
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()
