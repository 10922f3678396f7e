from __future__ import annotations

import azure.functions as func
import pytest
import requests
from werkzeug.test import Client

from devstack.config import HostConfig
from devstack.functions import AppIndexError, index_app
from devstack.host import FunctionHost, HostOptions
from tests.host.sample_app import Journal, build_app

FUNCTION_KEY = "function-key-for-tests"
MASTER_KEY = "master-key-for-tests"


@pytest.fixture
def host() -> FunctionHost:
    options = HostOptions(port=0, function_key=FUNCTION_KEY, master_key=MASTER_KEY,
                          run_timers=False, run_queues=False)
    return FunctionHost(build_app(Journal()), HostConfig(route_prefix="api"), options, env={})


@pytest.fixture
def client(host: FunctionHost) -> Client:
    return Client(host.http)


def test_route_parameters_and_query_reach_the_function(client: Client) -> None:
    response = client.get("/api/items/42?name=bo&x=%2B1")
    assert response.status_code == 202
    body = response.get_json()
    assert body["route"] == {"item_id": "42"}
    assert body["params"] == {"name": "bo", "x": "+1"}
    # The raw query keeps its original encoding: Twilio signatures are computed over it.
    assert body["url"].endswith("/api/items/42?name=bo&x=%2B1")


def test_unknown_path_is_404_and_wrong_method_is_405(client: Client) -> None:
    assert client.get("/api/nothing-here").status_code == 404
    assert client.get("/items/42").status_code == 404  # the route prefix is required
    response = client.delete("/api/items/42")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/api/secure", {}, 401),
        ("/api/secure?code=wrong", {}, 401),
        ("/api/secure?code=" + FUNCTION_KEY, {}, 200),
        ("/api/secure", {"x-functions-key": FUNCTION_KEY}, 200),
        ("/api/secure?code=" + MASTER_KEY, {}, 200),
        ("/api/admin/things?code=" + FUNCTION_KEY, {}, 401),
        ("/api/admin/things", {"x-functions-key": MASTER_KEY}, 200),
        ("/api/numbers/21", {}, 200),
    ],
)
def test_auth_levels(client: Client, path: str, headers: dict[str, str], status: int) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.data == b""


def test_typed_optional_and_catch_all_parameters(client: Client) -> None:
    assert client.get("/api/numbers/21").data == b"42"
    assert client.get("/api/numbers/abc").status_code == 404
    assert client.get("/api/files/a/b/c.txt").data == b"a/b/c.txt"
    assert client.get("/api/greet/ana").data == b"hello ana"
    assert client.get("/api/greet").data == b"hello stranger"


def test_async_function_sees_every_repeated_form_value(client: Client) -> None:
    response = client.post("/api/form", data="MediaUrl=a&MediaUrl=b&Body=hi",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert response.get_json() == {"MediaUrl": ["a", "b"], "Body": ["hi"]}


def test_unhandled_error_is_a_500_without_details(client: Client) -> None:
    response = client.get("/api/broken")
    assert response.status_code == 500
    assert b"handler bug" not in response.data


def test_parameters_that_are_not_bindings_are_refused_like_the_worker() -> None:
    app = func.FunctionApp()

    @app.route(route="bad", auth_level=func.AuthLevel.ANONYMOUS)
    def bad(req: func.HttpRequest, extra: str) -> func.HttpResponse:
        return func.HttpResponse("")

    refusal = r"^cannot load the bad function: the following parameters are declared in Python but not .*\{'extra'\}$"
    with pytest.raises(AppIndexError, match=refusal):
        index_app(app, {})


def test_app_setting_expressions_in_bindings_resolve() -> None:
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name="%WORK_QUEUE%", connection="AzureWebJobsStorage")
    def worker(msg: func.QueueMessage) -> None:
        return None

    (spec,) = index_app(app, {"WORK_QUEUE": "resolved-queue"})
    assert spec.queue_name == "resolved-queue"


def test_serves_on_loopback(host: FunctionHost) -> None:
    host.start()
    try:
        assert host.url.startswith("http://127.0.0.1:")
        response = requests.get(host.url + "/api/numbers/5", timeout=5)
        assert (response.status_code, response.text) == (200, "10")
        assert requests.get(host.url + "/api/secure", timeout=5).status_code == 401
    finally:
        host.stop()


def test_async_function_runs_when_the_caller_already_has_an_event_loop(client: Client) -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def inside_a_loop() -> int:
        return client.post("/api/form", data="Body=hi", content_type="application/x-www-form-urlencoded").status_code

    # The caller's loop runs in a thread of its own, so this test does not depend on the test runner's thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, inside_a_loop()).result(timeout=30) == 200
