"""The routing table and the handlers it reaches, each over the small interfaces it is given (no emulator)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from werkzeug.datastructures import Headers

from devstack.dataverse_emulator import ODataError
from devstack.dataverse_emulator.batch import run_batch
from devstack.dataverse_emulator.protocol import Call, Outcome, WriteEvent
from devstack.dataverse_emulator.read_view import ReadView
from devstack.dataverse_emulator.reads import Reader
from devstack.dataverse_emulator.routing import ANY, Routed, Router, route
from devstack.dataverse_emulator.rows import Rows
from devstack.dataverse_emulator.store import Store
from solution.schema import Column, ColumnType, Ownership, Schema, Table

from .conftest import Api

BASE = "https://contoso.crm.dynamics.com/api/data/v9.2/"
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
WIDGET = Table(
    logical_name="new_widget", entity_set="new_widgets", display_name="Widget", display_plural="Widgets",
    description="", ownership=Ownership.ORGANIZATION, primary_id="new_widgetid", primary_name="new_name",
    columns=(Column("new_widgetid", ColumnType.UNIQUEIDENTIFIER, "Widget"),
             Column("new_name", ColumnType.STRING, "Name", max_length=100),
             Column("versionnumber", ColumnType.BIGINT, "Version Number")),
)


def call(method: str, path: str, body: bytes = b"", **headers: str) -> Call:
    return Call(method, path, [], Headers(headers), body, BASE)


def answer(text: str) -> Any:
    def handler(routed: Routed) -> Outcome:
        return Outcome.json(200, {"by": text, "groups": routed.match.groupdict()})

    return handler


def answered_by(outcome: Outcome) -> Any:
    return json.loads(outcome.body)["by"]


# --- the router ---


def test_the_first_route_that_fits_answers() -> None:
    router = Router([route(ANY, r"WhoAmI", answer("first")), route(ANY, r"\w+", answer("second"))])

    assert answered_by(router.dispatch(call("GET", "WhoAmI"), [])) == "first"
    assert answered_by(router.dispatch(call("GET", "contacts"), [])) == "second"


def test_a_route_of_other_methods_passes_the_call_to_the_next_that_fits() -> None:
    router = Router([
        route("GET", r"(?P<set>\w+)", answer("query")),
        route("POST", r"(?P<set>\w+)", answer("create")),
        route(ANY, r"(?P<set>\w+)", answer("no such method")),
    ])

    assert answered_by(router.dispatch(call("POST", "contacts"), [])) == "create"
    assert answered_by(router.dispatch(call("PUT", "contacts"), [])) == "no such method"


def test_the_handler_reads_the_named_parts_of_the_path() -> None:
    router = Router([route("GET", r"(?P<set>\w+)\((?P<key>[^)]*)\)", answer("retrieve"))])

    outcome = router.dispatch(call("GET", "contacts(abc)"), [])

    assert json.loads(outcome.body)["groups"] == {"set": "contacts", "key": "abc"}


def test_a_guard_that_refuses_the_path_passes_the_call_on() -> None:
    known = {"teamroles_association"}
    router = Router([
        route(ANY, r"\w+\(\w+\)/(?P<nav>\w+)", answer("association"), guard=lambda m: m["nav"] in known),
        route(ANY, r".*", answer("anything else")),
    ])

    assert answered_by(router.dispatch(call("GET", "teams(1)/teamroles_association"), [])) == "association"
    assert answered_by(router.dispatch(call("GET", "teams(1)/members"), [])) == "anything else"


def test_a_path_no_route_fits_is_refused_by_name() -> None:
    router = Router([route(ANY, r"WhoAmI", answer("who"))])

    with pytest.raises(ODataError) as raised:
        router.dispatch(call("GET", "contacts/$links"), [])

    assert raised.value.status == 501
    assert "contacts/$links" in raised.value.message


def test_the_emulator_refuses_a_method_a_set_does_not_take_only_once_the_set_is_known(api: Api) -> None:
    assert api.request("PUT", "contacts").status_code == 405
    assert api.request("PUT", "no_such_things").status_code == 404


# --- $batch over the dispatch and the store it is given ---


def batch_call(*parts: tuple[str, str], changeset: bool = False) -> Call:
    def part(method: str, url: str) -> str:
        return (f"Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
                f"{method} {BASE}{url} HTTP/1.1\r\nAccept: application/json\r\n\r\n")

    if changeset:
        inner = "".join(f"--cs\r\n{part(m, u)}" for m, u in parts) + "--cs--\r\n"
        body = f"--b\r\nContent-Type: multipart/mixed; boundary=cs\r\n\r\n{inner}--b--\r\n"
    else:
        body = "".join(f"--b\r\n{part(m, u)}" for m, u in parts) + "--b--\r\n"
    return call("POST", "$batch", body.encode(), **{"Content-Type": "multipart/mixed; boundary=b"})


def test_a_batch_runs_each_part_through_the_dispatch_it_is_given_in_order() -> None:
    seen: list[tuple[str, str]] = []

    def dispatch(part: Call, events: list[WriteEvent]) -> Outcome:
        seen.append((part.method, part.path))
        return Outcome(204)

    store = Store(Schema(tables=(WIDGET,), relationships=()), lambda: NOW)
    outcome = run_batch(dispatch, store, batch_call(("DELETE", "new_widgets(1)"), ("GET", "new_widgets")), [])

    assert outcome.status == 200
    assert seen == [("DELETE", "new_widgets(1)"), ("GET", "new_widgets")]


def test_a_changeset_whose_last_part_fails_takes_back_what_the_first_part_stored() -> None:
    store = Store(Schema(tables=(WIDGET,), relationships=()), lambda: NOW)

    def dispatch(part: Call, events: list[WriteEvent]) -> Outcome:
        if part.method == "DELETE":
            return Outcome.error(ODataError(404, "0x80040217", "new_widget With Id = 1 Does Not Exist"))
        store.insert("new_widget", {"new_name": "written, then taken back"})
        return Outcome(204)

    outcome = run_batch(dispatch, store, batch_call(("POST", "new_widgets"), ("DELETE", "new_widgets(1)"),
                                                    changeset=True), [])

    assert outcome.status == 404
    assert store.rows("new_widget") == []


# --- reads over the access checker they are given ---


class OnlyNamed:
    """An access checker that lets the user read the rows whose name it lists."""

    def __init__(self, *names: str) -> None:
        self.names = set(names)

    def readable(self, table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [row for row in rows if row.get("new_name") in self.names]

    def allows(self, verb: str, table: Table, row: Mapping[str, Any] | None) -> bool:
        return row is not None and row.get("new_name") in self.names

    def check(self, verb: str, table: Table, row: Mapping[str, Any] | None) -> None:
        if not self.allows(verb, table, row):
            raise ODataError(403, "0x80048306", f"no {verb} access")

    def check_read(self, table: Table, row: Mapping[str, Any]) -> None:
        self.check("Read", table, row)

    def check_create(self, table: Table, row: Mapping[str, Any]) -> None:
        self.check("Create", table, row)

    def check_update(self, table: Table, before: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        self.check("Write", table, before)

    def check_delete(self, table: Table, row: Mapping[str, Any]) -> None:
        self.check("Delete", table, row)


class Definitions:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def replace_schema(self, schema: Schema) -> None:
        self.schema = schema


def reader_over(access: OnlyNamed) -> tuple[Reader, Store]:
    holder = Definitions(Schema(tables=(WIDGET,), relationships=()))
    store = Store(holder.schema, lambda: NOW)
    rows = Rows(store, holder)
    view = ReadView(holder, store, rows, access, clock=lambda: NOW, caller=lambda: "someone")
    return Reader(view, rows, access), store


def test_a_query_answers_only_the_rows_its_access_checker_lets_the_user_read() -> None:
    reader, store = reader_over(OnlyNamed("gear", "sprocket"))
    for name in ("gear", "sprocket", "secret"):
        store.insert("new_widget", {"new_name": name})

    outcome = reader.query(call("GET", "new_widgets"), WIDGET)

    assert sorted(r["new_name"] for r in json.loads(outcome.body)["value"]) == ["gear", "sprocket"]


def test_a_retrieve_the_access_checker_refuses_is_its_error() -> None:
    reader, store = reader_over(OnlyNamed("gear"))
    secret = store.insert("new_widget", {"new_name": "secret"})

    with pytest.raises(ODataError) as raised:
        reader.retrieve(call("GET", f"new_widgets({secret})"), WIDGET, secret)

    assert raised.value.status == 403
