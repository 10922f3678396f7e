"""The standard tables the generator makes, and what the CDM documents do not say about them."""

from __future__ import annotations

from .model import TableSource

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
REGARDING_TABLES = ("account", "contact", "incident", "lead", "opportunity", "salesorder")
