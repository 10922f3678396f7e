"""Generate ``solution/tables/standard/<table>.toml`` from Microsoft's Common Data Model documents.

The standard tables (contact, account, lead, incident, opportunity, salesorder, systemuser, team, teammembership,
businessunit, transactioncurrency, activitypointer, activityparty) are Microsoft's, not ours: their columns, types,
lengths, choices, status-to-state mapping and required levels are read from the CDM entity documents committed
under ``solution/tables/standard/sources/cdm`` (microsoft/CDM, CC-BY-4.0; see ``sources/SOURCES.md``), never typed
by hand. ``python -m solution.standard_tables`` rewrites the TOML files; ``--check`` fails when a committed file
differs from what the sources give (``tests/solution/test_standard_tables.py`` runs the same comparison).

What the CDM documents do not carry, and where it comes from instead, is listed in ``TABLES`` (entity set and
primary name, from the Dataverse table reference pages) and ``_REGARDING_TABLES`` (see there). Relationship names,
navigation property names and cascades, the labels of Yes/No columns and which text columns are Memo come from
Microsoft's table reference pages, copied under ``sources/table-reference`` and read by ``solution.table_reference``;
where a page and the CDM disagree on a fact both give, the page wins and ``main`` prints what it overrode.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solution import table_reference
from solution.table_reference import TableReference

STANDARD_DIR = Path(__file__).resolve().parent / "tables" / "standard"
SOURCES_DIR = STANDARD_DIR / "sources" / "cdm"
_APP = "core/applicationCommon/"
_WELL_KNOWN = "core/wellKnownCDSAttributeGroups.cdm.json"


@dataclass(frozen=True)
class TableSource:
    """One standard table: its CDM documents (base first) and what the Dataverse table reference adds."""

    logical_name: str
    documents: tuple[str, ...]
    entity_set: str  # EntitySetName
    display_plural: str  # DisplayCollectionName
    primary_name: str | None  # PrimaryNameAttribute
    ownership: str  # OwnershipType: user | business_unit | organization | none
    intersect: bool = False  # an N:N intersect table: its two keys are Uniqueidentifier columns, not lookups


# EntitySetName, DisplayCollectionName, PrimaryNameAttribute and OwnershipType as the Dataverse table reference
# (MicrosoftDocs/powerapps-docs powerapps-docs/developer/data-platform/reference/entities/<table>.md) lists them.
TABLES: tuple[TableSource, ...] = (
    TableSource("account", ("Account", "foundationCommon/Account", "foundationCommon/crmCommon/Account"),
                "accounts", "Accounts", "name", "user"),
    TableSource("activityparty", ("ActivityParty",), "activityparties", "Activity Parties", None, "none"),
    TableSource("activitypointer", ("Activity", "foundationCommon/crmCommon/Activity"),
                "activitypointers", "Activities", "subject", "user"),
    TableSource("businessunit", ("BusinessUnit",), "businessunits", "Business Units", "name", "business_unit"),
    TableSource("contact", ("Contact", "foundationCommon/Contact", "foundationCommon/crmCommon/Contact"),
                "contacts", "Contacts", "fullname", "user"),
    TableSource("incident", ("foundationCommon/crmCommon/service/Case",), "incidents", "Cases", "title", "user"),
    TableSource("lead", ("foundationCommon/crmCommon/Lead",), "leads", "Leads", "fullname", "user"),
    TableSource("opportunity", ("foundationCommon/crmCommon/sales/Opportunity",),
                "opportunities", "Opportunities", "name", "user"),
    TableSource("salesorder", ("foundationCommon/crmCommon/sales/Order",), "salesorders", "Orders", "name", "user"),
    TableSource("systemuser", ("User",), "systemusers", "Users", "fullname", "business_unit"),
    TableSource("team", ("Team",), "teams", "Teams", "name", "business_unit"),
    TableSource("teammembership", ("TeamMembership",), "teammemberships", "Team Memberships", None, "none",
                intersect=True),
    TableSource("transactioncurrency", ("Currency",), "transactioncurrencies", "Currencies", "currencyname",
                "organization"),
)

# The CDM's Activity lists only four Regarding targets; Dataverse makes every activity-enabled table one (each
# table reference lists a "<Table>_ActivityPointers" one-to-many relationship on regardingobjectid, e.g. contact.md's
# Contact_ActivityPointers). These are the tables of this set that carry it.
_REGARDING_TABLES = ("account", "contact", "incident", "lead", "opportunity", "salesorder")

# CDM's semantic data types -> the column type of solution/schema.py
_STRING_TYPES = {
    "string", "name", "firstName", "middleName", "lastName", "fullName", "phone", "email", "url", "addressLine",
    "city", "stateOrProvince", "country", "postalCode", "county", "tickerSymbol", "governmentId",
    "localizedDisplayText", "phoneFax",
}
_TYPES = {
    "json": "memo",
    "listLookup": "choice",
    "listLookupCorrelated": "status",
    "boolean": "boolean",
    "dateTime": "datetime",
    "integer": "integer",
    "timezone": "integer",
    "minutes": "integer",
    "bigInteger": "bigint",
    "cdsVersionNumber": "bigint",
    "decimal": "decimal",
    "double": "double",
    "latitude": "double",
    "longitude": "double",
    "currency": "money",
    "baseCurrency": "money",
    "entityId": "uniqueidentifier",
    "userId": "uniqueidentifier",
    "guid": "uniqueidentifier",
    "partylist": "partylist",
    "entityName": "entityname",
}
_FORMATS = {"phone": "phone", "email": "email", "url": "url"}
_REQUIRED = {"none": "none", "recommended": "recommended", "applicationrequired": "required", "required": "required",
             "systemrequired": "system"}
# Columns Dataverse computes or stamps itself; a client cannot set them.
_SYSTEM_READ_ONLY = {"createdon", "modifiedon", "createdby", "modifiedby", "createdonbehalfby", "modifiedonbehalfby",
                     "versionnumber", "owninguser", "owningteam", "owningbusinessunit", "fullname", "yomifullname"}


class SourceError(ValueError):
    """A CDM document does not have the shape this generator reads."""


@dataclass
class Column:
    name: str
    type: str
    display_name: str
    description: str = ""
    required: str = "none"
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    choices: list[dict[str, Any]] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    format: str | None = None
    read_only: bool = False
    default: int | None = None


class Corpus:
    """The committed CDM documents, by corpus path."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._docs: dict[str, dict[str, Any]] = {}

    def document(self, path: str) -> dict[str, Any]:
        if path not in self._docs:
            file = self.root / path
            if not file.is_file():
                raise SourceError(f"missing CDM document {path} under {self.root}")
            self._docs[path] = json.loads(file.read_text(encoding="utf-8"))
        return self._docs[path]

    def entity(self, path: str, name: str) -> dict[str, Any]:
        for definition in self.document(path).get("definitions", []):
            if definition.get("entityName") == name:
                return dict(definition)
        raise SourceError(f"{path} defines no entity {name!r}")

    def well_known(self, name: str) -> dict[str, Any] | None:
        for definition in self.document(_WELL_KNOWN)["definitions"]:
            if definition.get("attributeGroupName") == name or definition.get("entityName") == name:
                return dict(definition)
        return None


def _trait(item: dict[str, Any], name: str) -> Any:
    for trait in item.get("appliedTraits", []):
        if isinstance(trait, dict) and trait.get("traitReference") == name:
            return trait.get("arguments", [])
    return None


def _data_type(item: dict[str, Any]) -> tuple[str, list[Any]]:
    dt = item.get("dataType")
    if isinstance(dt, str):
        return dt, []
    if isinstance(dt, dict):
        return str(dt.get("dataTypeReference")), list(dt.get("appliedTraits", []))
    raise SourceError(f"attribute {item.get('name')!r} has no data type")


def _constant_values(traits: list[Any]) -> list[list[str]]:
    for trait in traits:
        if isinstance(trait, dict) and trait.get("traitReference") == "does.haveDefault":
            return list(trait["arguments"][0]["entityReference"]["constantValues"])
    return []


def _number(text: Any) -> float | None:
    if text is None:
        return None
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _required(item: dict[str, Any]) -> str:
    args = _trait(item, "is.requiredAtLevel")
    level = args[0]["value"] if args else "none"
    return _REQUIRED[str(level)]


def _typed_column(item: dict[str, Any]) -> Column:
    name = str(item["sourceName"])
    kind, traits = _data_type(item)
    if kind in _STRING_TYPES:
        ctype = "string"
    elif kind in _TYPES:
        ctype = _TYPES[kind]
    else:
        raise SourceError(f"column {name}: no column type for CDM data type {kind!r}")
    purpose = item.get("purpose")
    if kind == "listLookup" and purpose == "representsStateWith":
        ctype = "state"
    column = Column(
        name=name,
        type=ctype,
        display_name=str(item.get("displayName", name)),
        description=str(item.get("description", "")),
        required=_required(item),
        format=_FORMATS.get(kind),
        read_only=bool(item.get("isReadOnly", False)) or name in _SYSTEM_READ_ONLY,
    )
    if ctype in ("string", "memo"):
        column.max_length = int(item["maximumLength"]) if "maximumLength" in item else None
    if ctype in ("integer", "decimal", "double", "money"):
        column.min_value = _number(item.get("minimumValue"))
        column.max_value = _number(item.get("maximumValue"))
    if ctype in ("choice", "state", "status"):
        rows = sorted(_constant_values(traits), key=lambda r: int(r[3]))
        for row in rows:
            choice: dict[str, Any] = {"value": int(row[2]), "label": str(row[1])}
            if ctype == "status":
                choice["state"] = int(row[4])
            column.choices.append(choice)
    if kind == "baseCurrency":
        column.read_only = True  # the base-currency amount is computed from the amount and the exchange rate
    return column


def _target(reference: Any) -> str:
    """``User`` identified by ``User/(resolvedAttributes)/systemUserId`` -> ``systemuser``."""
    if not isinstance(reference, dict):
        raise SourceError(f"lookup target {reference!r} names no identifying attribute")
    args = _trait({"appliedTraits": reference.get("appliedTraits", [])}, "is.identifiedBy")
    if not args:
        raise SourceError(f"lookup target {reference.get('entityReference')!r} names no identifying attribute")
    key = str(args[0]).rsplit("/", 1)[-1].lower()
    if key == "activityid":
        return "activitypointer"  # every activity's primary key is activityid; the base table is activitypointer
    if not key.endswith("id"):
        raise SourceError(f"lookup target key {key!r} is not <table>id")
    return key[:-2]


def _entity_columns(item: dict[str, Any], corpus: Corpus) -> Iterator[Column]:
    guidance = item.get("resolutionGuidance", {})
    entity = item["entity"]
    reference = entity.get("entityReference") if isinstance(entity, dict) else entity
    if reference == "customerAddressInline":
        yield from _address_columns(item, corpus)
        return
    by_reference = guidance.get("entityByReference", {})
    key = by_reference.get("foreignKeyAttribute")
    if not isinstance(key, dict) or not ("sourceName" in key or "name" in key):
        raise SourceError(f"entity attribute {item.get('name')!r} has no foreign key column")
    if key.get("purpose") == "identifiedBy":
        yield _typed_column(key)  # an activity's own key, written as a reference to the activity it is
        yield from _type_column(guidance)
        return
    if isinstance(reference, dict) and "entityName" in reference:
        # a polymorphic lookup lists its options; a well-known placeholder (Regarding) lists none
        targets = [_target(option["entity"]) for option in reference.get("hasAttributes", [])]
    else:
        targets = [_target(entity)]
    targets = list(dict.fromkeys(targets))  # every activity type is identified by activityid
    purpose = item.get("purpose")
    ctype = {"referencesCustomer": "customer", "referencesOwner": "owner"}.get(str(purpose), "lookup")
    # a foreign key without a source name is named after its attribute: regardingObject -> regardingobjectid
    name = str(key.get("sourceName", f"{item['name']}Id")).lower()
    if name == "regardingobjectid":
        targets += [t for t in _REGARDING_TABLES if t not in targets]
    yield Column(
        name=name,
        type=ctype,
        display_name=str(key.get("displayName", name)),
        description=str(key.get("description", "")),
        required=_required(key),
        targets=targets,
        read_only=bool(key.get("isReadOnly", False)) or name in _SYSTEM_READ_ONLY,
    )
    yield from _type_column(guidance)


def _type_column(guidance: dict[str, Any]) -> Iterator[Column]:
    """The EntityName column naming the table a polymorphic reference points at (owneridtype, activitytypecode)."""
    type_attribute = guidance.get("selectsSubAttribute", {}).get("selectedTypeAttribute")
    if isinstance(type_attribute, dict) and "sourceName" in type_attribute:
        column = _typed_column(type_attribute)
        column.read_only = True
        yield column


def _address_columns(item: dict[str, Any], corpus: Corpus) -> Iterator[Column]:
    """``address`` expands to address1_*, address2_*, ... over the Address entity's columns."""
    guidance = item["resolutionGuidance"]
    expansion = guidance["expansion"]
    inline = corpus.entity(_APP + "Address.cdm.json", "customerAddressInline")
    select = inline["hasAttributes"][0]["resolutionGuidance"]["selectsSubAttribute"]
    avoid = {n.lower() for n in select.get("selectsSomeAvoidNames", [])}
    address = corpus.entity(_APP + "Address.cdm.json", "Address")
    members = [m for g in address["hasAttributes"] for m in _members(g, corpus)]
    key = guidance["entityByReference"]["foreignKeyAttribute"]
    first = int(expansion["startingOrdinal"])
    for ordinal in range(first, first + int(expansion["maximumExpansion"])):
        prefix = f"address{ordinal}_"
        key_column = _typed_column(key)
        key_column.name = prefix + key_column.name
        key_column.display_name = key_column.display_name.replace("Address:", f"Address {ordinal}:")
        yield key_column
        for member in members:
            if not isinstance(member, dict) or "entity" in member or "sourceName" not in member:
                continue
            if str(member.get("name", "")).lower() in avoid:
                continue
            column = _typed_column(member)
            column.name = prefix + column.name
            column.display_name = f"Address {ordinal}: {column.display_name}"
            yield column


def _members(item: Any, corpus: Corpus) -> Iterator[Any]:
    """Flatten attribute groups (inline or named in the well-known groups) into attribute items."""
    if isinstance(item, str):
        group = corpus.well_known(item)
        if group is None:
            raise SourceError(f"unknown attribute group {item!r}")
        for member in group.get("members", group.get("hasAttributes", [])):
            yield from _members(member, corpus)
        return
    if "attributeGroupReference" in item:
        ref = item["attributeGroupReference"]
        yield from _members(ref if isinstance(ref, str) else {"members": ref.get("members", [])}, corpus)
        return
    if "members" in item:
        for member in item["members"]:
            yield from _members(member, corpus)
        return
    yield item


def _base_attributes(name: str | None, corpus: Corpus) -> Iterator[Any]:
    """The attributes an entity inherits from a well-known base (CdsStandard, ActivityCommon; CdmEntity has none)."""
    if name is None or name == "CdmEntity" or name.startswith("base_"):
        return
    base = corpus.well_known(name)
    if base is None:
        raise SourceError(f"unknown base entity {name!r}")
    yield from _base_attributes(base.get("extendsEntity"), corpus)
    for item in base.get("hasAttributes", base.get("members", [])):
        yield from _members(item, corpus)


def table_columns(source: TableSource, corpus: Corpus) -> list[Column]:
    """Every column of one table, in the CDM's order; a later document refines an earlier one."""
    columns: dict[str, Column] = {}
    for document in source.documents:
        path = _APP + document + ".cdm.json"
        definitions = [d for d in corpus.document(path)["definitions"] if "entityName" in d]
        entity = definitions[0]
        items = list(_base_attributes(entity.get("extendsEntity"), corpus))
        for group in entity.get("hasAttributes", []):
            items.extend(_members(group, corpus))
        for item in items:
            if not isinstance(item, dict):
                raise SourceError(f"{path}: unexpected attribute {item!r}")
            produced = list(_entity_columns(item, corpus)) if "entity" in item else (
                [_typed_column(item)] if "sourceName" in item else [])
            for column in produced:
                if source.intersect and column.type == "lookup":
                    column.type, column.targets = "uniqueidentifier", []
                if column.name == _primary_id(source) and column.type != "uniqueidentifier":
                    continue  # a CDM lookup keyed on the primary id (Case's parent case) does not replace it
                columns[column.name] = column
    for column in columns.values():
        _settle_defaults(column)
    return list(columns.values())


def _primary_id(source: TableSource) -> str:
    return "activityid" if source.logical_name == "activitypointer" else f"{source.logical_name}id"


def _settle_defaults(column: Column) -> None:
    # A new row starts in state 0 with that state's first status reason, as Dataverse creates it.
    if column.type == "state" and column.choices:
        column.default = min(c["value"] for c in column.choices)
    if column.type == "status":
        first = [c for c in column.choices if c.get("state") == 0]
        column.default = first[0]["value"] if first else None


# --- Microsoft's table reference -------------------------------------------------------------------------------

# CascadeConfiguration.Delete -> the schema's cascade rule. NoCascade is what the platform's own bookkeeping
# relationships (creator, owning user, activity party) say: the child keeps its lookup in Dataverse, which an emulator
# whose rows are deleted outright cannot hold, so the link is removed as RemoveLink does; the metadata still shows it.
_DELETE_RULES = {"Cascade": "parental", "RemoveLink": "referential", "Restrict": "restrict", "NoCascade": "referential"}
_REFERENCE_TYPES = {"Lookup": "lookup", "Customer": "customer", "Owner": "owner"}


@dataclass(frozen=True)
class RelationshipSpec:
    """A ``[[relationships]]`` entry: what the table reference says of one (lookup column, target)."""

    referencing_attribute: str
    referenced_table: str
    name: str
    referenced_navigation: str | None  # written only where it is not the relationship's name
    referencing_navigation: str | None
    cascade: str | None
    cascade_configuration: tuple[tuple[str, str], ...]


def apply_column_facts(table: str, columns: list[Column], reference: TableReference, notes: list[str]) -> None:
    """Yes/No labels, Memo types and lookup targets from the table reference; a page wins over the CDM."""
    by_name = {c.name: c for c in columns}
    for fact in reference.columns:
        if fact.table != table:
            continue
        column = by_name.get(fact.logical_name)
        if column is None:
            raise SourceError(f"{fact.page.path}: {table} has no column {fact.logical_name!r} in the CDM")
        where = f"{table}.{column.name}"
        if fact.type == "Boolean":
            _override(notes, where, "type", column.type, "boolean")
            column.type = "boolean"
            column.choices = [{"value": 1, "label": fact.true_label}, {"value": 0, "label": fact.false_label}]
        elif fact.type == "Memo":
            _override(notes, where, "type", column.type, "memo")
            column.type = "memo"
            if fact.max_length is not None:
                _override(notes, where, "max_length", column.max_length, fact.max_length)
                column.max_length = fact.max_length
        elif fact.type in _REFERENCE_TYPES:
            _override(notes, where, "targets", column.targets, list(fact.targets))
            column.targets = list(fact.targets)
        else:
            raise SourceError(f"{fact.page.path}: {where}: no use for a {fact.type} column fact")


def _override(notes: list[str], where: str, what: str, cdm: Any, page: Any) -> None:
    if cdm is not None and cdm != page:
        notes.append(f"{where}: {what} {cdm!r} in the CDM, {page!r} in the table reference (the reference wins)")


def table_relationships(table: str, columns: list[Column], reference: TableReference, tables: frozenset[str],
                        notes: list[str]) -> tuple[RelationshipSpec, ...]:
    """The relationships the table reference names for the lookups of ``table`` to tables of this set."""
    by_name = {c.name: c for c in columns}
    specs: dict[tuple[str, str], RelationshipSpec] = {}
    for rel in sorted(reference.relationships().values(), key=lambda r: r.name.lower()):
        if rel.referencing_table != table or rel.referenced_table not in tables:
            continue
        column = by_name.get(rel.referencing_attribute)
        if column is None or not column.targets:
            raise SourceError(f"{rel.name}: {table}.{rel.referencing_attribute} is not a lookup column in the CDM")
        if rel.referenced_table not in column.targets:
            _override(notes, f"{table}.{column.name}", "targets", list(column.targets),
                      [*column.targets, rel.referenced_table])
            column.targets = [*column.targets, rel.referenced_table]
        key = (column.name, rel.referenced_table)
        if key in specs:
            raise SourceError(
                f"{table}.{column.name} -> {rel.referenced_table}: named {specs[key].name!r} and {rel.name!r}")
        delete = rel.delete
        specs[key] = RelationshipSpec(
            referencing_attribute=column.name, referenced_table=rel.referenced_table, name=rel.name,
            referenced_navigation=None if rel.referenced_navigation in (None, rel.name) else rel.referenced_navigation,
            referencing_navigation=rel.referencing_navigation,
            cascade=_DELETE_RULES[delete] if delete is not None else None,
            cascade_configuration=rel.cascade)
    order = {c.name: i for i, c in enumerate(columns)}
    return tuple(sorted(specs.values(), key=lambda s: (order[s.referencing_attribute],
                                                       by_name[s.referencing_attribute].targets.index(s.referenced_table))))


# --- TOML ------------------------------------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {value!r}")


def render(source: TableSource, columns: list[Column], display_name: str, description: str,
           relationships: tuple[RelationshipSpec, ...] = ()) -> str:
    names = {c.name for c in columns}
    primary_id = _primary_id(source)
    if primary_id not in names:
        raise SourceError(f"{source.logical_name}: no primary id column {primary_id}")
    if source.primary_name is not None and source.primary_name not in names:
        raise SourceError(f"{source.logical_name}: no primary name column {source.primary_name}")
    lines = [
        "# Generated by solution/standard_tables.py from Microsoft's Common Data Model "
        f"({', '.join(source.documents)}) and table reference; do not edit.",
        "# Regenerate with: python -m solution.standard_tables (sources and licence: sources/SOURCES.md)",
        "",
        "[table]",
        f"logical_name = {_toml_string(source.logical_name)}",
        f"entity_set = {_toml_string(source.entity_set)}",
        f"display_name = {_toml_string(display_name)}",
        f"display_plural = {_toml_string(source.display_plural)}",
        f"description = {_toml_string(description)}",
        f"ownership = {_toml_string(source.ownership)}",
        f"primary_id = {_toml_string(primary_id)}",
    ]
    if source.primary_name is not None:
        lines.append(f"primary_name = {_toml_string(source.primary_name)}")
    lines.append("generated = true")
    for column in columns:
        lines += ["", "[[columns]]"]
        fields: list[tuple[str, Any]] = [
            ("name", column.name), ("type", column.type), ("display_name", column.display_name),
            ("description", column.description),
        ]
        if column.required != "none":
            fields.append(("required", column.required))
        for key in ("max_length", "min_value", "max_value", "format", "default"):
            value = getattr(column, key)
            if value is not None:
                fields.append((key, value))
        if column.read_only:
            fields.append(("read_only", True))
        if column.targets:
            fields.append(("targets", column.targets))
        lines += [f"{key} = {_toml_value(value)}" for key, value in fields]
        if column.choices:
            lines.append("choices = [")
            lines += [f"  {_toml_value(choice)}," for choice in column.choices]
            lines.append("]")
    for rel in relationships:
        lines += ["", "[[relationships]]", *_relationship_lines(rel)]
    return "\n".join(lines) + "\n"


def _relationship_lines(rel: RelationshipSpec) -> list[str]:
    fields: list[tuple[str, Any]] = [("referencing_attribute", rel.referencing_attribute),
                                     ("referenced_table", rel.referenced_table), ("name", rel.name)]
    optional = (("referenced_navigation", rel.referenced_navigation),
                ("referencing_navigation", rel.referencing_navigation), ("cascade", rel.cascade))
    fields += [(key, value) for key, value in optional if value is not None]
    if rel.cascade_configuration:
        fields.append(("cascade_configuration", dict(rel.cascade_configuration)))
    return [f"{key} = {_toml_value(value)}" for key, value in fields]


def generate(root: Path = SOURCES_DIR, reference: TableReference | None = None) -> dict[str, str]:
    """File name -> TOML text for every standard table, from the CDM documents under ``root``."""
    return generate_with_notes(root, reference)[0]


def generate_with_notes(root: Path = SOURCES_DIR,
                        reference: TableReference | None = None) -> tuple[dict[str, str], list[str]]:
    """The files, and what the table reference overrode in the CDM (one line each)."""
    corpus = Corpus(root)
    reference = reference if reference is not None else table_reference.load()
    tables = frozenset(source.logical_name for source in TABLES)
    documented = {fact.table for fact in reference.columns} | {page.table for page in reference.pages}
    unknown = documented - tables
    if unknown:
        raise SourceError(f"the table reference excerpts name tables this generator does not make: {sorted(unknown)}")
    out: dict[str, str] = {}
    notes: list[str] = []
    for source in TABLES:
        entity = corpus.entity(_APP + source.documents[0] + ".cdm.json",
                               Path(source.documents[0]).name)
        display = str(entity.get("displayName", source.logical_name))
        description = str(entity.get("description", ""))
        columns = table_columns(source, corpus)
        apply_column_facts(source.logical_name, columns, reference, notes)
        relationships = table_relationships(source.logical_name, columns, reference, tables, notes)
        out[f"{source.logical_name}.toml"] = render(source, columns, display, description, relationships)
    return out, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="fail if a committed file differs from the sources")
    args = parser.parse_args(argv)
    stale = []
    files, notes = generate_with_notes()
    for note in notes:
        sys.stdout.write(note + "\n")
    for name, text in files.items():
        path = STANDARD_DIR / name
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
