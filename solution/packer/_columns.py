"""``<attribute>`` elements of ``customizations.xml``, written in the element order of real exports.

Every column the package declares (the product's own, and the platform's system and activity columns from
``platform.toml``) becomes an :class:`AttributeSpec` first; :func:`write_attribute` is the one writer. The order
of the elements and the value vocabularies follow exported solutions (tests/packer/test_real_exports.py compares
them with exports of microsoft/industry-apps and microsoft/Nonprofits).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._xml import Element, flag, labels, sub

DEFAULT_MASK = "ValidForAdvancedFind|ValidForForm|ValidForGrid"
EMPTY_LOOKUP_TYPE_ID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class OptionSpec:
    value: int
    label: str
    state: int | None = None  # a status reason: the state it belongs to
    default_status: int | None = None  # a state: its default status reason
    invariant: str | None = None  # a state: its invariant name
    hidden: bool | None = None  # IsHidden="0|1" on an option; None leaves the attribute out


@dataclass(frozen=True)
class OptionSetSpec:
    """A column's own (local) option set: picklist, bit (two options), state or status."""

    name: str  # <table>_<column>
    kind: str
    introduced: str
    label: str
    description: str
    options: tuple[OptionSpec, ...]


@dataclass(frozen=True)
class AttributeSpec:
    """One ``<attribute>`` as exports write it; defaults are the values most columns have."""

    physical: str  # PhysicalName: the column's schema name
    crm_type: str  # nvarchar, ntext, int, bigint, decimal, bit, datetime, picklist, lookup, customer, owner, ...
    label: str
    description: str = ""
    required: str = "none"  # none | recommended | required | systemrequired
    mask: str = DEFAULT_MASK  # "" = no DisplayMask element
    ime: str = "auto"  # "" = no ImeMode element
    update: bool = True
    create: bool = True
    custom: bool = False
    audit: bool = True
    logical: bool = False  # <IsLogical>1</IsLogical> (party lists, owning team/user, ...)
    secured: bool = False
    introduced: str = "5.0.0.0"
    can_modify_search: bool = True
    can_modify_requirement: bool = True
    can_modify_sortable: bool = True
    external_name: bool = False  # an empty <ExternalName/>
    searchable: bool = False
    filterable: bool = False
    retrievable: bool = False
    details: tuple[tuple[str, str], ...] = ()  # type-specific elements in export order (Format, MaxLength, ...)
    lookup_types: tuple[int, ...] | None = None  # object type codes of <LookupTypes>; None = no element
    optionset: OptionSetSpec | None = None

    @property
    def name(self) -> str:
        return self.physical.lower()


def write_attribute(parent: Element, spec: AttributeSpec) -> Element:
    node = sub(parent, "attribute", PhysicalName=spec.physical)
    sub(node, "Type", spec.crm_type)
    sub(node, "Name", spec.name)
    sub(node, "LogicalName", spec.name)
    sub(node, "RequiredLevel", spec.required)
    if spec.mask:
        sub(node, "DisplayMask", spec.mask)
    if spec.ime:
        sub(node, "ImeMode", spec.ime)
    sub(node, "ValidForUpdateApi", flag(spec.update))
    sub(node, "ValidForReadApi", "1")
    sub(node, "ValidForCreateApi", flag(spec.create))
    sub(node, "IsCustomField", flag(spec.custom))
    sub(node, "IsAuditEnabled", flag(spec.audit))
    if spec.logical:
        sub(node, "IsLogical", "1")
    sub(node, "IsSecured", flag(spec.secured))
    sub(node, "IntroducedVersion", spec.introduced)
    sub(node, "IsCustomizable", "1")
    sub(node, "IsRenameable", "1")
    sub(node, "CanModifySearchSettings", flag(spec.can_modify_search))
    sub(node, "CanModifyRequirementLevelSettings", flag(spec.can_modify_requirement))
    sub(node, "CanModifyAdditionalSettings", "1")
    sub(node, "SourceType", "0")
    sub(node, "IsGlobalFilterEnabled", "0")
    sub(node, "IsSortableEnabled", "0")
    sub(node, "CanModifyGlobalFilterSettings", "1")
    sub(node, "CanModifyIsSortableSettings", flag(spec.can_modify_sortable))
    if spec.external_name:
        sub(node, "ExternalName", "")
    sub(node, "IsDataSourceSecret", "0")
    # Newer than the 2019 schema; every current export writes them (validation.NEWER_THAN_SCHEMA).
    sub(node, "AutoNumberFormat", "")
    sub(node, "IsSearchable", flag(spec.searchable))
    sub(node, "IsFilterable", flag(spec.filterable))
    sub(node, "IsRetrievable", flag(spec.retrievable))
    sub(node, "IsLocalizable", "0")
    for tag, text in spec.details:
        sub(node, tag, text)
    if spec.lookup_types is not None:
        types = sub(node, "LookupTypes")
        for code in spec.lookup_types:
            sub(types, "LookupType", str(code), id=EMPTY_LOOKUP_TYPE_ID)
    if spec.optionset is not None:
        _optionset(node, spec.optionset)
    labels(node, "displaynames", "displayname", spec.label)
    labels(node, "Descriptions", "Description", spec.description)
    return node


def _optionset(parent: Element, spec: OptionSetSpec) -> None:
    box = sub(parent, "optionset", Name=spec.name)
    sub(box, "OptionSetType", spec.kind)
    sub(box, "IntroducedVersion", spec.introduced)
    sub(box, "IsCustomizable", "1")
    labels(box, "displaynames", "displayname", spec.label)
    labels(box, "Descriptions", "Description", spec.description)
    if spec.kind == "state":
        items = sub(box, "states")
        for o in spec.options:
            node = sub(items, "state", value=str(o.value), defaultstatus=str(o.default_status),
                       invariantname=o.invariant or o.label)
            labels(node, "labels", "label", o.label)
    elif spec.kind == "status":
        items = sub(box, "statuses")
        for o in spec.options:
            node = sub(items, "status", value=str(o.value), state=str(o.state))
            labels(node, "labels", "label", o.label)
    else:
        items = sub(box, "options")
        for o in spec.options:
            attrs = {"value": str(o.value)} | ({} if o.hidden is None else {"IsHidden": flag(o.hidden)})
            node = sub(items, "option", **attrs)
            labels(node, "labels", "label", o.label)


__all__ = ["DEFAULT_MASK", "AttributeSpec", "OptionSetSpec", "OptionSpec", "write_attribute"]
