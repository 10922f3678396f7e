"""The user guide shipped inside the solution: docs/user-guide.md rendered at build time, its pictures packed."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

import pytest

from solution.packer._assets import AssetError, WebResource, merge_webresources
from solution.packer._help import GUIDE, PAGE, render, user_guide


class _Pictures(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.append(dict(attrs)["src"] or "")
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")


def _packed(built) -> dict[str, tuple[int, bytes]]:
    resources = {}
    for node in built.customizations.iterfind("WebResources/WebResource"):
        resources[node.findtext("Name")] = (int(node.findtext("WebResourceType")),
                                            built.files[node.findtext("FileName").lstrip("/")])
    return resources


def test_help_user_manual_opens_the_user_guide_packed_in_the_solution(built):
    packed = _packed(built)
    (url,) = built.customizations.xpath("//SiteMap//SubArea[@Id='smsb_sub_usermanual']/@Url")
    assert url == f"$webresource:{PAGE}"
    kind, page = packed[PAGE]
    assert kind == 1
    text = page.decode("utf-8")
    assert "<h1>User guide</h1>" in text
    for heading in re.findall(r"^## (.+)$", GUIDE.read_text(encoding="utf-8"), flags=re.MULTILINE):
        assert f"<h2>{heading.replace('&', '&amp;')}</h2>" in text


def test_every_picture_the_page_shows_is_packed_next_to_it(built):
    packed = _packed(built)
    parser = _Pictures()
    parser.feed(packed[PAGE][1].decode("utf-8"))
    shown = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", GUIDE.read_text(encoding="utf-8"))
    assert len(parser.sources) == len(shown) >= 4
    for source, original in zip(parser.sources, shown, strict=True):
        name = (PurePosixPath(PAGE).parent / source).as_posix()
        assert name in packed, name
        kind, data = packed[name]
        assert kind == 5  # PNG
        assert data == (GUIDE.parent / original).read_bytes()
    assert not parser.links or all("://" in link or link.startswith("#") for link in parser.links)


def test_every_packed_web_resource_has_a_name_dataverse_accepts(built):
    for name in _packed(built):
        assert re.fullmatch(r"[A-Za-z0-9_.]+(/[A-Za-z0-9_.]+)*", name), name
    with pytest.raises(AssetError, match="letters, digits, periods"):
        merge_webresources((WebResource("smsb_/help/inbox-pane.png", 5, b""),))


def test_links_to_other_files_of_the_repository_keep_their_text_without_a_link(tmp_path: Path):
    page = render("See [the admin guide](admin-guide.md#roles) or [Twilio](https://www.twilio.com/).\n", tmp_path)
    assert "See the admin guide or" in page.html
    assert '<a href="https://www.twilio.com/">Twilio</a>' in page.html
    assert "admin-guide.md" not in page.html


def test_a_picture_the_guide_shows_but_the_repository_lacks_fails_the_build(tmp_path: Path):
    guide = tmp_path / "user-guide.md"
    guide.write_text("# User guide\n\n![Gone](screenshots/missing.png)\n", encoding="utf-8")
    with pytest.raises(AssetError, match=r"missing\.png"):
        user_guide(guide)
