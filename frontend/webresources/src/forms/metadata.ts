/**
 * Table and column choices for the pickers. `Xrm.Utility.getEntityMetadata` returns attributes only for names it
 * is given, so the candidate columns are listed with the Web API's metadata queries (`EntityDefinitions`), which
 * also carry display names; `getEntityMetadata` supplies the entity set name for reading a record.
 */
import type { DataverseApi, Row, TableRef } from "@smsb/shared";

export interface Choice {
    readonly value: string;
    readonly label: string;
}

function logicalName(row: Row): string {
    return typeof row.LogicalName === "string" ? row.LogicalName : "";
}

function label(row: Row): string {
    const display = row.DisplayName as { UserLocalizedLabel?: { Label?: string } | null } | undefined;
    const text = display?.UserLocalizedLabel?.Label;
    // An empty label falls back too, so no `??` here.
    if (text) return text;
    return logicalName(row);
}

function toChoices(rows: Row[]): Choice[] {
    return rows
        .map((row) => ({ value: logicalName(row), label: label(row) }))
        .sort((a, b) => a.label.localeCompare(b.label) || a.value.localeCompare(b.value));
}

function values(page: Row): Row[] {
    return (page.value as Row[] | undefined) ?? [];
}

const quoted = (name: string) => encodeURIComponent(name.replace(/'/g, "''"));

/** Tables a user can work with (those offered in Advanced Find). */
export async function listTables(api: DataverseApi): Promise<Choice[]> {
    const page = await api.metadata("EntityDefinitions?$select=LogicalName,DisplayName,IsValidForAdvancedFind");
    return toChoices(values(page).filter((row) => row.IsValidForAdvancedFind !== false));
}

/** Text columns formatted as a phone number; every text column when the service does not say the format. */
export async function phoneColumns(api: DataverseApi, table: string): Promise<Choice[]> {
    const page = await api.metadata(
        `EntityDefinitions(LogicalName='${quoted(table)}')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,DisplayName,FormatName,AttributeOf`,
    );
    const strings = values(page).filter((row) => !row.AttributeOf);
    const formatOf = (row: Row) => (row.FormatName as { Value?: string } | undefined)?.Value;
    const phones = strings.filter((row) => formatOf(row) === "Phone");
    return toChoices(strings.some((row) => formatOf(row) !== undefined) ? phones : strings);
}

/** Yes/No columns (for the compliance column). */
export async function booleanColumns(api: DataverseApi, table: string): Promise<Choice[]> {
    const page = await api.metadata(
        `EntityDefinitions(LogicalName='${quoted(table)}')/Attributes/Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$select=LogicalName,DisplayName,AttributeOf`,
    );
    return toChoices(values(page).filter((row) => !row.AttributeOf));
}

/** Every readable column, for "Insert column". */
export async function allColumns(api: DataverseApi, table: string): Promise<Choice[]> {
    const page = await api.metadata(
        `EntityDefinitions(LogicalName='${quoted(table)}')/Attributes?$select=LogicalName,DisplayName,AttributeOf,IsValidForRead`,
    );
    return toChoices(values(page).filter((row) => !row.AttributeOf && row.IsValidForRead !== false));
}

/** The table's logical and entity set names, from `Xrm.Utility.getEntityMetadata`. */
export async function tableRef(xrm: Xrm.XrmStatic, table: string): Promise<TableRef> {
    const metadata = await xrm.Utility.getEntityMetadata(table, []);
    return { logicalName: table, entitySet: metadata.EntitySetName };
}
