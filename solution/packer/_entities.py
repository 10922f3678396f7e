"""Tables, columns, alternate keys and relationships of ``customizations.xml``, from ``solution.schema``.

A table carries what an export of it carries: the product's own columns, its primary id and name, and the
columns Dataverse makes itself (``platform.toml``: creator/owner/state columns; for a custom activity all 62
activity columns), each with the element order and values real exports use. Relationships: the product's own
lookups plus the system relationships exports list for those platform columns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from solution.schema import Cascade, Column, ColumnType, Ownership, Relationship, RequiredLevel, Schema, Table

from ._columns import AttributeSpec, OptionSetSpec, OptionSpec, write_attribute
from ._platform import SystemRelationship, load_platform
from ._xml import Element, flag, labels, sub

INTRODUCED = "1.0.0.0"

_INT_RANGE = (-2147483648, 2147483647)
_REQUIRED = {
    RequiredLevel.NONE: "none",
    RequiredLevel.RECOMMENDED: "recommended",
    RequiredLevel.REQUIRED: "required",
    RequiredLevel.SYSTEM: "systemrequired",
}
_STRING_FORMATS = {None: "text", "phone": "phone", "email": "email", "url": "url"}
# (Assign/Reparent/Share/Unshare, Delete, Archive). Archive is what exports write for referential (RemoveLink) and
# restrict (Restrict) relationships; parental rows are archived with their parent.
_CASCADES = {
    Cascade.PARENTAL: ("Cascade", "Cascade", "Cascade"),
    Cascade.REFERENTIAL: ("NoCascade", "RemoveLink", "RemoveLink"),
    Cascade.RESTRICT: ("NoCascade", "Restrict", "Restrict"),
}
# Column types exports write with ImeMode "disabled" (numbers and files).
_IME_DISABLED = (ColumnType.INTEGER, ColumnType.BIGINT, ColumnType.DECIMAL, ColumnType.FILE)

# Custom activities in exports: ActivityTypeMask by name (CommunicationActivity: offered in the activity menus);
# 0 is "None" in Microsoft's custom-activities documentation.
ACTIVITY_TYPE_MASKS = {0: "None", 1: "CommunicationActivity"}
# 1 = offered in the Activities menus (an Outbox can be created by hand); 0 = made by the function app only
_ACTIVITY_MENU = {"smsb_outbox": 1}

# Table settings in the order exports write them; entity_info() fills in the ones that vary ("").
_ENTITY_SETTINGS = (
    ("IsDuplicateCheckSupported", "1"), ("IsBusinessProcessEnabled", "0"), ("IsRequiredOffline", "0"),
    ("IsInteractionCentricEnabled", "0"), ("IsCollaboration", "0"), ("AutoRouteToOwnerQueue", "0"),
    ("IsConnectionsEnabled", "0"), ("IsDocumentManagementEnabled", "0"), ("AutoCreateAccessTeams", "0"),
    ("IsOneNoteIntegrationEnabled", "0"), ("IsKnowledgeManagementEnabled", "0"), ("IsSLAEnabled", "0"),
    ("IsDocumentRecommendationsEnabled", "0"), ("IsBPFEntity", "0"), ("OwnershipTypeMask", ""),
    ("IsAuditEnabled", "1"), ("IsRetrieveAuditEnabled", "0"), ("IsRetrieveMultipleAuditEnabled", "0"),
    ("IsActivity", ""), ("ActivityTypeMask", ""), ("IsActivityParty", "0"), ("IsReplicated", "0"),
    ("IsReplicationUserFiltered", "0"), ("IsMailMergeEnabled", "0"), ("IsVisibleInMobile", "0"),
    ("IsVisibleInMobileClient", "1"), ("IsReadOnlyInMobileClient", "0"), ("IsOfflineInMobileClient", ""),
    ("DaysSinceRecordLastModified", "0"), ("MobileOfflineFilters", ""), ("IsMapiGridEnabled", "1"),
    ("IsReadingPaneEnabled", "1"), ("IsQuickCreateEnabled", "0"), ("SyncToExternalSearchIndex", "0"),
    ("IntroducedVersion", ""), ("IsCustomizable", "1"), ("IsRenameable", "1"), ("IsMappable", "1"),
    ("CanModifyAuditSettings", "1"), ("CanModifyMobileVisibility", "1"), ("CanModifyMobileClientVisibility", "1"),
    ("CanModifyMobileClientReadOnly", "1"), ("CanModifyMobileClientOffline", "1"),
    ("CanModifyConnectionSettings", "1"), ("CanModifyDuplicateDetectionSettings", "1"),
    ("CanModifyMailMergeSettings", "1"), ("CanModifyQueueSettings", "1"), ("CanCreateAttributes", "1"),
    ("CanCreateForms", "1"), ("CanCreateCharts", "1"), ("CanCreateViews", "1"), ("CanModifyAdditionalSettings", "1"),
    ("CanEnableSyncToExternalSearchIndex", "1"), ("EnforceStateTransitions", "0"),
    ("CanChangeHierarchicalRelationship", "1"), ("EntityHelpUrlEnabled", "0"), ("ChangeTrackingEnabled", "1"),
    ("CanChangeTrackingBeEnabled", "1"), ("IsEnabledForExternalChannels", "0"), ("IsMSTeamsIntegrationEnabled", "0"),
    ("IsSolutionAware", "0"),
)
# What both exported Microsoft custom activities (appbase_ActionItem, msnfp_Message) carry: the platform turns
# these on for every activity table.
_ACTIVITY_SETTINGS = {"IsCollaboration": "1", "IsConnectionsEnabled": "1", "IsReplicated": "1"}


def is_user_owned(table: Table) -> bool:
    return table.ownership is Ownership.USER


def packaged_relationships(schema: Schema) -> tuple[Relationship, ...]:
    """Relationships behind the product's own lookup columns (Dataverse makes the system ones)."""
    return tuple(
        r
        for r in schema.relationships
        if schema.table(r.referencing_table).is_custom and r.referencing_attribute.startswith("smsb_")
    )


def table_attributes(schema: Schema, table: Table) -> tuple[AttributeSpec, ...]:
    """Every column an export of ``table`` declares, sorted by schema name as exports sort them."""
    platform = load_platform().columns(
        activity=table.is_activity, user_owned=is_user_owned(table), table=table.logical_name,
        display=table.display_name, introduced=INTRODUCED,
    )
    inherited = schema.table("activitypointer") if table.is_activity and schema.has_table("activitypointer") else None
    specs = [_refined(s, table, inherited) for s in platform]
    if not table.is_activity:  # an activity's id and subject are activity columns
        specs.append(_primary_id(table))
        if table.primary_name:
            specs.append(_custom(table, table.column(table.primary_name), primary_name=True))
    primary = {table.primary_id, table.primary_name}
    specs.extend(_custom(table, c) for c in table.columns if c.name.startswith("smsb_") and c.name not in primary)
    names = [s.name for s in specs]
    if len(names) != len(set(names)):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"{table.logical_name}: columns declared twice: {twice}")
    return tuple(sorted(specs, key=lambda s: s.physical.lower()))


def entity_info(parent: Element, schema: Schema, table: Table) -> None:
    """``<EntityInfo><entity>…</entity></EntityInfo>`` for one of the product's tables."""
    info = sub(parent, "EntityInfo")
    entity = sub(info, "entity", Name=schema_name(table))
    labels(entity, "LocalizedNames", "LocalizedName", table.display_name)
    labels(entity, "LocalizedCollectionNames", "LocalizedCollectionName", table.display_plural)
    labels(entity, "Descriptions", "Description", table.description)
    attributes = sub(entity, "attributes")
    for spec in table_attributes(schema, table):
        write_attribute(attributes, spec)
    if table.keys:
        _keys(entity, table)
    sub(entity, "EntitySetName", table.entity_set)
    varying = {
        "OwnershipTypeMask": "UserOwned" if is_user_owned(table) else "OrgOwned",
        "IsActivity": flag(table.is_activity),
        "ActivityTypeMask": ACTIVITY_TYPE_MASKS[_ACTIVITY_MENU.get(table.logical_name, 0)] if table.is_activity else "",
        "IsOfflineInMobileClient": flag(table.is_activity),  # custom activities must be available offline
        "IntroducedVersion": INTRODUCED,
    }
    if table.is_activity:
        varying.update(_ACTIVITY_SETTINGS)
    for tag, value in _ENTITY_SETTINGS:
        sub(entity, tag, varying.get(tag, value))
    if table.is_activity:  # notes and feedback are on for every exported custom activity
        sub(entity, "HasRelatedNotes", "True")
        sub(entity, "HasRelatedFeedback", "True")


def _keys(entity: Element, table: Table) -> None:
    keys = sub(entity, "EntityKeys")
    for key in table.keys:
        node = sub(keys, "EntityKey")
        sub(node, "Name", key.name)
        sub(node, "LogicalName", key.name)
        sub(node, "IntroducedVersion", INTRODUCED)
        sub(node, "IsCustomizable", "1")
        names = sub(node, "EntityKeyAttributes")
        for key_column in key.columns:
            sub(names, "AttributeName", key_column)
        labels(node, "displaynames", "displayname", " and ".join(table.column(c).display_name for c in key.columns))


# --- columns -----------------------------------------------------------------------------------------


def _refined(spec: AttributeSpec, table: Table, inherited: Table | None) -> AttributeSpec:
    """A platform column as the table's own definition refines it (a label, a requirement, status reasons)."""
    column = table.find_column(spec.name)
    if column is None:
        return spec
    if inherited is not None and inherited.find_column(spec.name) != column:  # the activity's file declares it
        spec = dataclasses.replace(spec, label=column.display_name, required=_stricter(spec.required, column),
                                   description=column.description or spec.description)
    box = spec.optionset
    if box is not None and box.kind in ("state", "status") and column.choices:
        options = _status_options(table, column, box)
        if options != box.options:
            spec = dataclasses.replace(spec, optionset=dataclasses.replace(box, options=options))
    return spec


_REQUIREMENT_ORDER = ("none", "recommended", "required", "systemrequired")


def _stricter(platform: str, column: Column) -> str:
    """A table's definition may make a platform column more required, never less (statecode stays systemrequired)."""
    own = _REQUIRED[column.required]
    return max(platform, own, key=_REQUIREMENT_ORDER.index)


def _status_options(table: Table, column: Column, box: OptionSetSpec) -> tuple[OptionSpec, ...]:
    """The table's states or status reasons in the form of the platform's option set (the table's choices win)."""
    choices = sorted(column.choices, key=lambda c: int(c.value))
    if box.kind == "status":
        return tuple(OptionSpec(int(c.value), c.label, state=int(c.state or 0)) for c in choices)
    platform = {o.value: o for o in box.options}
    reasons = table.find_column("statuscode")
    out = []
    for c in choices:
        known = platform.get(int(c.value))
        default = known.default_status if known is not None else None
        of_state = [int(r.value) for r in reasons.choices if r.state == c.value] if reasons is not None else []
        if of_state and default not in of_state:
            default = min(of_state)
        out.append(OptionSpec(int(c.value), c.label, default_status=default,
                              invariant=known.invariant if known is not None else c.label))
    return tuple(out)


def _primary_id(table: Table) -> AttributeSpec:
    """A table's primary key as exports write it (not a custom field, not audited, never updated)."""
    column = table.column(table.primary_id)
    return AttributeSpec(
        physical=column.name, crm_type="primarykey", label=column.display_name, description=column.description,
        required="systemrequired", mask="ValidForAdvancedFind|RequiredForGrid", update=False, audit=False,
        introduced=INTRODUCED, can_modify_requirement=False, filterable=True, retrievable=True,
    )


def _custom(table: Table, column: Column, *, primary_name: bool = False) -> AttributeSpec:
    """One of the product's columns, with the values exports give a column of its kind."""
    ctype = column.type
    file = ctype is ColumnType.FILE
    if primary_name:
        mask = "PrimaryName|ValidForAdvancedFind|ValidForForm|ValidForGrid|RequiredForForm"
    elif file:
        mask = "ValidForForm|ValidForGrid"
    else:
        mask = "ValidForAdvancedFind|ValidForForm|ValidForGrid"
    # lookups: exports of industry-apps write no ImeMode for most custom lookups (302 of 519)
    ime = ("disabled" if ctype in _IME_DISABLED else "inactive" if ctype is ColumnType.DATETIME
           else "" if ctype is ColumnType.LOOKUP else "auto")
    return AttributeSpec(
        physical=column.name, crm_type=_crm_type(column), label=column.display_name, description=column.description,
        required=_REQUIRED[column.required], mask=mask, ime=ime, update=not file, create=not file, custom=True,
        audit=column.audited, secured=column.secured, introduced=INTRODUCED, can_modify_search=not file,
        can_modify_requirement=not file, can_modify_sortable=not file, searchable=primary_name,
        retrievable=primary_name, details=_details(column),
        lookup_types=() if ctype is ColumnType.LOOKUP else None,
        optionset=_optionset(table, column) if ctype in (ColumnType.CHOICE, ColumnType.BOOLEAN) else None,
    )


def _details(column: Column) -> tuple[tuple[str, str], ...]:
    """What depends on the column's type, in export order (customer columns: exports write neither LookupStyle
    nor LookupTypes)."""
    make = _DETAILS.get(column.type)
    return make(column) if make is not None else ()


def _string(column: Column) -> tuple[tuple[str, str], ...]:
    length = column.max_length or 100
    return (("Format", _STRING_FORMATS.get(column.format, "text")), ("MaxLength", str(length)),
            ("Length", str(2 * length)))


def _whole_number(column: Column) -> tuple[tuple[str, str], ...]:
    low, high = _INT_RANGE
    return (("Format", "none"), ("MinValue", str(int(column.min_value if column.min_value is not None else low))),
            ("MaxValue", str(int(column.max_value if column.max_value is not None else high))))


def _decimal(column: Column) -> tuple[tuple[str, str], ...]:
    return (("MinValue", _number(column.min_value, -100000000000)),
            ("MaxValue", _number(column.max_value, 100000000000)),
            ("Accuracy", str(column.precision if column.precision is not None else 2)))


_DETAILS: dict[ColumnType, Callable[[Column], tuple[tuple[str, str], ...]]] = {
    ColumnType.STRING: _string,
    ColumnType.MEMO: lambda c: (("Format", "textarea"), ("MaxLength", str(c.max_length or 2000))),
    ColumnType.INTEGER: _whole_number,
    ColumnType.BIGINT: _whole_number,
    ColumnType.DECIMAL: _decimal,
    # user local: stored in UTC, shown in the user's time zone
    ColumnType.DATETIME: lambda _: (("Format", "datetime"), ("CanChangeDateTimeBehavior", "1"), ("Behavior", "1")),
    ColumnType.LOOKUP: lambda _: (("LookupStyle", "single"),),
    # exports give a file column's largest size, in KB, as MaxValue
    ColumnType.FILE: lambda c: (("MaxValue", str(c.max_size_kb or 32768)),),
    ColumnType.CHOICE: lambda c: (("AppDefaultValue", str(int(c.default) if c.default is not None else -1)),),
    ColumnType.BOOLEAN: lambda c: (("AppDefaultValue", str(int(bool(c.default)))),),
}


def _number(value: float | None, default: int) -> str:
    if value is None:
        return str(default)
    return str(int(value)) if float(value).is_integer() else str(value)


def _crm_type(column: Column) -> str:
    return {
        ColumnType.STRING: "nvarchar",
        ColumnType.MEMO: "ntext",
        ColumnType.INTEGER: "int",
        ColumnType.BIGINT: "bigint",
        ColumnType.DECIMAL: "decimal",
        ColumnType.BOOLEAN: "bit",
        ColumnType.DATETIME: "datetime",
        ColumnType.CHOICE: "picklist",
        ColumnType.LOOKUP: "lookup",
        ColumnType.CUSTOMER: "customer",
        ColumnType.OWNER: "owner",
        ColumnType.FILE: "file",
        ColumnType.UNIQUEIDENTIFIER: "uniqueidentifier",
        ColumnType.STATE: "state",
        ColumnType.STATUS: "status",
    }[column.type]


def _optionset(table: Table, column: Column) -> OptionSetSpec:
    return OptionSetSpec(
        name=f"{table.logical_name}_{column.name}",
        kind="bit" if column.type is ColumnType.BOOLEAN else "picklist",
        introduced=INTRODUCED, label=column.display_name, description=column.description,
        options=tuple(OptionSpec(int(c.value), c.label) for c in sorted(column.choices, key=lambda c: int(c.value))),
    )


# --- relationships -----------------------------------------------------------------------------------


def relationship(parent: Element, schema: Schema, rel: Relationship) -> None:
    """One of the product's 1:N relationships. The roles as exports write them: type 1 carries the navigation
    pane and the single-valued navigation property (the ``@odata.bind`` name), type 0 the collection-valued one."""
    node = sub(parent, "EntityRelationship", Name=rel.name)
    column = schema.table(rel.referencing_table).column(rel.referencing_attribute)
    security, delete, archive = _CASCADES[rel.cascade]
    # The table file may set single actions apart from its rule (a user's own child row that must not follow an
    # Assign of its parent, for one).
    chosen = dict(rel.cascade_configuration)
    cascade = tuple(chosen.get(action, default) for action, default in (
        ("Assign", security), ("Delete", delete), ("Archive", archive), ("Reparent", security), ("Share", security),
        ("Unshare", security)))
    _relationship_head(node, schema_name(schema.table(rel.referencing_table)),
                       schema_name(schema.table(rel.referenced_table)), cascade, "NoCascade")
    sub(node, "IsValidForAdvancedFind", "1")
    sub(node, "ReferencingAttributeName", rel.referencing_attribute)
    labels(sub(node, "RelationshipDescription"), "Descriptions", "Description", column.display_name)
    roles = sub(node, "EntityRelationshipRoles")
    _role(roles, 1, rel.referencing_navigation, nav_pane_order=10000)
    _role(roles, 0, rel.referenced_navigation)


def system_relationships(parent: Element, table: Table) -> None:
    """The relationships Dataverse made for the platform columns of ``table``, as exports list them."""
    for rel in load_platform().relationships(activity=table.is_activity, user_owned=is_user_owned(table)):
        system_relationship(parent, rel, schema_name(table))


def system_relationship(parent: Element, rel: SystemRelationship, table: str) -> None:
    node = sub(parent, "EntityRelationship", Name=rel.name.replace("{table}", table))
    _relationship_head(node, table, rel.referenced, rel.cascade, rel.rollup)
    sub(node, "ReferencingAttributeName", rel.attribute)
    labels(sub(node, "RelationshipDescription"), "Descriptions", "Description", rel.description)
    if rel.roles:
        roles = sub(node, "EntityRelationshipRoles")
        for role_type, navigation in rel.roles:
            _role(roles, role_type, navigation.replace("{table}", table),
                  nav_pane_order=rel.nav_pane_order if role_type == 1 else None)


def _relationship_head(node: Element, referencing: str, referenced: str, cascade: tuple[str, ...],
                       rollup: str | None) -> None:
    sub(node, "EntityRelationshipType", "OneToMany")
    sub(node, "IsCustomizable", "1")
    sub(node, "IntroducedVersion", INTRODUCED)
    sub(node, "IsHierarchical", "0")
    sub(node, "ReferencingEntityName", referencing)
    sub(node, "ReferencedEntityName", referenced)
    for tag, value in zip(("CascadeAssign", "CascadeDelete", "CascadeArchive", "CascadeReparent", "CascadeShare",
                           "CascadeUnshare"), cascade, strict=True):
        sub(node, tag, value)
    if rollup is not None:
        sub(node, "CascadeRollupView", rollup)


def _role(roles: Element, role_type: int, navigation: str, *, nav_pane_order: int | None = None) -> None:
    role = sub(roles, "EntityRelationshipRole")
    if nav_pane_order is not None:
        sub(role, "NavPaneDisplayOption", "UseCollectionName")
        sub(role, "NavPaneArea", "Details")
        sub(role, "NavPaneOrder", str(nav_pane_order))
    sub(role, "NavigationPropertyName", navigation)
    sub(role, "RelationshipRoleType", str(role_type))


_STANDARD_SCHEMA_NAMES = {
    "systemuser": "SystemUser",
    "businessunit": "BusinessUnit",
    "activitypointer": "ActivityPointer",
    "activityparty": "ActivityParty",
    "incident": "Incident",
    "salesorder": "SalesOrder",
    "appnotification": "appnotification",
}


def schema_name(table: Table) -> str:
    """Our tables: SchemaName = logical name (solution/README.md). Standard tables: Microsoft's SchemaName."""
    if table.is_custom:
        return table.logical_name
    return _STANDARD_SCHEMA_NAMES.get(table.logical_name, table.logical_name.capitalize())
