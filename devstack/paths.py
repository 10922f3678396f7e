"""Where the project and the devstack's own files are; a leaf module, so any devstack module may import it."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ROOT", "STATE_DIR"]

ROOT = Path(__file__).resolve().parent.parent
# What running devstacks leave for people and for `smsbridge` (git-ignored): one folder per devstack, see instance.py.
STATE_DIR = ROOT / ".devstack"
