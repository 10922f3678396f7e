"""WSGI side of the browser stand-in: the pages, the built files they load, and the Fluent platform library.

Routes (all GET, under ``/devstack/``):

* ``/devstack/`` - home: header, inbox pane, contacts and accounts;
* ``/devstack/record/<table>/<id>`` - a record page: the table's form as the solution ships it (``forms.py``),
  with its scripts, commands, subgrids and the ``TextSMSChatSystem`` chat; for a table the solution has no form
  of (one created at run time), or with ``?formid=<id>``, the org's main form from ``systemforms``
  (``formxml.py``);
* ``/devstack/conversation/<id>`` - redirects to the conversation's form (what the pane's **View Message** opens,
  as ``navigateTo`` does in Dynamics);
* ``/devstack/static/<file>`` - the stand-in's own scripts and styles (``devstack/browser/static``);
* ``/devstack/control/<file>`` - the built control (``frontend/chat-control/out/controls/TextSMSChatSystem``);
* ``/devstack/webresources/<path>`` - the built web resources (``frontend/webresources/dist``), and the user guide
  as the solution packs it (``smsb_/help/...``, rendered from ``docs/user-guide.md`` by the packer);
* ``/devstack/lib/react.js``, ``react-dom.js``, ``fluent.js`` - the platform libraries.

Every page takes ``?user=<systemuserid>``; without it, the first user of the demo team.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from devstack.paths import ROOT, STATE_DIR

from . import pages
from .forms import form_model, form_source
from .formxml import form_model_from_xml

if TYPE_CHECKING:
    from devstack.dataverse_emulator import DataverseEmulator

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
# Where the front end's workspace (frontend/README.md) builds and installs what the pages load.
CONTROL_OUT = ROOT / "frontend" / "chat-control" / "out" / "controls" / "TextSMSChatSystem"
CONTROLS_MODULES = ROOT / "node_modules"
WEB_DIST = ROOT / "frontend" / "webresources" / "dist"
# A build cache keyed by the Fluent version, shared by every devstack of this folder (see fluent_library).
LIB_CACHE = STATE_DIR / "browser"
PLATFORM_BUILD = HERE / "platform-libraries.mjs"

# The page's session (see signed_in and app.with_browser_shell).
SESSION_COOKIE = "devstack_session"
CALLER_COOKIE = "devstack_caller"

# What builds each missing piece (shown on the page instead of a blank screen).
BUILD_HINTS = {
    "control": "the chat control is not built: run `make controls` "
               "(or `npm run build --workspace @smsb/chat-control`)",
    "webresources": "the web resources are not built: run `make frontend`",
    "modules": "node_modules is missing: run `make setup`",
}

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_RECORD = re.compile(rf"/devstack/record/([a-z_][a-z0-9_]*)/\{{?({_GUID})\}}?")
_CONVERSATION = re.compile(rf"/devstack/conversation/\{{?({_GUID})\}}?")
_build_lock = threading.Lock()


def is_browser_path(path: str) -> bool:
    return path == "/devstack" or path.startswith("/devstack/")


def browser_response(emulator: DataverseEmulator, request: Request) -> Response:
    """Answer one request under ``/devstack``."""
    if request.method not in ("GET", "HEAD"):
        return Response("Only GET is served here.", status=405, headers={"Allow": "GET, HEAD"})
    path = request.path
    if path in ("/devstack", "/devstack/"):
        return _page(emulator, request, None)
    record = _RECORD.fullmatch(path)
    if record is not None:
        return _page(emulator, request, (record.group(1), record.group(2).lower()))
    conversation = _CONVERSATION.fullmatch(path)
    if conversation is not None:
        return _conversation(emulator, request, conversation.group(1).lower())
    return _served_file(path)


def _served_file(path: str) -> Response:
    if path.startswith("/devstack/webresources/smsb_/help/"):
        return _help_file(path[len("/devstack/webresources/"):])
    for prefix, base in (
        ("/devstack/static/", STATIC),
        ("/devstack/control/", CONTROL_OUT),
        ("/devstack/webresources/", WEB_DIST),
    ):
        if path.startswith(prefix):
            return _file(base, path[len(prefix):])
    if path.startswith("/devstack/lib/"):
        return _library(path[len("/devstack/lib/"):])
    return _text(404, f"Nothing at {path}. Start at /devstack/.")


# --- pages ------------------------------------------------------------------------------------------------------


def _page(emulator: DataverseEmulator, request: Request, record: tuple[str, str] | None) -> Response:
    users = pages.team_users(emulator)
    user = _chosen_user(request, users)
    api_base = request.host_url.rstrip("/") + "/api/data/v9.2/"
    token = emulator.token or "devstack"
    missing = [BUILD_HINTS[k] for k, ok in (
        ("webresources", (WEB_DIST / "smsb_" / "pane" / "inbox.html").is_file()),
        ("control", (CONTROL_OUT / "bundle.js").is_file()),
        ("modules", (CONTROLS_MODULES / "react" / "umd").is_dir()),
    ) if not ok]
    pane_query = urlencode({"apiBase": api_base, "user": user["id"] if user else "", "token": token})
    context: dict[str, Any] = {
        "apiBase": api_base,
        "token": token,
        "user": user,
        "users": users,
        "pane": f"/devstack/webresources/smsb_/pane/inbox.html?{pane_query}",
        "missing": missing,
        "pollSeconds": _int(request.args.get("poll"), 5),
    }
    if record is None:
        body = pages.home(emulator, context)
    else:
        table, row_id = record
        found = pages.record_summary(emulator, table, row_id)
        if found is None:
            return _html(404, pages.not_found(context, f"No {table} with id {row_id}."))
        form = _form(emulator, table, request.args.get("formid"))
        if form is None:
            return _html(404, pages.not_found(context, f"No main form of {table} (solution/forms or systemforms)."))
        context["record"] = found
        context["form"] = form
        body = pages.record(context)
    return signed_in(_html(200, body), token, user["id"] if user else None)


def signed_in(response: Response, token: str, user_id: str | None) -> Response:
    """The session a model-driven app's page holds: same-origin Web API requests the page makes without a token
    (an image's file, a plain link) are the signed-in user's, as the Dataverse session cookie makes them."""
    response.set_cookie(SESSION_COOKIE, token, path="/", httponly=True, samesite="Strict")
    if user_id:
        response.set_cookie(CALLER_COOKIE, user_id, path="/", httponly=True, samesite="Strict")
    else:
        response.delete_cookie(CALLER_COOKIE, path="/")
    return response


def _form(emulator: DataverseEmulator, table: str, wanted: str | None) -> dict[str, Any] | None:
    """The form a record page shows: ``?formid=`` names one of the org's main forms (as Dynamics' URL does); else
    the solution's own form of the table, else the org's first main form (``systemforms``: a table created at run
    time, with what ``smsbridge add-chat`` put on it)."""
    source = form_source()
    held = emulator.system_forms.main_forms(table)
    if wanted:
        key = wanted.strip("{} ").lower()
        held = [f for f in held if f["formid"] == key]
    elif (own := form_model(source, table)) is not None:
        return own
    if not held:
        return None
    return form_model_from_xml(source, emulator.schema, table, held[0]["name"], held[0]["formxml"])


def _chosen_user(request: Request, users: list[dict[str, str]]) -> dict[str, str] | None:
    wanted = (request.args.get("user") or "").strip("{} ").lower()
    for user in users:
        if user["id"] == wanted:
            return user
    return users[0] if users else None


def _conversation(emulator: DataverseEmulator, request: Request, conversation_id: str) -> Response:
    if emulator.store.get("smsb_conversation", conversation_id) is None:
        return _text(404, f"No conversation {conversation_id}.")
    query = ("?" + urlencode({"user": request.args["user"]})) if request.args.get("user") else ""
    return Response(status=303, headers={"Location": f"/devstack/record/smsb_conversation/{conversation_id}{query}"})


# --- files ------------------------------------------------------------------------------------------------------


def _file(base: Path, relative: str) -> Response:
    target = (base / relative).resolve()
    if not target.is_relative_to(base.resolve()) or not target.is_file():
        hint = BUILD_HINTS["control"] if base == CONTROL_OUT else (
            BUILD_HINTS["webresources"] if base == WEB_DIST else "")
        return _text(404, f"{relative} is not there. {hint}".strip())
    return _bytes(target.read_bytes(), _content_type(target))


def _help_file(name: str) -> Response:
    """The user guide's page or one of its pictures, rendered as the packer packs them (fresh on every request, so
    an edit of the guide shows at once)."""
    from solution.packer._help import user_guide

    for resource in user_guide():
        if resource.name == name:
            kind = "text/html; charset=utf-8" if resource.type == 1 else mimetypes.guess_type(name)[0]
            return _bytes(resource.content, kind or "application/octet-stream")
    return _text(404, f"The user guide has no {name}.")


def _library(name: str) -> Response:
    umd = CONTROLS_MODULES / "react" / "umd"
    if name == "react.js":
        return _file(umd, "react.production.min.js")
    if name == "react-dom.js":
        return _file(CONTROLS_MODULES / "react-dom" / "umd", "react-dom.production.min.js")
    if name == "fluent.js":
        built, problem = fluent_library()
        if built is None:
            return _text(503, problem)
        return _bytes(built.read_bytes(), "text/javascript; charset=utf-8")
    return _text(404, f"No platform library {name}.")


def fluent_library() -> tuple[Path | None, str]:
    """The Fluent 9 platform library, built once per Fluent version (into ``.devstack/browser``)."""
    package = CONTROLS_MODULES / "@fluentui" / "react-components" / "package.json"
    if not package.is_file():
        return None, BUILD_HINTS["modules"]
    version = json.loads(package.read_text(encoding="utf-8"))["version"]
    target = LIB_CACHE / f"fluent-{version}.js"
    with _build_lock:
        if target.is_file():
            return target, ""
        node = shutil.which("node")
        if node is None:
            return None, "node is not on PATH; it builds the Fluent platform library (run `make setup`)."
        LIB_CACHE.mkdir(parents=True, exist_ok=True)
        # Built under a name of this process's own, then renamed into place: two devstacks building the same
        # version at once each rename a whole file, and neither reads the other's half-written one.
        partial = target.with_name(f".{target.stem}.{os.getpid()}.partial.js")
        run = subprocess.run(  # noqa: S603 - fixed arguments
            [node, str(PLATFORM_BUILD), str(partial)],
            cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
        )
        if run.returncode != 0 or not partial.is_file():
            return None, f"building the Fluent platform library failed (run `make setup`):\n{run.stderr[-2000:]}"
        partial.replace(target)
        return target, ""


def _content_type(path: Path) -> str:
    kind = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".html": "text/html",
            ".svg": "image/svg+xml", ".json": "application/json", ".xml": "application/xml"}.get(path.suffix)
    kind = kind or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind.endswith(("json", "xml")) else kind


def _bytes(data: bytes, content_type: str) -> Response:
    return Response(data, status=200, headers={"Content-Type": content_type, "Cache-Control": "no-cache"})


def _html(status: int, body: str) -> Response:
    return Response(body, status=status, headers={"Content-Type": "text/html; charset=utf-8",
                                                  "Cache-Control": "no-store"})


def _text(status: int, message: str) -> Response:
    return Response(message, status=status,
                    headers={"Content-Type": "text/plain; charset=utf-8"})


def _int(raw: str | None, fallback: int) -> int:
    try:
        return max(1, min(60, int(raw or "")))
    except ValueError:
        return fallback
