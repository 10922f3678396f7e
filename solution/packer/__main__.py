"""``python -m solution.packer --out dist [--check]``: write the unmanaged and managed solution zips."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import default_sources, describe, write
from .validation import validate_package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m solution.packer", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: dist)")
    parser.add_argument("--no-check", action="store_true", help="skip the XSD validation of customizations.xml")
    args = parser.parse_args(argv)
    src = default_sources()
    paths = write(args.out, sources=src)
    for path in paths:
        data = path.read_bytes()
        if not args.no_check:
            errors = validate_package(data)
            if errors:
                sys.stderr.write("\n".join([f"{path}: customizations.xml does not match the schema:", *errors]) + "\n")
                return 1
        summary = describe(data)
        sys.stdout.write(
            f"{path} ({'managed' if summary.managed else 'unmanaged'} {summary.version}): "
            f"{len(summary.tables)} tables, {len(summary.roles)} roles, {len(summary.web_resources)} web resources, "
            f"{len(summary.custom_controls)} controls\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
