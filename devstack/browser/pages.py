"""HTML of the stand-in's pages, read straight from the emulator's store (the scripts then use the Web API)."""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from devstack.dataverse_emulator import DataverseEmulator

# Columns a record page shows above the chat, when the table has them.
SUMMARY_COLUMNS = ("mobilephone", "telephone1", "telephone2", "emailaddress1", "smsb_mobilenumber")


def _ref_id(value: Any) -> str:
    return str(getattr(value, "id", value) or "").strip("{}").lower()


def team_users(emulator: DataverseEmulator) -> list[dict[str, str]]:
    """The demo team's members, in the order they were added (the first is the default user)."""
    from devstack.dataverse_emulator.seed import TEAM_NAME

    store = emulator.store
    teams = [row for row in store.rows("team") if row.get("name") == TEAM_NAME]
    if not teams:
        return []
    team_id = _ref_id(teams[0].get("teamid"))
    users = []
    for membership in store.rows("teammembership"):
        if _ref_id(membership.get("teamid")) != team_id:
            continue
        user = store.get("systemuser", _ref_id(membership.get("systemuserid")))
        if user is not None:
            users.append({"id": _ref_id(user.get("systemuserid")), "name": str(user.get("fullname") or "")})
    return users


def record_summary(emulator: DataverseEmulator, table_name: str, row_id: str) -> dict[str, Any] | None:
    schema = emulator.schema
    if not schema.has_table(table_name):
        return None
    table = schema.table(table_name)
    row = emulator.store.get(table_name, row_id)
    if row is None:
        return None
    name = str(row.get(table.primary_name) or "") if table.primary_name else ""
    fields = []
    for column in SUMMARY_COLUMNS:
        found = table.find_column(column)
        if found is not None and row.get(column):
            fields.append({"label": found.display_name or column, "value": str(row[column])})
    return {
        "table": table_name,
        "entitySet": table.entity_set,
        "tableLabel": table.display_name,
        "id": row_id,
        "name": name or f"{table.display_name} {row_id}",
        "fields": fields,
    }


def _records(emulator: DataverseEmulator, table: str, name_column: str) -> list[tuple[str, str]]:
    if not emulator.schema.has_table(table):
        return []
    primary = emulator.schema.table(table).primary_id
    rows = [(str(r.get(name_column) or ""), _ref_id(r.get(primary))) for r in emulator.store.rows(table)]
    return sorted(rows)


def _user_query(context: dict[str, Any]) -> str:
    user = context.get("user")
    query = {"user": user["id"]} if user else {}
    if context.get("pollSeconds", 5) != 5:
        query["poll"] = str(context["pollSeconds"])
    return "?" + urlencode(query) if query else ""


def _shell(context: dict[str, Any], title: str, main: str, scripts: str = "") -> str:
    user = context.get("user")
    options = "".join(
        f'<option value="{escape(u["id"])}"{" selected" if user and u["id"] == user["id"] else ""}>'
        f'{escape(u["name"])}</option>'
        for u in context["users"]
    )
    missing = "".join(f'<p class="dv-missing" role="alert">{escape(m)}</p>' for m in context["missing"])
    boot = {k: context[k] for k in ("apiBase", "token", "user", "pollSeconds")}
    if "record" in context:
        boot["record"] = context["record"]
    boot_json = json.dumps(boot).replace("</", "<\\/")
    home = "/devstack/" + _user_query(context)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{escape(title)} - SMS Bridge devstack</title>
  <link rel="stylesheet" href="/devstack/static/app.css">
  <script type="application/json" id="dv-boot">{boot_json}</script>
</head>
<body>
  <header class="dv-header">
    <a class="dv-brand" href="{escape(home)}">SMS Bridge <span>devstack</span></a>
    <form class="dv-user" method="get" action="">
      <label for="dv-user">Signed in as</label>
      <select id="dv-user" name="user">{options}</select>
      <noscript><button type="submit">Switch</button></noscript>
    </form>
    <button type="button" id="dv-pane-toggle" class="dv-pane-toggle" aria-controls="dv-pane" aria-expanded="true">
      SMS <span id="dv-pane-badge" class="dv-badge" hidden></span>
    </button>
  </header>
  <div class="dv-layout">
    <main class="dv-main" id="dv-main">
      {missing}
      {main}
    </main>
    <aside class="dv-pane" id="dv-pane" aria-label="SMS side pane">
      <iframe id="dv-pane-frame" title="SMS inbox" src="{escape(context["pane"])}"></iframe>
    </aside>
  </div>
  <script src="/devstack/static/shell.js"></script>
  {scripts}
</body>
</html>
"""


def home(emulator: DataverseEmulator, context: dict[str, Any]) -> str:
    query = _user_query(context)

    def listing(title: str, table: str, name_column: str) -> str:
        items = "".join(
            f'<li><a href="/devstack/record/{table}/{row_id}{escape(query)}">{escape(name or row_id)}</a></li>'
            for name, row_id in _records(emulator, table, name_column)
        )
        return (f'<section class="dv-card" aria-labelledby="dv-{table}"><h2 id="dv-{table}">{title}</h2>'
                f'<ul class="dv-list">{items}</ul></section>')

    main = (
        "<h1>Customers</h1>"
        '<p class="dv-hint">Open a contact or account to chat with it. New texts show in the SMS pane.</p>'
        f'<div class="dv-grid">{listing("Contacts", "contact", "fullname")}'
        f'{listing("Accounts", "account", "name")}'
        f'{listing("Configurations", "smsb_configuration", "smsb_name")}</div>'
    )
    return _shell(context, "Customers", main)


def record(context: dict[str, Any]) -> str:
    found = context["record"]
    fields = "".join(
        f"<div><dt>{escape(f['label'])}</dt><dd>{escape(f['value'])}</dd></div>" for f in found["fields"]
    )
    back = "/devstack/" + _user_query(context)
    if found["table"] == "smsb_configuration":
        body = ('<section class="dv-card" aria-labelledby="dv-config-title">'
                '<h2 id="dv-config-title">Validation</h2>'
                '<div id="dv-form-notifications" role="status"></div>'
                '<dl id="dv-config-fields" class="dv-fields"></dl>'
                '<button type="button" id="dv-validate" class="dv-command">Validate</button></section>')
        scripts = ('<script src="/devstack/webresources/smsb_/scripts/smsbridge.js"></script>'
                   '<script src="/devstack/static/form-host.js"></script>')
    else:
        body = ('<section class="dv-card dv-chat" aria-labelledby="dv-chat-title">'
                '<h2 id="dv-chat-title">SMS chat</h2><div id="dv-chat-root"></div></section>')
        scripts = ('<script src="/devstack/lib/react.js"></script>'
                   '<script src="/devstack/lib/react-dom.js"></script>'
                   '<script src="/devstack/static/platform.js"></script>'
                   '<script src="/devstack/lib/fluent.js"></script>'
                   '<script src="/devstack/control/bundle.js"></script>'
                   '<script src="/devstack/static/pcf-host.js"></script>')
    main = (
        f'<nav aria-label="Breadcrumb" class="dv-crumbs"><a href="{escape(back)}">Customers</a> / '
        f'{escape(found["tableLabel"])}</nav>'
        f'<h1>{escape(found["name"])}</h1>'
        f'<dl class="dv-fields">{fields}</dl>'
        f"{body}"
    )
    return _shell(context, found["name"], main, scripts)


def not_found(context: dict[str, Any], message: str) -> str:
    return _shell(context, "Not found", f"<h1>Not found</h1><p>{escape(message)}</p>")
