"""A small reader of infra/main.bicep's top-level declarations, for direct checks of what the template contains.

Only what the checks need: each ``param``/``var``/``resource``/``output`` with its decorators and its text (a
multi-line value runs until its brackets close), the resources' types and API versions, and the ``key: value``
lines of a body. It does not evaluate expressions; `az deployment group create` compiles the template itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Declaration", "Template", "read_template"]

_HEAD = re.compile(r"^(param|var|resource|output)\s+([A-Za-z_][A-Za-z0-9_]*)\b(.*)$")
_RESOURCE_TYPE = re.compile(r"^\s*'([^'@]+)@([^']+)'")
_OPENERS, _CLOSERS = "{[(", "}])"


@dataclass(frozen=True)
class Declaration:
    kind: str
    name: str
    text: str  # everything after the name, up to the end of the declaration
    decorators: tuple[str, ...] = ()

    @property
    def resource_type(self) -> str:
        match = _RESOURCE_TYPE.match(self.text)
        assert match is not None, f"{self.name} is not a resource"
        return match.group(1)

    @property
    def api_version(self) -> str:
        match = _RESOURCE_TYPE.match(self.text)
        assert match is not None, f"{self.name} is not a resource"
        return match.group(2)

    def value(self, key: str) -> str | None:
        """The text after ``key:`` on the first line that sets it, inside this declaration."""
        match = re.search(rf"^\s*{re.escape(key)}:\s*(.+?)\s*$", self.text, re.MULTILINE)
        return match.group(1) if match else None


@dataclass(frozen=True)
class Template:
    declarations: list[Declaration] = field(default_factory=list)

    def of_kind(self, kind: str) -> dict[str, Declaration]:
        return {d.name: d for d in self.declarations if d.kind == kind}

    @property
    def params(self) -> dict[str, Declaration]:
        return self.of_kind("param")

    @property
    def variables(self) -> dict[str, Declaration]:
        return self.of_kind("var")

    @property
    def resources(self) -> dict[str, Declaration]:
        return self.of_kind("resource")

    @property
    def outputs(self) -> dict[str, Declaration]:
        return self.of_kind("output")


def _depth_change(line: str) -> int:
    # Strings first (a URL's // is not a comment), then the comment: brackets in either do not count.
    text = re.sub(r"'(?:[^'\\]|\\.)*'", "''", line).split("//", 1)[0]
    return sum(text.count(c) for c in _OPENERS) - sum(text.count(c) for c in _CLOSERS)


def read_template(path: Path) -> Template:
    lines = path.read_text(encoding="utf-8").splitlines()
    declarations: list[Declaration] = []
    decorators: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("@"):
            decorator = [line]
            depth = _depth_change(line)
            while depth > 0:
                index += 1
                decorator.append(lines[index])
                depth += _depth_change(lines[index])
            decorators.append("\n".join(decorator))
        elif (head := _HEAD.match(line)) is not None:
            body = [head.group(3)]
            depth = _depth_change(line)
            while depth > 0:
                index += 1
                body.append(lines[index])
                depth += _depth_change(lines[index])
            declarations.append(Declaration(head.group(1), head.group(2), "\n".join(body), tuple(decorators)))
            decorators = []
        index += 1
    return Template(declarations)
