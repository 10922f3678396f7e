"""The user guide inside the solution: ``docs/user-guide.md`` rendered to one HTML web resource at build time, with
every picture it shows packed as a web resource next to it.

* ``smsb_/help/userguide.html`` - the page the app's site map (Help → User Manual) and the chat's Help open;
* ``smsb_/help/screenshots/<name>.png`` - each picture the guide shows, named as a web resource may be named
  (letters, digits, periods, underscores and single slashes: Microsoft Learn, "Create or edit model-driven app web
  resources"), so ``inbox-pane-pending.png`` is packed as ``inbox_pane_pending.png`` and the page points there.

Markdown is rendered by ``markdown-it-py`` (CommonMark, with tables), pinned in ``requirements-dev.txt``. Links to
other Markdown files of the repository (the admin guide, operations) are not packed: their text stays, unlinked.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path, PurePosixPath
from typing import Any

from ._assets import AssetError, WebResource
from .definitions import SOLUTION_DIR

GUIDE = SOLUTION_DIR.parent / "docs" / "user-guide.md"
FOLDER = "smsb_/help"
PAGE = f"{FOLDER}/userguide.html"
_TYPES = {".png": 5, ".jpg": 6, ".jpeg": 6, ".gif": 7, ".svg": 11}
_STYLE = """
:root { font-family: "Segoe UI", system-ui, sans-serif; font-size: 15px; line-height: 1.5; color: #242424; }
body { margin: 0; background: #fff; }
main { max-width: 860px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 26px; } h2 { font-size: 20px; margin-top: 32px; border-bottom: 1px solid #e0e0e0; }
h3 { font-size: 17px; }
a { color: #0f548c; }
code { font-family: Consolas, monospace; background: #f5f5f5; padding: 0 3px; border-radius: 3px; }
pre { background: #f5f5f5; padding: 8px 12px; overflow-x: auto; border-radius: 4px; }
pre code { padding: 0; }
table { border-collapse: collapse; margin: 12px 0; }
th, td { border: 1px solid #d1d1d1; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
img { max-width: 100%; border: 1px solid #d1d1d1; border-radius: 4px; }
"""


@dataclass(frozen=True)
class UserGuide:
    """The rendered page and the pictures it shows (source file → web resource name)."""

    html: str
    pictures: dict[Path, str]


def picture_name(relative: str) -> str:
    """The web resource a picture of the guide becomes: ``screenshots/a-b.png`` → ``smsb_/help/screenshots/a_b.png``."""
    path = PurePosixPath(relative)
    return f"{FOLDER}/{path.parent.as_posix() + '/' if str(path.parent) != '.' else ''}{path.name.replace('-', '_')}"


def render(markdown: str, base: Path) -> UserGuide:
    """The guide's HTML page (pictures and links rewritten for the packed names) from its Markdown."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(markdown)
    pictures: dict[Path, str] = {}
    title = "SMS Bridge user guide"
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1" and index + 1 < len(tokens):
            title = tokens[index + 1].content or title
        _rewrite(token.children or [], base, pictures)
    body = parser.renderer.render(tokens, parser.options, {})
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} - SMS Bridge</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )
    return UserGuide(page, pictures)


def _rewrite(children: list[Any], base: Path, pictures: dict[Path, str]) -> None:
    unlinking = 0
    for token in children:
        if token.type == "image":
            source = str(token.attrGet("src") or "")
            if "://" in source or source.startswith("/"):
                raise AssetError(f"{GUIDE.name}: the picture {source!r} is not a file next to the guide")
            name = picture_name(source)
            pictures[(base / source).resolve()] = name
            token.attrSet("src", str(PurePosixPath(name).relative_to(FOLDER)))
        elif token.type == "link_open":
            href = str(token.attrGet("href") or "")
            if unlinking or (href.split("#", maxsplit=1)[0].endswith(".md") and "://" not in href):
                # Another file of the repository is not in the package: its text stays, without the link.
                unlinking += 1
                token.type, token.tag, token.attrs, token.content = "text", "", {}, ""
        elif token.type == "link_close" and unlinking:
            unlinking -= 1
            token.type, token.tag, token.content = "text", "", ""


def user_guide(path: Path = GUIDE) -> tuple[WebResource, ...]:
    """The page and its pictures as web resources; none when the guide is not there (a source tree without docs)."""
    if not path.is_file():
        return ()
    guide = render(path.read_text(encoding="utf-8"), path.parent)
    resources = [WebResource(PAGE, 1, guide.html.encode("utf-8"))]
    for source, name in sorted(guide.pictures.items(), key=lambda item: item[1]):
        kind = _TYPES.get(source.suffix.lower())
        if kind is None or not source.is_file():
            raise AssetError(f"{path.name}: picture {source} is missing or of a kind no web resource takes")
        resources.append(WebResource(name, kind, source.read_bytes()))
    return tuple(resources)


__all__ = ["FOLDER", "GUIDE", "PAGE", "UserGuide", "picture_name", "render", "user_guide"]
