"""Fixtures: an emulator with a settable clock and a raw-HTTP client for it (werkzeug test client)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from werkzeug.test import Client, TestResponse

from devstack.dataverse_emulator import DataverseEmulator

API = "/api/data/v9.2/"
TOKEN = "test-token"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class ApiResponse(TestResponse):
    @property
    def json(self) -> Any:
        # tests read JSON only where the emulator answers JSON; a non-JSON body reads as None
        return self.get_json(silent=True)


class Api:
    """Raw HTTP against the emulator: paths are relative to /api/data/v9.2/ unless they start with '/'."""

    def __init__(self, emulator: DataverseEmulator) -> None:
        self.emulator = emulator
        self.client = Client(emulator.wsgi_app, response_wrapper=ApiResponse)

    def request(self, method: str, path: str, *, token: str | None = TOKEN, **kwargs: Any) -> ApiResponse:
        headers = dict(kwargs.pop("headers", {}) or {})
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        url = path if path.startswith("/") or path.startswith("http") else API + path
        return cast(ApiResponse, self.client.open(url, method=method, headers=headers, **kwargs))

    def get(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("DELETE", path, **kwargs)

    def create(self, entity_set: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST with return=representation; fails the test with the emulator's answer if not 201."""
        response = self.post(entity_set, json=body, headers={"Prefer": "return=representation"})
        assert response.status_code == 201, response.get_data(as_text=True)
        data: dict[str, Any] = response.json
        return data


def stored(emulator: DataverseEmulator, table: str, row_id: str) -> dict[str, Any]:
    """The stored row, which the test expects to exist."""
    row = emulator.store.get(table, row_id)
    assert row is not None, f"no {table} row {row_id}"
    return row


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator(clock: Clock) -> Iterator[DataverseEmulator]:
    emu = DataverseEmulator(clock=clock)
    yield emu
    emu.webhooks.stop()


@pytest.fixture
def api(emulator: DataverseEmulator) -> Api:
    return Api(emulator)


@pytest.fixture
def configuration(api: Api) -> dict[str, Any]:
    return api.create(
        "smsb_configurations",
        {
            "smsb_name": "Main",
            "smsb_mobilenumber": "+15005550006",
            "smsb_accountsid": "AC11111111111111111111111111111111",
        },
    )
