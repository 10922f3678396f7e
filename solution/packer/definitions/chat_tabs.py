"""The chat added to a standard table's own main form: ``[[chat_tabs]]`` of ``solution/forms/<table>.toml``.

A standard table's main form (Contact's "Contact", Account's "Account") belongs to Microsoft's managed solutions, so
the solution does not ship that form: it ships only what it adds, the "Message UI" tab with the Message Sessions
subgrid drawn by the chat control, as a differential FormXml (``_chat_tab.py``; ``solution/packer/README.md``,
"The chat on the standard forms"). ``smsbridge add-chat`` adds the same tab to any table's form through the Web API.

```toml
[[chat_tabs]]
form = "Contact"                                   # the form's name in every environment
form_id = "{1fed44d1-ae68-4a41-bd2b-f13acac4acfa}" # its id, the same in every environment
relationship = "contact_smsb_messagesession_smsb_customer"   # Message Sessions (Customer) or (Regarding)
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solution.schema import Schema

from .files import DefinitionError
from .files import required_str as _str

# The table the chat's subgrid lists and the view it shows (solution/forms/smsb_messagesession.toml).
SESSION_TABLE = "smsb_messagesession"
SESSION_VIEW = "All Message Sessions - Internal Purpose"
_FORM_ID = re.compile(r"\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}")


@dataclass(frozen=True)
class ChatTab:
    """The chat tab on the existing main form ``form_id`` of ``table``, its subgrid following ``relationship``."""

    table: str
    form: str
    form_id: str  # braced, lower case: {1fed44d1-ae68-4a41-bd2b-f13acac4acfa}
    relationship: str


def read_chat_tab(path: Path, table: str, doc: dict[str, Any]) -> ChatTab:
    form_id = _str(path, doc, "form_id").lower()
    if not _FORM_ID.fullmatch(form_id):
        raise DefinitionError(f"{path.name}: chat tab form_id {form_id!r} is not a braced GUID")
    return ChatTab(table, _str(path, doc, "form"), form_id, _str(path, doc, "relationship"))


def check_chat_tabs(schema: Schema, tabs: tuple[ChatTab, ...]) -> None:
    seen: set[str] = set()
    for tab in tabs:
        if tab.form_id in seen:
            raise DefinitionError(f"form {tab.form_id} of {tab.table} gets the chat tab twice")
        seen.add(tab.form_id)
        if schema.table(tab.table).is_custom:
            raise DefinitionError(f"{tab.table} is the solution's own table: put the chat on its form in [[forms]]")
        rel = next((r for r in schema.relationships if r.name == tab.relationship), None)
        if rel is None or rel.referenced_table != tab.table or rel.referencing_table != SESSION_TABLE:
            raise DefinitionError(
                f"chat tab of {tab.table}: {tab.relationship!r} is not a relationship from {tab.table}"
                f" to {SESSION_TABLE}"
            )
