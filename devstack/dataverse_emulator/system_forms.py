"""Forms (``systemforms``) and publishing them (``PublishXml``, ``PublishAllXml``).

Every table with forms has its main form (``form_defaults.py``): the standard tables' with their real ids and names,
a table created through the metadata API one named "Information", as Dataverse gives it. What is served, as the
Web API documents it (https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/systemform,
"Publish customizations" and the PublishXml action with its ``ParameterXml`` schema, vendored in
``solution/packer/schemas/ParameterXml.xsd``):

* ``GET systemforms`` with ``$select``, ``$filter`` (``objecttypecode eq 'contact' and type eq 2`` …), ``$orderby``,
  ``$top``; ``GET systemforms(<id>)`` with ``$select``. They answer the *published* form: a change is seen once
  it is published (Retrieve reads published customizations; RetrieveUnpublished, not emulated, reads the rest);
* ``PATCH systemforms(<id>)`` with ``formxml`` (a ``<form>`` document; malformed XML is 400), ``name`` or
  ``description``: the form's unpublished customization; ``formactivationstate`` (0/1) switches it off or on;
* ``POST PublishXml {"ParameterXml": "<importexportxml><entities><entity>contact</entity>…"}`` publishes those
  tables' forms; ``PublishAllXml`` publishes every form. A ``ParameterXml`` the schema refuses is 400.

With the product installed, the standard tables' forms carry the chat tabs its package adds to them (the
differential FormXml of ``solution/forms/<table>.toml``'s ``[[chat_tabs]]``), as importing it merges them.

Not emulated, answered 501 naming it: creating, deleting and copying forms, other columns, forms other than main
forms, and publishing ribbons, dashboards, option sets, site maps and web resources by ``ParameterXml``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from solution.packer.chat_tab import add_chat_tab, repository_chat_tabs
from solution.packer.definitions import SESSION_TABLE
from solution.packer.validation import SCHEMAS_DIR
from solution.schema import Column, ColumnType, Ownership, Table

from . import errors
from .errors import ODataError
from .filters import parse_filter
from .form_defaults import MAIN_FORM, default_form_xml, main_form_id, main_form_name, takes_forms
from .ports import Clock, SchemaHolder, TableVisibility
from .protocol import Call, Outcome, json_body
from .query_options import check_query_options, getter, parse_orderby, parse_select, parse_top, sorted_rows
from .routing import Routed

__all__ = ["SYSTEMFORM", "SystemForms"]

_FORM_TYPES = (0, 1, 2, 5, 6, 7, 11)  # Dashboard, AppointmentBook, Main, Mobile, Quick View, Quick Create, Interactive
SYSTEMFORM = Table(
    logical_name="systemform", entity_set="systemforms", display_name="System Form", display_plural="System Forms",
    description="Dataverse's forms (emulated: main forms).", ownership=Ownership.ORGANIZATION, primary_id="formid",
    primary_name="name", is_custom=False,
    columns=(
        Column("formid", ColumnType.UNIQUEIDENTIFIER, "Form"),
        Column("name", ColumnType.STRING, "Name", max_length=100),
        Column("description", ColumnType.MEMO, "Description", max_length=2000),
        Column("objecttypecode", ColumnType.STRING, "Entity Name", max_length=64),
        Column("type", ColumnType.INTEGER, "Form Type"),
        Column("formxml", ColumnType.MEMO, "Form XML", max_length=1073741823),
        Column("formactivationstate", ColumnType.INTEGER, "Form State"),
        Column("isdefault", ColumnType.BOOLEAN, "Is Default"),
        Column("publishedon", ColumnType.DATETIME, "Published On"),
    ),
)
_WRITABLE = ("formxml", "name", "description", "formactivationstate")
_PUBLISH_KINDS = ("ribbons", "dashboards", "optionsets", "sitemaps", "webresources")


@dataclass
class _Form:
    id: str  # braced, lower case
    table: str
    name: str
    description: str
    published: str
    publishedon: datetime
    active: int = 1  # formactivationstate: 1 active, 0 inactive (applies at once, as switching a form off does)
    unpublished: dict[str, str] = field(default_factory=dict)  # column -> value changed since the last publish

    def row(self) -> dict[str, Any]:
        return {"formid": self.id.strip("{}"), "name": self.name, "description": self.description,
                "objecttypecode": self.table, "type": MAIN_FORM, "formxml": self.published,
                "formactivationstate": self.active, "isdefault": True, "publishedon": self.publishedon}

    def publish(self, when: datetime) -> bool:
        if not self.unpublished:
            return False
        self.published = self.unpublished.get("formxml", self.published)
        self.name = self.unpublished.get("name", self.name)
        self.description = self.unpublished.get("description", self.description)
        self.unpublished.clear()
        self.publishedon = when
        return True


@functools.cache
def _parameter_schema() -> Any:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(SCHEMAS_DIR / "ParameterXml.xsd"), parser))


def _parse(text: str) -> Any:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.fromstring(text.encode("utf-8"), parser)


class SystemForms:
    """The org's main forms, made for each table the first time they are asked for, and their publishing."""

    def __init__(self, *, holder: SchemaHolder, tables: TableVisibility, clock: Clock,
                 published: Callable[[Routed], Outcome]) -> None:
        self._holder = holder
        self._tables = tables
        self._clock = clock
        self._published = published  # what the org does after a publish (the solution layer counts them)
        self._forms: dict[str, _Form] = {}
        self._layered: set[str] = set()  # forms the installed product's chat tabs were merged into

    def reset(self) -> None:
        self._forms.clear()
        self._layered.clear()

    def main_forms(self, table: str) -> list[dict[str, Any]]:
        """The published main forms of ``table`` (``formid``, ``name``, ``formxml`` …), as ``systemforms`` answers."""
        return [f.row() for f in self._current() if f.table == table]

    def _current(self) -> list[_Form]:
        """The forms of the tables the org has now: new tables get theirs, deleted tables' forms go."""
        schema = self._holder.schema
        tables = {t.logical_name: t for t in schema.tables if takes_forms(t) and self._tables.visible(t)}
        for form_id in [i for i, f in self._forms.items() if f.table not in tables]:
            del self._forms[form_id]
            self._layered.discard(form_id)
        known = {f.table for f in self._forms.values()}
        for name, table in tables.items():
            if name not in known:
                form_id = main_form_id(name)
                self._forms[form_id] = _Form(form_id, name, main_form_name(table), "",
                                             default_form_xml(table, form_id), self._clock())
        if SESSION_TABLE in tables:
            self._install_chat_tabs()
        return sorted(self._forms.values(), key=lambda f: (f.table, f.name))

    def _install_chat_tabs(self) -> None:
        """With the product installed, the standard forms carry the chat tabs its package ships (the differential
        FormXml of ``solution/forms/<table>.toml``'s ``[[chat_tabs]]``), merged as an import merges them."""
        for chat in repository_chat_tabs():
            form = self._forms.get(chat.form_id)
            if form is None or form.id in self._layered:
                continue
            self._layered.add(form.id)
            merged = add_chat_tab(form.published, chat)
            if merged is not None:
                form.published = merged

    # --- systemforms ---

    def handle(self, routed: Routed) -> Outcome:
        call, key = routed.call, routed.get("key")
        if key is None:
            if call.method == "GET":
                return self._query(call)
            raise errors.unsupported(f"{call.method} systemforms (creating forms)")
        form = self._find(key)
        if call.method == "GET":
            check_query_options(call, single=True, allowed=frozenset({"$select"}))
            return Outcome.json(200, self._represent(call, form.row(), single=True))
        if call.method == "PATCH":
            return self._update(call, form)
        raise errors.unsupported(f"{call.method} systemforms({key}) (deleting or replacing forms)")

    def _find(self, key: str) -> _Form:
        wanted = "{" + key.strip().strip("{}").lower() + "}"
        forms = {f.id: f for f in self._current()}
        if wanted not in forms:
            raise errors.not_found("systemform", key)
        return forms[wanted]

    def _query(self, call: Call) -> Outcome:
        check_query_options(call, allowed=frozenset({"$select", "$filter", "$orderby", "$top"}))
        rows = [f.row() for f in self._current()]
        text = call.param("$filter")
        if text:
            predicate = parse_filter(SYSTEMFORM, text)
            rows = [r for r in rows if predicate(getter(r))]
        order = call.param("$orderby")
        if order:
            rows = sorted_rows(rows, parse_orderby(SYSTEMFORM, order))
        top = call.param("$top")
        if top:
            rows = rows[: parse_top(top)]
        payload = {"@odata.context": f"{call.base_url}$metadata#systemforms",
                   "value": [self._represent(call, r) for r in rows]}
        return Outcome.json(200, payload)

    def _represent(self, call: Call, row: dict[str, Any], *, single: bool = False) -> dict[str, Any]:
        text = call.param("$select")
        names = parse_select(SYSTEMFORM, text) if text else [c.name for c in SYSTEMFORM.columns]
        names = list(dict.fromkeys(["formid", *names]))
        out: dict[str, Any] = {}
        if single:
            out["@odata.context"] = f"{call.base_url}$metadata#systemforms/$entity"
        for name in names:
            value = row[name]
            out[name] = value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value
        return out

    def _update(self, call: Call, form: _Form) -> Outcome:
        if call.query:
            raise errors.unsupported(f"the query option '{call.query[0][0]}' on PATCH systemforms")
        body = json_body(call, "systemforms")
        others = sorted(k for k in body if k not in _WRITABLE and not k.startswith("@"))
        if others:
            raise errors.unsupported(f"updating the form columns {others} (only {list(_WRITABLE)})")
        for name in ("formxml", "name", "description"):
            if name in body and not isinstance(body[name], str):
                raise errors.payload_error("systemforms", f"'{name}' takes a string.")
        if "formactivationstate" in body:
            if body["formactivationstate"] not in (0, 1):
                raise errors.validation("formactivationstate is 0 (inactive) or 1 (active).")
            form.active = int(body["formactivationstate"])
        if "formxml" in body:
            _check_form_xml(body["formxml"])
        form.unpublished.update({k: body[k] for k in ("formxml", "name", "description") if k in body})
        return Outcome(204, [("OData-Version", "4.0"),
                             ("OData-EntityId", f"{call.base_url}systemforms({form.id.strip('{}')})")])

    # --- publishing ---

    def publish(self, routed: Routed) -> Outcome:
        """``PublishXml`` (the tables ``ParameterXml`` names) or ``PublishAllXml`` (everything)."""
        call = routed.call
        if call.method != "POST":
            raise ODataError(405, errors.BAD_PROPERTY,
                             f"The requested resource does not support http method '{call.method}'.")
        forms = self._current()
        if routed["action"] == "PublishAllXml":
            tables = {f.table for f in forms}
        else:
            tables = self._tables_to_publish(json_body(call, "PublishXml"))
        now = self._clock()
        for form in forms:
            if form.table in tables:
                form.publish(now)
        return self._published(routed)

    def _tables_to_publish(self, body: dict[str, Any]) -> set[str]:
        text = body.get("ParameterXml")
        if not isinstance(text, str) or not text.strip():
            raise errors.payload_error("PublishXml", "ParameterXml is required: <importexportxml>…</importexportxml>.")
        try:
            document = _parse(text)
        except etree.XMLSyntaxError as exc:
            raise ODataError(400, errors.INVALID_ARGUMENT, f"ParameterXml is not well-formed XML: {exc}") from None
        schema = _parameter_schema()
        if not schema.validate(document):
            raise ODataError(400, errors.INVALID_ARGUMENT,
                             f"ParameterXml does not follow the publish request schema: {schema.error_log.last_error}")
        kinds = sorted(k for k in _PUBLISH_KINDS if document.find(k) is not None)
        if kinds:
            raise errors.unsupported(f"publishing {', '.join(kinds)} by PublishXml (only entities)")
        names = [(e.text or "").strip().lower() for e in document.iterfind("entities/entity")]
        known = {t.logical_name for t in self._holder.schema.tables if self._tables.visible(t)}
        missing = [n for n in names if n not in known]
        if missing:
            # [org] the exact code Dataverse gives for an unknown table here is not documented
            raise ODataError(404, errors.NOT_FOUND, f"Could not find an entity named '{missing[0]}' to publish.")
        return set(names)


def _check_form_xml(text: str) -> None:
    try:
        root = _parse(text)
    except etree.XMLSyntaxError as exc:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"formxml is not well-formed XML: {exc}") from None
    if root.tag != "form":
        raise ODataError(400, errors.INVALID_ARGUMENT, f"formxml must be a <form> document, not <{root.tag}>.")
    if root.find("tabs/tab") is None:
        raise ODataError(400, errors.INVALID_ARGUMENT, "formxml must have at least one tab.")
