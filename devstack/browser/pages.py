"""HTML of the stand-in's pages, read straight from the emulator's store (the scripts then use the Web API)."""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .forms import CHAT_CONTROL

if TYPE_CHECKING:
    from devstack.dataverse_emulator import DataverseEmulator

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
    """The record a page shows: its table and name; None when there is no such table or row."""
    schema = emulator.schema
    if not schema.has_table(table_name):
        return None
    table = schema.table(table_name)
    row = emulator.store.get(table_name, row_id)
    if row is None:
        return None
    name = str(row.get(table.primary_name) or "") if table.primary_name else ""
    return {
        "table": table_name,
        "entitySet": table.entity_set,
        "tableLabel": table.display_name,
        "id": row_id,
        "name": name or f"{table.display_name} {row_id}",
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
    for key in ("record", "form"):
        if key in context:
            boot[key] = context[key]
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
    """A record page: the table's form as the solution ships it (``forms.py``), run by ``static/form-host.js``."""
    found, form = context["record"], context["form"]
    back = "/devstack/" + _user_query(context)
    scripts = ['<script src="/devstack/static/webapi.js"></script>']
    scripts += [f'<script src="/devstack/webresources/{escape(lib)}"></script>' for lib in form["libraries"]]
    scripts.append('<script src="/devstack/static/form-host.js"></script>')
    if any(grid["control"] == CHAT_CONTROL for grid in _subgrids(form)):
        scripts += ['<script src="/devstack/lib/react.js"></script>',
                    '<script src="/devstack/lib/react-dom.js"></script>',
                    '<script src="/devstack/static/platform.js"></script>',
                    '<script src="/devstack/lib/fluent.js"></script>',
                    '<script src="/devstack/control/bundle.js"></script>',
                    '<script src="/devstack/static/pcf-host.js"></script>']
    main = (
        f'<nav aria-label="Breadcrumb" class="dv-crumbs"><a href="{escape(back)}">Customers</a> / '
        f'{escape(found["tableLabel"])}</nav>'
        f"{form_html(found, form)}"
    )
    return _shell(context, found["name"], main, "".join(scripts))


def _subgrids(form: dict[str, Any]) -> list[dict[str, Any]]:
    return [s["subgrid"] for tab in form["tabs"] for s in tab["sections"] if s["subgrid"] is not None]


def form_html(found: dict[str, Any], form: dict[str, Any]) -> str:
    """Command bar, notifications, header and tabs of a form; values are filled in by the form host."""
    commands = "".join(
        f'<button type="button" class="dv-command-button" data-command="{escape(c["id"])}" hidden>'
        f'{escape(c["label"])}</button>' for c in form["commands"])
    header = "".join(
        f'<div><dt>{escape(f["label"])}</dt><dd data-header="{escape(f["name"])}">—</dd></div>'
        for f in form["header"])
    tabs = "".join(
        f'<button type="button" role="tab" id="dv-tab-{escape(t["name"])}"'
        f' aria-controls="dv-panel-{escape(t["name"])}" aria-selected="{"true" if i == 0 else "false"}"'
        f' tabindex="{0 if i == 0 else -1}">{escape(t["label"])}</button>'
        for i, t in enumerate(form["tabs"]))
    panels = "".join(_panel(tab, i == 0) for i, tab in enumerate(form["tabs"]))
    kind = found["tableLabel"] if form["name"] == found["tableLabel"] else f'{found["tableLabel"]} · {form["name"]}'
    return (
        f'<div class="dv-form" data-form="{escape(form["name"])}">'
        f'<div role="toolbar" aria-label="Commands" class="dv-commandbar">'
        f'<button type="button" class="dv-command-button" data-command="save">Save</button>{commands}</div>'
        '<div id="dv-form-notifications" class="dv-form-notifications" role="status" aria-live="polite"></div>'
        f'<div class="dv-form-header"><div><h1>{escape(found["name"])}</h1>'
        f'<p class="dv-form-name">{escape(kind)}</p></div>'
        f'<dl class="dv-header-fields">{header}</dl></div>'
        f'<div role="tablist" class="dv-tabs" aria-label="{escape(form["name"])}">{tabs}</div>{panels}</div>'
    )


def _panel(tab: dict[str, Any], selected: bool) -> str:
    columns = []
    for column in range(1, tab["columns"] + 1):
        sections = "".join(_section(s) for s in tab["sections"] if s["column"] == column)
        columns.append(f'<div class="dv-form-column">{sections}</div>')
    return (f'<div role="tabpanel" class="dv-tabpanel dv-columns-{tab["columns"]}" id="dv-panel-{escape(tab["name"])}"'
            f' aria-labelledby="dv-tab-{escape(tab["name"])}"{"" if selected else " hidden"}>{"".join(columns)}</div>')


def _section(section: dict[str, Any]) -> str:
    heading = f"dv-section-{escape(section['name'])}"
    body = "".join(_field(f) for f in section["fields"])
    for control in section["webresources"]:
        label = f'<p class="dv-label">{escape(control["label"])}</p>' if control["showLabel"] else ""
        body += (f'<div class="dv-webresource">{label}<iframe data-webresource-control="{escape(control["id"])}"'
                 f' title="{escape(control["label"])}" src="/devstack/webresources/{escape(control["webresource"])}"'
                 f' style="height:{24 * int(control["rows"]) + 8}px"></iframe></div>')
    grid = section["subgrid"]
    if grid is not None:
        body += _subgrid(grid)
    return (f'<section class="dv-section" aria-labelledby="{heading}"><h2 id="{heading}">'
            f'{escape(section["label"])}</h2>{body}</section>')


def _field(field: dict[str, Any]) -> str:
    name = escape(field["name"])
    control_id = f"dv-f-{name}"
    required = ' <span class="dv-required" aria-hidden="true">*</span>' if field["required"] else ""
    aria_required = ' aria-required="true"' if field["required"] and field["editable"] else ""
    if not field["editable"]:
        control = f'<output id="{control_id}" class="dv-value" data-value="{name}">—</output>'
    elif "options" in field:
        options = "".join(f'<option value="{escape(json.dumps(o["value"]))}">{escape(o["label"])}</option>'
                          for o in field["options"])
        control = (f'<select id="{control_id}" data-input="{name}"{aria_required}>'
                   f'<option value="">--Select--</option>{options}</select>')
    elif field["type"] == "memo":
        control = f'<textarea id="{control_id}" data-input="{name}" rows="3"{aria_required}></textarea>'
    elif field["type"] in ("integer", "bigint"):
        control = f'<input id="{control_id}" data-input="{name}" type="number" step="1"{aria_required}>'
    else:
        length = f' maxlength="{int(field["maxLength"])}"' if field.get("maxLength") else ""
        control = f'<input id="{control_id}" data-input="{name}" type="text"{length}{aria_required}>'
    return (f'<div class="dv-field" data-field="{name}"><label for="{control_id}">{escape(field["label"])}'
            f'{required}</label>{control}<div class="dv-field-notes" id="dv-n-{name}"></div></div>')


def _subgrid(grid: dict[str, Any]) -> str:
    name = escape(grid["name"])
    if grid["control"] == CHAT_CONTROL:
        return f'<div class="dv-subgrid dv-chat" data-subgrid="{name}"><div id="dv-chat-root"></div></div>'
    heads = "".join(f'<th scope="col">{escape(c["label"])}</th>' for c in grid["columns"])
    return (f'<div class="dv-subgrid" data-subgrid="{name}"><table class="dv-grid">'
            f'<caption>{escape(grid["view"])}</caption><thead><tr>{heads}</tr></thead><tbody></tbody></table>'
            f'<p class="dv-grid-empty" hidden>No {escape(grid["tableLabel"].lower())} yet.</p></div>')


def not_found(context: dict[str, Any], message: str) -> str:
    return _shell(context, "Not found", f"<h1>Not found</h1><p>{escape(message)}</p>")
