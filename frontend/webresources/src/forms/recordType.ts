/**
 * Record Type form: the table, its phone column and its compliance (Yes/No) column are picked from lists built
 * from the table's metadata instead of typed by hand. Register `SmsBridge.Forms.RecordType.onLoad` (pass
 * execution context) as OnLoad.
 */
import { smsb_recordtype } from "@smsb/shared";
import { defaultDeps, setString, stringValue, type FormDeps } from "./context";
import { booleanColumns, listTables, phoneColumns } from "./metadata";
import { mountPicker, webResourceRoot } from "./picker";

export const Controls = {
    table: "WebResource_smsb_entitylogicalname",
    phone: "WebResource_smsb_phonefield",
    compliance: "WebResource_smsb_compliancefield",
} as const;

export async function onLoad(executionContext: Xrm.Events.EventContext, deps?: Partial<FormDeps>): Promise<void> {
    const formContext = executionContext.getFormContext();
    const d = defaultDeps(deps);
    formContext
        .getAttribute(smsb_recordtype.columns.smsb_entitylogicalname)
        ?.addOnChange(() => void refreshColumnPickers(formContext, d));
    await Promise.all([attachTablePicker(formContext, d), refreshColumnPickers(formContext, d)]);
}

export async function attachTablePicker(formContext: Xrm.FormContext, d: FormDeps): Promise<void> {
    const root = await webResourceRoot(formContext, Controls.table);
    if (!root) return;
    mountPicker(root, {
        label: "Entity",
        choices: await listTables(d.api),
        selected: [stringValue(formContext, smsb_recordtype.columns.smsb_entitylogicalname)].filter(Boolean),
        multiple: false,
        onChange: ([value]) => setString(formContext, smsb_recordtype.columns.smsb_entitylogicalname, value ?? ""),
    });
}

/** Phone (text) and compliance (Yes/No) pickers for the chosen table; cleared when no table is chosen. */
export async function refreshColumnPickers(formContext: Xrm.FormContext, d: FormDeps): Promise<void> {
    const table = stringValue(formContext, smsb_recordtype.columns.smsb_entitylogicalname).trim().toLowerCase();
    const [phoneRoot, complianceRoot] = await Promise.all([
        webResourceRoot(formContext, Controls.phone),
        webResourceRoot(formContext, Controls.compliance),
    ]);
    const tableControl = formContext.getControl<Xrm.Controls.StringControl>(
        smsb_recordtype.columns.smsb_entitylogicalname,
    );
    tableControl?.clearNotification("smsb_table");
    if (!table) {
        phoneRoot?.replaceChildren();
        complianceRoot?.replaceChildren();
        return;
    }
    let phones, booleans;
    try {
        [phones, booleans] = await Promise.all([phoneColumns(d.api, table), booleanColumns(d.api, table)]);
    } catch {
        tableControl?.setNotification(`No table named '${table}' was found.`, "smsb_table");
        return;
    }
    if (phoneRoot) {
        mountPicker(phoneRoot, {
            label: "Phone Field",
            choices: phones,
            selected: [stringValue(formContext, smsb_recordtype.columns.smsb_phonefield)].filter(Boolean),
            multiple: false,
            onChange: ([value]) => setString(formContext, smsb_recordtype.columns.smsb_phonefield, value ?? ""),
        });
    }
    if (complianceRoot) {
        mountPicker(complianceRoot, {
            label: "Compliance Field",
            choices: booleans,
            selected: [stringValue(formContext, smsb_recordtype.columns.smsb_compliancefield)].filter(Boolean),
            multiple: false,
            allowEmpty: true,
            onChange: ([value]) => setString(formContext, smsb_recordtype.columns.smsb_compliancefield, value ?? ""),
        });
    }
}
