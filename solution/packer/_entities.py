"""Tables, columns, alternate keys and relationships of ``customizations.xml``, from ``solution.schema``."""

from __future__ import annotations

from solution.schema import Cascade, Column, ColumnType, Ownership, Relationship, RequiredLevel, Schema, Table

from ._xml import Element, flag, labels, sub

INTRODUCED = "1.0.0.0"

# Dataverse creates these columns itself for a new table; the package declares only the product's own.
_INT_RANGE = (-2147483648, 2147483647)
_REQUIRED = {
    RequiredLevel.NONE: "none",
    RequiredLevel.RECOMMENDED: "recommended",
    RequiredLevel.REQUIRED: "required",
    RequiredLevel.SYSTEM: "systemrequired",
}
_STRING_FORMATS = {None: "text", "phone": "phone", "email": "email", "url": "url"}
_CASCADES = {
    # (assign/share/unshare/reparent, delete)
    Cascade.PARENTAL: ("Cascade", "Cascade"),
    Cascade.REFERENTIAL: ("NoCascade", "RemoveLink"),
    Cascade.RESTRICT: ("NoCascade", "Restrict"),
}

# Table settings in the order exports write them; entity_info() fills in the ones that vary ("").
_ENTITY_SETTINGS = (
    ("IsDuplicateCheckSupported", ""), ("IsBusinessProcessEnabled", "0"), ("IsRequiredOffline", "0"),
    ("IsInteractionCentricEnabled", "0"), ("IsCollaboration", "0"), ("AutoRouteToOwnerQueue", "0"),
    ("IsConnectionsEnabled", "0"), ("IsDocumentManagementEnabled", "0"), ("AutoCreateAccessTeams", "0"),
    ("IsOneNoteIntegrationEnabled", "0"), ("IsKnowledgeManagementEnabled", "0"), ("IsSLAEnabled", "0"),
    ("IsDocumentRecommendationsEnabled", "0"), ("IsBPFEntity", "0"), ("OwnershipTypeMask", ""),
    ("IsAuditEnabled", "1"), ("IsActivity", ""), ("ActivityTypeMask", ""), ("IsActivityParty", "0"),
    ("IsReplicated", "0"), ("IsReplicationUserFiltered", "0"), ("IsMailMergeEnabled", "0"),
    ("IsVisibleInMobile", "0"), ("IsVisibleInMobileClient", "1"), ("IsReadOnlyInMobileClient", "0"),
    ("IsOfflineInMobileClient", ""), ("DaysSinceRecordLastModified", "0"), ("IsMapiGridEnabled", "1"),
    ("IsReadingPaneEnabled", "1"), ("IsQuickCreateEnabled", "0"), ("SyncToExternalSearchIndex", "0"),
    ("IntroducedVersion", ""), ("IsCustomizable", "1"), ("IsRenameable", "1"), ("IsMappable", "1"),
    ("CanModifyAuditSettings", "1"), ("CanModifyMobileVisibility", "1"), ("CanModifyMobileClientVisibility", "1"),
    ("CanModifyMobileClientReadOnly", "1"), ("CanModifyMobileClientOffline", "1"),
    ("CanModifyConnectionSettings", "1"), ("CanModifyDuplicateDetectionSettings", "1"),
    ("CanModifyMailMergeSettings", "1"), ("CanModifyQueueSettings", "1"), ("CanCreateAttributes", "1"),
    ("CanCreateForms", "1"), ("CanCreateCharts", "1"), ("CanCreateViews", "1"), ("CanModifyAdditionalSettings", "1"),
    ("CanEnableSyncToExternalSearchIndex", "1"), ("EnforceStateTransitions", "0"),
    ("CanChangeHierarchicalRelationship", "1"), ("EntityHelpUrlEnabled", "0"), ("ChangeTrackingEnabled", "1"),
    ("CanChangeTrackingBeEnabled", "1"), ("IsEnabledForExternalChannels", "0"),
)


def packaged_columns(table: Table) -> tuple[Column, ...]:
    """The columns a package declares for one of our tables: the ``smsb_`` ones, plus the primary id and
    name of a standard table (an activity's ``activityid``/``subject`` come from the activity base)."""
    keep = {c.name for c in table.columns if c.name.startswith("smsb_")}
    if not table.is_activity:
        keep.add(table.primary_id)
        if table.primary_name:
            keep.add(table.primary_name)
    return tuple(c for c in table.columns if c.name in keep)


def packaged_relationships(schema: Schema) -> tuple[Relationship, ...]:
    """Relationships behind the product's own lookup columns (Dataverse makes the system ones)."""
    return tuple(
        r
        for r in schema.relationships
        if schema.table(r.referencing_table).is_custom and r.referencing_attribute.startswith("smsb_")
    )


def entity_info(parent: Element, table: Table) -> None:
    """``<EntityInfo><entity>…</entity></EntityInfo>`` for one of the product's tables."""
    info = sub(parent, "EntityInfo")
    entity = sub(info, "entity", Name=table.logical_name)
    labels(entity, "LocalizedNames", "LocalizedName", table.display_name)
    labels(entity, "LocalizedCollectionNames", "LocalizedCollectionName", table.display_plural)
    labels(entity, "Descriptions", "Description", table.description)
    attributes = sub(entity, "attributes")
    for column in packaged_columns(table):
        _attribute(attributes, table, column)
    sub(entity, "EntitySetName", table.entity_set)
    owned = table.ownership is Ownership.USER
    # 1 = offered in the Activities menus (an Outbox can be created by hand); 0 = made by the function app only
    activity_mask = ("1" if table.logical_name == "smsb_outbox" else "0") if table.is_activity else ""
    varying = {
        "IsDuplicateCheckSupported": flag(not table.is_activity),
        "OwnershipTypeMask": "UserOwned" if owned else "OrgOwned",
        "IsActivity": flag(table.is_activity),
        "ActivityTypeMask": activity_mask,
        "IsOfflineInMobileClient": flag(table.is_activity),  # custom activities must be available offline
        "IntroducedVersion": INTRODUCED,
    }
    for tag, value in _ENTITY_SETTINGS:
        sub(entity, tag, varying.get(tag, value))
    if table.keys:
        keys = sub(entity, "EntityKeys")
        for key in table.keys:
            node = sub(keys, "EntityKey")
            sub(node, "Name", key.name)
            sub(node, "LogicalName", key.name)
            sub(node, "IntroducedVersion", INTRODUCED)
            sub(node, "IsCustomizable", "1")
            labels(node, "displaynames", "displayname", _key_label(table, key.columns))
            names = sub(node, "EntityKeyAttributes")
            for key_column in key.columns:
                sub(names, "AttributeName", key_column)


def _key_label(table: Table, columns: tuple[str, ...]) -> str:
    return " and ".join(table.column(c).display_name for c in columns)


def _attribute(parent: Element, table: Table, column: Column) -> None:
    node = sub(parent, "attribute", PhysicalName=column.name)
    ctype = column.type
    is_pk = column.name == table.primary_id
    is_name = column.name == table.primary_name
    sub(node, "Type", _crm_type(column, is_pk))
    sub(node, "Name", column.name)
    sub(node, "LogicalName", column.name)
    sub(node, "RequiredLevel", "systemrequired" if is_pk else _REQUIRED[column.required])
    if is_pk:
        mask = "ValidForAdvancedFind|RequiredForGrid"
    elif is_name:
        mask = "PrimaryName|ValidForAdvancedFind|ValidForForm|ValidForGrid|RequiredForForm"
    else:
        mask = "ValidForAdvancedFind|ValidForForm|ValidForGrid"
    sub(node, "DisplayMask", mask)
    sub(node, "ImeMode", "auto" if ctype in (ColumnType.STRING, ColumnType.MEMO) else "inactive")
    sub(node, "ValidForUpdateApi", flag(not is_pk))
    sub(node, "ValidForReadApi", "1")
    sub(node, "ValidForCreateApi", "1")
    sub(node, "IsCustomField", flag(column.name.startswith("smsb_")))
    sub(node, "IsAuditEnabled", flag(column.audited))
    sub(node, "IsSecured", flag(column.secured))
    sub(node, "IntroducedVersion", INTRODUCED)
    sub(node, "IsCustomizable", "1")
    sub(node, "IsRenameable", "1")
    sub(node, "CanModifySearchSettings", "1")
    sub(node, "CanModifyRequirementLevelSettings", flag(not is_pk))
    sub(node, "CanModifyAdditionalSettings", "1")
    sub(node, "SourceType", "0")
    sub(node, "IsGlobalFilterEnabled", "0")
    sub(node, "IsSortableEnabled", "0")
    sub(node, "CanModifyGlobalFilterSettings", "1")
    sub(node, "CanModifyIsSortableSettings", "1")
    sub(node, "IsDataSourceSecret", flag(column.secured))
    _type_details(node, table, column, is_pk)
    labels(node, "displaynames", "displayname", column.display_name)
    labels(node, "Descriptions", "Description", column.description)


def _type_details(node: Element, table: Table, column: Column, is_pk: bool) -> None:
    """Length, format, range, option set: what depends on the column's type."""
    ctype = column.type
    if ctype is ColumnType.STRING and not is_pk:
        sub(node, "Format", _STRING_FORMATS.get(column.format, "text"))
        sub(node, "MaxLength", column.max_length or 100)
        sub(node, "Length", 2 * (column.max_length or 100))
    elif ctype is ColumnType.MEMO:
        sub(node, "Format", "textarea")
        sub(node, "MaxLength", column.max_length or 2000)
    elif ctype in (ColumnType.INTEGER, ColumnType.BIGINT):
        sub(node, "Format", "none")
        low, high = _INT_RANGE
        sub(node, "MinValue", int(column.min_value if column.min_value is not None else low))
        sub(node, "MaxValue", int(column.max_value if column.max_value is not None else high))
    elif ctype is ColumnType.DECIMAL:
        sub(node, "MinValue", str(column.min_value if column.min_value is not None else -100000000000))
        sub(node, "MaxValue", str(column.max_value if column.max_value is not None else 100000000000))
        sub(node, "Accuracy", column.precision if column.precision is not None else 2)
    elif ctype is ColumnType.DATETIME:
        sub(node, "Format", "datetime")
        sub(node, "Behavior", "1")  # user local: stored in UTC, shown in the user's time zone
        sub(node, "CanChangeDateTimeBehavior", "1")
    elif ctype in (ColumnType.LOOKUP, ColumnType.CUSTOMER):
        sub(node, "LookupStyle", "single")
        sub(node, "LookupTypes")
    elif ctype is ColumnType.FILE:
        # Newer than the 2019 XSD (see schemas/README.md): type "file" and MaxSizeInKB.
        sub(node, "MaxSizeInKB", column.max_size_kb or 32768)
    elif ctype in (ColumnType.CHOICE, ColumnType.BOOLEAN):
        if column.default is not None:
            sub(node, "AppDefaultValue", int(column.default))
        _optionset(node, table, column)


def _crm_type(column: Column, is_pk: bool) -> str:
    if is_pk:
        return "primarykey"
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


def _optionset(parent: Element, table: Table, column: Column) -> None:
    box = sub(parent, "optionset", Name=f"{table.logical_name}_{column.name}")
    sub(box, "OptionSetType", "bit" if column.type is ColumnType.BOOLEAN else "picklist")
    sub(box, "IsGlobal", "0")
    sub(box, "IntroducedVersion", INTRODUCED)
    sub(box, "IsCustomizable", "1")
    labels(box, "displaynames", "displayname", column.display_name)
    labels(box, "Descriptions", "Description", column.description)
    options = sub(box, "options")
    for choice in sorted(column.choices, key=lambda c: int(c.value)):
        option = sub(options, "option", value=str(int(choice.value)))
        labels(option, "labels", "label", choice.label)


def relationship(parent: Element, schema: Schema, rel: Relationship) -> None:
    node = sub(parent, "EntityRelationship", Name=rel.name)
    column = schema.table(rel.referencing_table).column(rel.referencing_attribute)
    sub(node, "EntityRelationshipType", "OneToMany")
    sub(node, "IsCustomizable", "1")
    sub(node, "IntroducedVersion", INTRODUCED)
    sub(node, "IsHierarchical", "0")
    sub(node, "ReferencingEntityName", schema_name(schema.table(rel.referencing_table)))
    sub(node, "ReferencedEntityName", schema_name(schema.table(rel.referenced_table)))
    security, delete = _CASCADES[rel.cascade]
    sub(node, "CascadeAssign", security)
    sub(node, "CascadeDelete", delete)
    sub(node, "CascadeReparent", security)
    sub(node, "CascadeShare", security)
    sub(node, "CascadeUnshare", security)
    sub(node, "CascadeRollupView", "NoCascade")
    sub(node, "IsValidForAdvancedFind", "1")
    sub(node, "ReferencingAttributeName", rel.referencing_attribute)
    description = sub(node, "RelationshipDescription")
    labels(description, "Descriptions", "Description", column.display_name)
    roles = sub(node, "EntityRelationshipRoles")
    referenced = sub(roles, "EntityRelationshipRole")  # the parent's side: navigation pane + collection property
    sub(referenced, "NavPaneDisplayOption", "UseCollectionName")
    sub(referenced, "NavPaneArea", "Details")
    sub(referenced, "NavPaneOrder", "10000")
    sub(referenced, "NavigationPropertyName", rel.referenced_navigation)
    sub(referenced, "RelationshipRoleType", "1")
    referencing = sub(roles, "EntityRelationshipRole")  # the child's side: the @odata.bind name
    sub(referencing, "NavigationPropertyName", rel.referencing_navigation)
    sub(referencing, "RelationshipRoleType", "0")


_STANDARD_SCHEMA_NAMES = {
    "systemuser": "SystemUser",
    "businessunit": "BusinessUnit",
    "activitypointer": "ActivityPointer",
    "activityparty": "ActivityParty",
    "incident": "Incident",
    "appnotification": "appnotification",
}


def schema_name(table: Table) -> str:
    """Our tables: SchemaName = logical name (solution/README.md). Standard tables: Microsoft's SchemaName."""
    if table.is_custom:
        return table.logical_name
    return _STANDARD_SCHEMA_NAMES.get(table.logical_name, table.logical_name.capitalize())
