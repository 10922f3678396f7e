"""The declarative UI and security definitions the packer turns into solution XML.

``solution/forms/<table>.toml`` holds a table's forms and views, ``solution/app/app.toml`` the model-driven
app and its site map, ``solution/app/security.toml`` the security roles and the field security profile.
The file formats are described in ``solution/packer/README.md``. Everything is checked against the table
definitions (``solution.schema``) when it is loaded: a form or view naming a missing column fails the build.

``files`` knows where they live, ``forms``, ``chat_tabs``, ``app`` and ``security`` read and check each kind,
``loader`` reads them all into :class:`Definitions`.
"""

from .app import App, Group, SubArea
from .chat_tabs import SESSION_TABLE, SESSION_VIEW, ChatTab
from .files import APP_DIR, FORMS_DIR, SOLUTION_DIR, DefinitionError
from .forms import VIEW_KINDS, Form, Link, Section, Subgrid, Tab, View
from .loader import Definitions, check_definitions, load_definitions
from .security import (
    PRIVILEGE_LEVELS,
    PRIVILEGE_VERBS,
    FieldPermission,
    FieldSecurityProfile,
    Privilege,
    Role,
    load_roles,
    privilege_name,
    role_privileges,
)

__all__ = [
    "APP_DIR",
    "FORMS_DIR",
    "PRIVILEGE_LEVELS",
    "PRIVILEGE_VERBS",
    "SESSION_TABLE",
    "SESSION_VIEW",
    "SOLUTION_DIR",
    "VIEW_KINDS",
    "App",
    "ChatTab",
    "DefinitionError",
    "Definitions",
    "FieldPermission",
    "FieldSecurityProfile",
    "Form",
    "Group",
    "Link",
    "Privilege",
    "Role",
    "Section",
    "SubArea",
    "Subgrid",
    "Tab",
    "View",
    "check_definitions",
    "load_definitions",
    "load_roles",
    "privilege_name",
    "role_privileges",
]
