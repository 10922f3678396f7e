"""The files one running devstack keeps, in a folder of its own: ``.devstack/instances/<function app port>/``.

Two ``make run``s on different ports never share a file: each has its folder, named after the port its function
app listens on (no two running devstacks can hold the same one).

- ``settings.json`` — the app settings ``smsbridge`` reads while the devstack runs, as ``local.settings.json``
  (``Values``), plus ``Devstack`` (its pid and URLs) so ``smsbridge`` can tell a running devstack from one that
  was killed. Written atomically, mode 0600; removed at stop, and only by the process that wrote it.
- ``tls/`` — the local CA and the https certificate (``tls.py``); kept, so the next run on the same ports
  serves the CA people already trust.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from devstack.paths import STATE_DIR

__all__ = ["INSTANCES_DIR", "InstanceFolder", "write_atomically"]

INSTANCES_DIR = STATE_DIR / "instances"


def write_atomically(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` in one rename: a reader sees the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@dataclass(frozen=True)
class InstanceFolder:
    path: Path

    @classmethod
    def for_port(cls, functions_port: int, base: Path = INSTANCES_DIR) -> InstanceFolder:
        return cls(base / str(functions_port))

    @property
    def settings_file(self) -> Path:
        return self.path / "settings.json"

    @property
    def tls_folder(self) -> Path:
        return self.path / "tls"

    def write_settings(self, values: Mapping[str, str], about: Mapping[str, str | int]) -> None:
        """Leave the settings where ``smsbridge`` (run from the project folder) finds them while the stack runs."""
        document = {"IsEncrypted": False, "Values": dict(values), "Devstack": {"pid": os.getpid(), **about}}
        write_atomically(self.settings_file, json.dumps(document, indent=2).encode("utf-8"), mode=0o600)

    def remove_settings(self) -> bool:
        """Remove ``settings.json`` if this process wrote it; True when it was removed."""
        try:
            document = json.loads(self.settings_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return False
        owner = document.get("Devstack", {}).get("pid") if isinstance(document, dict) else None
        if owner != os.getpid():
            return False
        self.settings_file.unlink(missing_ok=True)
        return True
