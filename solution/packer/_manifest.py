"""``solution.xml``: the solution's name, version and publisher, and its root components in package order."""

from __future__ import annotations

from ._ids import profile_id, role_id
from ._sources import Sources, custom_tables, standard_tables_with_forms, wiring
from ._xml import LANGUAGE, Element, etree, labels, sub
from ._xml import serialize as _serialize

SOLUTION_UNIQUE_NAME = "SmsBridge"
SOLUTION_DISPLAY_NAME = "SMS Bridge"
SOLUTION_DESCRIPTION = "Two-way SMS/MMS conversations with customers inside Dynamics 365, carried by Twilio."
PUBLISHER_UNIQUE_NAME = "smsbridge"
PUBLISHER_DISPLAY_NAME = "SMS Bridge"
PUBLISHER_PREFIX = "smsb"
OPTION_VALUE_PREFIX = 10747

# RootComponent types (dataverse notes §3.1); the application ribbon is type 50 named ":RibbonDiffXml"
ENTITY, ROLE, RIBBON, SYSTEM_FORM, WEB_RESOURCE, SITE_MAP, CUSTOM_CONTROL, FIELD_SECURITY_PROFILE, APP_MODULE = (
    1, 20, 50, 60, 61, 62, 66, 70, 80,
)
APPLICATION_RIBBON = ":RibbonDiffXml"


def solution_version(version: str) -> str:
    """Dataverse solution versions have four parts: ``0.1.0`` → ``0.1.0.0``."""
    parts = version.split(".")
    if not 1 <= len(parts) <= 4 or not all(p.isdigit() for p in parts):
        raise ValueError(f"VERSION {version!r} is not a dotted number of up to four parts")
    return ".".join(parts + ["0"] * (4 - len(parts)))


def root_components(src: Sources) -> list[tuple[int, dict[str, str]]]:
    """(type, attributes) of every RootComponent, in package order."""
    d = src.definitions
    out: list[tuple[int, dict[str, str]]] = []
    for table in custom_tables(src.schema):
        out.append((ENTITY, {"schemaName": table.logical_name, "behavior": "0"}))
    for table_name in standard_tables_with_forms(src):
        # Shell only: the table's forms in customizations.xml travel as its subcomponents; exports list no
        # separate type-60 root components for them (microsoft/industry-apps: contact, behavior 2, with its form).
        out.append((ENTITY, {"schemaName": table_name, "behavior": "2"}))
    out.extend((ROLE, {"id": role_id(r.key), "behavior": "0"}) for r in d.roles)
    out.extend((FIELD_SECURITY_PROFILE, {"id": profile_id(p.key), "behavior": "0"}) for p in d.field_security_profiles)
    out.extend((WEB_RESOURCE, {"schemaName": w.name, "behavior": "0"}) for w in src.webresources)
    out.extend((CUSTOM_CONTROL, {"schemaName": c.name, "behavior": "0"}) for c in src.controls)
    if wiring(src).application_buttons():
        out.append((RIBBON, {"schemaName": APPLICATION_RIBBON, "behavior": "0"}))
    out.append((SITE_MAP, {"schemaName": d.app.unique_name, "behavior": "0"}))
    out.append((APP_MODULE, {"schemaName": d.app.unique_name, "behavior": "0"}))
    return out


def solution_xml(src: Sources, managed: bool) -> bytes:
    version = solution_version(src.version)
    root = etree.Element(
        "ImportExportXml",
        nsmap={"xsi": "http://www.w3.org/2001/XMLSchema-instance"},
        version="9.2.0.0",
        SolutionPackageVersion="9.2",
        languagecode=LANGUAGE,
        generatedBy="CrmLive",
    )
    manifest = sub(root, "SolutionManifest")
    sub(manifest, "UniqueName", SOLUTION_UNIQUE_NAME)
    labels(manifest, "LocalizedNames", "LocalizedName", SOLUTION_DISPLAY_NAME)
    labels(manifest, "Descriptions", "Description", SOLUTION_DESCRIPTION)
    sub(manifest, "Version", version)
    sub(manifest, "Managed", "1" if managed else "0")
    publisher = sub(manifest, "Publisher")
    sub(publisher, "UniqueName", PUBLISHER_UNIQUE_NAME)
    labels(publisher, "LocalizedNames", "LocalizedName", PUBLISHER_DISPLAY_NAME)
    labels(publisher, "Descriptions", "Description", "Publisher of the open-source SMS Bridge solution.")
    _nil(publisher, "EMailAddress")
    _nil(publisher, "SupportingWebsiteUrl")
    sub(publisher, "CustomizationPrefix", PUBLISHER_PREFIX)
    sub(publisher, "CustomizationOptionValuePrefix", OPTION_VALUE_PREFIX)
    addresses = sub(publisher, "Addresses")
    for number in ("1", "2"):
        address = sub(addresses, "Address")
        sub(address, "AddressNumber", number)
        sub(address, "AddressTypeCode", "1")
        for name in ("City", "County", "Country", "Fax", "FreightTermsCode", "ImportSequenceNumber", "Latitude",
                     "Line1", "Line2", "Line3", "Longitude", "Name", "PostalCode", "PostOfficeBox",
                     "PrimaryContactName"):
            _nil(address, name)
        sub(address, "ShippingMethodCode", "1")
        for name in ("StateOrProvince", "Telephone1", "Telephone2", "Telephone3", "TimeZoneRuleVersionNumber",
                     "UPSZone", "UTCOffset", "UTCConversionTimeZoneCode"):
            _nil(address, name)
    roots = sub(manifest, "RootComponents")
    for ctype, attrs in root_components(src):
        sub(roots, "RootComponent", type=str(ctype), **attrs)
    sub(manifest, "MissingDependencies")
    return _serialize(root)


def _nil(parent: Element, tag: str) -> None:
    sub(parent, tag).set("{http://www.w3.org/2001/XMLSchema-instance}nil", "true")
