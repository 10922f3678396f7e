"""Reading Microsoft's Common Data Model documents: the committed corpus, and every column of one table in the
CDM's order (types, lengths, choices, status-to-state mapping, required levels, lookup targets, addresses)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .model import Column, SourceError, TableSource, primary_id
from .tables import REGARDING_TABLES

_APP = "core/applicationCommon/"
_WELL_KNOWN = "core/wellKnownCDSAttributeGroups.cdm.json"

# CDM's semantic data types -> the column type of solution.schema
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
        targets += [t for t in REGARDING_TABLES if t not in targets]
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
                if column.name == primary_id(source) and column.type != "uniqueidentifier":
                    continue  # a CDM lookup keyed on the primary id (Case's parent case) does not replace it
                columns[column.name] = column
    for column in columns.values():
        _settle_defaults(column)
    return list(columns.values())


def _settle_defaults(column: Column) -> None:
    # A new row starts in state 0 with that state's first status reason, as Dataverse creates it.
    if column.type == "state" and column.choices:
        column.default = min(c["value"] for c in column.choices)
    if column.type == "status":
        first = [c for c in column.choices if c.get("state") == 0]
        column.default = first[0]["value"] if first else None


def main_entity(source: TableSource, corpus: Corpus) -> dict[str, Any]:
    """The entity definition of a table's first (base) document: its display name and description."""
    return corpus.entity(_APP + source.documents[0] + ".cdm.json", Path(source.documents[0]).name)
