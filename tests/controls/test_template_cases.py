"""The server renders templates exactly as the chat control previews them.

`frontend/shared/cases/template-cases.json` is shared with `frontend/shared/test/templates.test.ts` (the renderer of
the chat control and the Message Template form).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from messaging.errors import TemplateError
from messaging.outbound.templates import render

CASES_FILE = Path(__file__).resolve().parents[2] / "frontend" / "shared" / "cases" / "template-cases.json"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_server_renders_templates_like_the_chat_control(case: dict[str, object]) -> None:
    values = case["values"]
    assert isinstance(values, dict)
    if "error" in case:
        with pytest.raises(TemplateError) as raised:
            render(str(case["text"]), values)
        assert str(case["error"]) in str(raised.value)
    else:
        assert render(str(case["text"]), values) == case["expected"]
