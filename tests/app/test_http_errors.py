"""The one exception → HTTP table: a webhook that can neither be looked up nor deferred is told when to come back."""

from __future__ import annotations

import json

from app.http import error_response
from messaging.errors import LookupUnavailable


def test_a_lookup_that_cannot_wait_is_a_503_with_retry_after_and_no_detail() -> None:
    response = error_response(LookupUnavailable("no Configuration map yet and too many requests are waiting"))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = json.loads(response.get_body())
    assert body["error"] == "busy"
    assert "Configuration map" not in body["message"]
