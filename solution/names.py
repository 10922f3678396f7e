"""Generate the modules that name the product's tables, columns, choices and navigation properties for code.

The table definitions (``solution/tables``) are the one place these names are written by hand. From them this
module writes

* ``schema/names.py``: frozen dataclasses (one per table: logical name, entity set, primary id and name, columns,
  single-valued navigation properties for ``<name>@odata.bind``, collection-valued ones for ``$expand``) and an
  ``IntEnum`` with labels per choice column, for the Python runtime, which must not read ``solution/`` when it runs;
* ``frontend/shared/src/names.ts``: the same as ``as const`` objects, for every TypeScript file of the front end.

Both hold every product table (``smsb_*``) whole, and of the platform tables only the columns the product reads
or writes (``PLATFORM_COLUMNS``). Customer tables (contact, account, lead, ...) are never named: the product reads
their metadata at run time (DESIGN.md section 3).

``python -m solution.names`` rewrites both files (the build runs it); ``--check`` fails when a file differs from
what the tables give (``tests/solution/test_names.py`` makes the same comparison in memory).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .schema import ColumnType, Schema, Table, load_schema

ROOT = Path(__file__).resolve().parent.parent
PYTHON_MODULE = ROOT / "schema" / "names.py"
TYPESCRIPT_MODULE = ROOT / "frontend" / "shared" / "src" / "names.ts"
COMMAND = "python -m solution.names"

# The platform tables the product reads or writes, and the columns it touches there (the function app's webhook
# registration, team set-up and in-app notifications; the front end's teams and users; every activity's parties).
PLATFORM_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "activityparty": ("activitypartyid", "activityid", "partyid", "participationtypemask", "addressused"),
    "appnotification": (
        "appnotificationid", "title", "body", "data", "icontype", "toasttype", "priority", "ttlinseconds", "ownerid",
    ),
    "businessunit": ("businessunitid", "name", "parentbusinessunitid"),
    "sdkmessage": ("sdkmessageid", "name"),
    "sdkmessagefilter": ("sdkmessagefilterid", "primaryobjecttypecode", "sdkmessageid"),
    "sdkmessageprocessingstep": (
        "sdkmessageprocessingstepid", "name", "mode", "stage", "rank", "supporteddeployment", "asyncautodelete",
        "eventhandler", "sdkmessageid", "sdkmessagefilterid", "filteringattributes", "statecode", "statuscode",
    ),
    "serviceendpoint": (
        "serviceendpointid", "name", "url", "contract", "authtype", "authvalue", "messageformat", "description",
    ),
    "systemuser": ("systemuserid", "fullname", "internalemailaddress", "domainname", "isdisabled", "businessunitid"),
    "team": ("teamid", "name", "teamtype", "businessunitid", "description"),
    "teammembership": ("teammembershipid", "teamid", "systemuserid"),
}


class NamesError(ValueError):
    """The tables give a name that cannot become an identifier, or a platform column that does not exist."""


@dataclass(frozen=True)
class ChoiceNames:
    column: str
    members: tuple[tuple[tuple[str, ...], int, str], ...]  # (the label's words, value, label)


@dataclass(frozen=True)
class TableNames:
    logical_name: str
    entity_set: str
    display_name: str
    primary_id: str
    primary_name: str | None
    columns: tuple[str, ...]
    navigation: tuple[str, ...]  # single-valued: "<name>@odata.bind" on this table's rows
    collections: tuple[str, ...]  # collection-valued: the children of this table's rows
    choices: tuple[ChoiceNames, ...]


# --- what is named ------------------------------------------------------------------------------------------------


def select(schema: Schema) -> tuple[TableNames, ...]:
    """The names the generated modules hold: product tables whole, platform tables as far as they are touched."""
    product = sorted((t for t in schema.tables if t.is_custom), key=lambda t: t.logical_name)
    named = [_table_names(schema, t, None) for t in product]
    for logical_name, columns in sorted(PLATFORM_COLUMNS.items()):
        table = schema.table(logical_name)
        missing = [c for c in columns if not table.has_column(c)]
        if missing:
            raise NamesError(f"{logical_name} has no column {', '.join(missing)} (PLATFORM_COLUMNS)")
        named.append(_table_names(schema, table, frozenset(columns)))
    return tuple(named)


def _table_names(schema: Schema, table: Table, only: frozenset[str] | None) -> TableNames:
    def touched(column: str) -> bool:
        return only is None or column in only

    columns = tuple(c.name for c in table.columns if touched(c.name))
    navigation = tuple(dict.fromkeys(
        r.referencing_navigation
        for r in schema.relationships_from(table.logical_name)
        if touched(r.referencing_attribute)
    ))
    collections = () if only is not None else tuple(dict.fromkeys(
        r.referenced_navigation for r in schema.relationships_to(table.logical_name)
    ))
    choices = tuple(
        ChoiceNames(column.name, tuple(
            (_words(ch.label, table, column.name), ch.value, ch.label) for ch in column.choices
        ))
        for column in table.columns
        if touched(column.name) and column.type.has_choices and column.type is not ColumnType.BOOLEAN and column.choices
    )
    for choice in choices:
        words = [m[0] for m in choice.members]
        if len(set(words)) != len(words):
            raise NamesError(f"{table.logical_name}.{choice.column}: two labels give the same name {words}")
    return TableNames(
        logical_name=table.logical_name,
        entity_set=table.entity_set,
        display_name=table.display_name,
        primary_id=table.primary_id,
        primary_name=table.primary_name if touched(table.primary_name or "") else None,
        columns=columns,
        navigation=navigation,
        collections=collections,
        choices=choices,
    )


def _words(label: str, table: Table, column: str) -> tuple[str, ...]:
    words = tuple(w for w in re.split(r"[^A-Za-z0-9]+", label) if w)
    if not words or words[0][0].isdigit():
        raise NamesError(f"{table.logical_name}.{column}: the label {label!r} cannot name a choice value")
    return words


def _pascal(words: Iterable[str]) -> str:
    return "".join(w[0].upper() + w[1:] for w in words)


def _upper(words: Iterable[str]) -> str:
    return "_".join(w.upper() for w in words)


# --- Python ---------------------------------------------------------------------------------------------------------


def render_python(tables: Iterable[TableNames]) -> str:
    tables = tuple(tables)
    out = [
        '"""Names of SMS Bridge\'s Dataverse tables: tables, columns, navigation properties and choices.',
        "",
        f"Generated by `{COMMAND}` from solution/tables; do not edit.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from dataclasses import dataclass",
        "from enum import IntEnum",
        "from typing import Final, Protocol, Self",
        "",
        "",
        "class TableName(Protocol):",
        '    """What every table of this module names: how to call it in the Web API and its key columns."""',
        "",
        "    @property",
        "    def logical_name(self) -> str: ...",
        "",
        "    @property",
        "    def entity_set(self) -> str: ...",
        "",
        "    @property",
        "    def primary_id(self) -> str: ...",
        "",
        "    @property",
        "    def primary_name(self) -> str | None: ...",
        "",
        "",
        "class Choice(IntEnum):",
        '    """A value of a choice column; ``label`` is the label the table definition gives it."""',
        "",
        "    _value_: int",
        "    label: str",
        "",
        "    def __new__(cls, value: int, label: str) -> Self:",
        "        member = int.__new__(cls, value)",
        "        member._value_ = value",
        "        member.label = label",
        "        return member",
    ]
    for t in tables:
        out += _python_table(t)
    out += ["", "", "TABLES: Final[tuple[TableName, ...]] = ("]
    out += [f"    {_constant(t)}," for t in tables]
    out += [")", "", "CHOICES: Final[dict[tuple[str, str], type[Choice]]] = {"]
    out += [
        f'    ("{t.logical_name}", "{c.column}"): {_enum_class(t, c.column)},' for t in tables for c in t.choices
    ]
    out += ["}", ""]
    return "\n".join(out)


def _class(t: TableNames) -> str:
    return _pascal(t.logical_name.split("_"))


def _constant(t: TableNames) -> str:
    return t.logical_name.upper()


def _enum_class(t: TableNames, column: str) -> str:
    return _class(t) + _pascal(column.split("_"))


def _fields(name: str, doc: str, values: tuple[str, ...]) -> list[str]:
    out = ["", "", "@dataclass(frozen=True)", f"class {name}:", f'    """{doc}"""']
    if values:
        out.append("")
        out += [f'    {v}: str = "{v}"' for v in values]
    return out


def _python_table(t: TableNames) -> list[str]:
    base = _class(t)
    out = _fields(f"{base}Columns", f"Columns of {t.logical_name}.", t.columns)
    bind = f'Single-valued navigation properties of {t.logical_name}: "<name>@odata.bind".'
    out += _fields(f"{base}Navigation", bind, t.navigation)
    out += _fields(f"{base}Collections", f"Collection-valued navigation properties of {t.logical_name}.", t.collections)
    primary_name = "None" if t.primary_name is None else f'"{t.primary_name}"'
    out += [
        "", "", "@dataclass(frozen=True)", f"class {base}:", f'    """{t.logical_name}: {t.display_name}."""', "",
        f'    logical_name: str = "{t.logical_name}"',
        f'    entity_set: str = "{t.entity_set}"',
        f'    primary_id: str = "{t.primary_id}"',
        f"    primary_name: str | None = {primary_name}",
        f"    columns: {base}Columns = {base}Columns()",
        f"    navigation: {base}Navigation = {base}Navigation()",
        f"    collections: {base}Collections = {base}Collections()",
        "", "", f"{_constant(t)}: Final = {base}()",
    ]
    for choice in t.choices:
        doc = f'    """{t.logical_name}.{choice.column}."""'
        out += ["", "", f"class {_enum_class(t, choice.column)}(Choice):", doc, ""]
        out += [f'    {_upper(words)} = {value}, "{label}"' for words, value, label in choice.members]
    return out


# --- TypeScript -----------------------------------------------------------------------------------------------------


def render_typescript(tables: Iterable[TableNames]) -> str:
    out = [
        "/**",
        " * Names of SMS Bridge's Dataverse tables: tables, columns, navigation properties and choices.",
        " *",
        f" * Generated by `{COMMAND}` from solution/tables; do not edit.",
        " */",
        "",
        "/** A table as the Web API calls it: by logical name (`Xrm.WebApi`, metadata) and by entity set (URLs). */",
        "export interface TableRef {",
        "    readonly logicalName: string;",
        "    readonly entitySet: string;",
        "}",
        "",
        "/** What every table of this module names. */",
        "export interface TableName {",
        "    /**",
        "     * What to pass where a table is needed (`DataverseApi`, `bind`): only these two names, so a bundle keeps",
        "     * no more of a table's names than the code reads.",
        "     */",
        "    readonly ref: TableRef;",
        "    readonly primaryId: string;",
        "    readonly primaryName: string | null;",
        "    readonly columns: Readonly<Record<string, string>>;",
        "    /** Single-valued navigation properties: `<name>@odata.bind`. */",
        "    readonly navigation: Readonly<Record<string, string>>;",
        "    /** Collection-valued navigation properties: the children, for `$expand`. */",
        "    readonly collections: Readonly<Record<string, string>>;",
        "    /** Per choice column: each value by the words of its label. */",
        "    readonly choices: Readonly<Record<string, Readonly<Record<string, number>>>>;",
        "    /** Per choice column: each value's label. */",
        "    readonly labels: Readonly<Record<string, Readonly<Record<number, string>>>>;",
        "}",
    ]
    for t in tables:
        out += _typescript_table(t)
    out.append("")
    return "\n".join(out)


def _ts_map(name: str, values: Iterable[str]) -> list[str]:
    values = tuple(values)
    if not values:
        return [f"    {name}: {{}},"]
    return [f"    {name}: {{", *(f'        {v}: "{v}",' for v in values), "    },"]


def _typescript_table(t: TableNames) -> list[str]:
    primary_name = "null" if t.primary_name is None else f'"{t.primary_name}"'
    out = [
        "",
        f"/** {t.logical_name}: {t.display_name}. */",
        f"export const {t.logical_name} = {{",
        f'    ref: {{ logicalName: "{t.logical_name}", entitySet: "{t.entity_set}" }},',
        f'    primaryId: "{t.primary_id}",',
        f"    primaryName: {primary_name},",
    ]
    out += _ts_map("columns", t.columns)
    out += _ts_map("navigation", t.navigation)
    out += _ts_map("collections", t.collections)
    if t.choices:
        out.append("    choices: {")
        for choice in t.choices:
            out.append(f"        {choice.column}: {{")
            out += [f"            {_pascal(words)}: {value}," for words, value, _ in choice.members]
            out.append("        },")
        out += ["    },", "    labels: {"]
        for choice in t.choices:
            out.append(f"        {choice.column}: {{")
            out += [f'            {value}: "{label}",' for _, value, label in choice.members]
            out.append("        },")
        out.append("    },")
    else:
        out += ["    choices: {},", "    labels: {},"]
    out.append("} as const satisfies TableName;")
    return out


# --- files ------------------------------------------------------------------------------------------------------------


def generate(schema: Schema | None = None) -> dict[Path, str]:
    """The text each generated file must have."""
    tables = select(schema or load_schema())
    return {PYTHON_MODULE: render_python(tables), TYPESCRIPT_MODULE: render_typescript(tables)}


def stale(files: Mapping[Path, str]) -> list[Path]:
    """The files whose text on disk differs from ``files``."""
    return [p for p, text in files.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="fail if a generated file differs from the tables")
    args = parser.parse_args(argv)
    files = generate()
    if args.check:
        behind = stale(files)
        for path in behind:
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            sys.stderr.write(f"{shown} is not what solution/tables give: run `{COMMAND}`\n")
        return 1 if behind else 0
    for path, text in files.items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
