/**
 * The Web API's conventions the front end writes and reads: ids, lookup properties, `@odata.bind` values,
 * annotations and literals. Pure functions of their arguments.
 */
import type { TableRef } from "../names";

/** The formatted value Dataverse adds when asked (`Prefer: odata.include-annotations`). */
export const FORMATTED = "@OData.Community.Display.V1.FormattedValue";
/** The table a lookup property points at. */
export const LOOKUP_TABLE = "@Microsoft.Dynamics.CRM.lookuplogicalname";

/** Lower-case a GUID and drop braces, so ids from Xrm, PCF and the Web API compare equal. */
export function normalizeId(id: string | null | undefined): string {
    return (id ?? "").replace(/[{}]/g, "").toLowerCase();
}

/** The read-side property of a lookup column: `_<column>_value`. */
export function lookupValue(column: string): string {
    return `_${column}_value`;
}

/** The value of `<navigation property>@odata.bind` that points at row `id` of `table`. */
export function bind(table: Pick<TableRef, "entitySet">, id: string): string {
    return `/${table.entitySet}(${id})`;
}

/** The single-valued navigation property of an activity's Regarding that points at `target` rows. */
export function regardingNavigation(activity: Pick<TableRef, "logicalName">, target: string): string {
    return `regardingobjectid_${target}_${activity.logicalName}`;
}

/** The navigation property of an activity party that points at `target` rows. */
export function partyNavigation(target: string): string {
    return `partyid_${target}`;
}

/** An OData datetime literal: UTC, second precision (`modifiedon` has no finer precision). */
export function odataDateTime(value: Date): string {
    return value.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** An OData string literal. */
export function quote(text: string): string {
    return `'${text.replace(/'/g, "''")}'`;
}

/** `<property> eq <value>`: the value as OData writes it (a number, an id, or a `quote`d string). */
export function eq(property: string, value: string | number): string {
    return `${property} eq ${value}`;
}

export interface QueryParts {
    readonly select?: readonly string[];
    readonly expand?: string;
    readonly filter?: string;
    readonly orderBy?: string;
}

/** OData query text, `?$select=…&$expand=…&$filter=…&$orderby=…`, leaving out the parts not given. */
export function odataQuery(parts: QueryParts): string {
    const options = [
        parts.select?.length ? `$select=${parts.select.join(",")}` : "",
        parts.expand ? `$expand=${parts.expand}` : "",
        parts.filter ? `$filter=${parts.filter}` : "",
        parts.orderBy ? `$orderby=${parts.orderBy}` : "",
    ].filter((option) => option !== "");
    return options.length > 0 ? `?${options.join("&")}` : "";
}
