"""The devstack in a browser: a small stand-in for the model-driven app, on the Dataverse emulator's origin.

``http://127.0.0.1:7072/devstack/`` (same origin as the Web API, so no CORS): a header with a user switch
(``?user=<systemuserid>``), the SMS inbox pane (the built ``smsb_/pane/inbox.html``) with its badge, lists of
contacts and accounts, and record pages ``/devstack/record/<table>/<id>`` drawn from the solution's own form
definitions (``forms.py``: tabs, sections, fields, header, subgrids, the form's scripts and commands) or, for a
table the solution has no form of (or with ``?formid=``), from the main form the emulated org holds
(``formxml.py``), whose chat subgrid hosts the built ``TextSMSChatSystem`` PCF bundle on React 16.14 and Fluent 9
as the app's platform libraries. Pages act as the chosen user through Dataverse's impersonation header
``MSCRMCallerID``.

``BrowserShell(emulator)`` is its WSGI app; ``with_browser_shell(emulator.wsgi_app, shell)`` puts both on one
origin (``devstack/dataverse_site.py`` serves that).
"""

from __future__ import annotations

from .app import BrowserShell, WsgiApp, with_browser_shell
from .handler import browser_response, is_browser_path

__all__ = ["BrowserShell", "WsgiApp", "browser_response", "is_browser_path", "with_browser_shell"]
