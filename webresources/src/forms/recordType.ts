/**
 * Record Type form: the table, its phone column and its compliance (Yes/No) column are picked from lists built
 * from the table's metadata instead of typed by hand. Register `SmsBridge.Forms.RecordType.onLoad` (pass
 * execution context) as OnLoad.
 */
import { RecordType as R } from "../shared/schema";
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
  formContext.getAttribute(R.entityLogicalName)?.addOnChange(() => void refreshColumnPickers(formContext, d));
  await Promise.all([attachTablePicker(formContext, d), refreshColumnPickers(formContext, d)]);
}

export async function attachTablePicker(formContext: Xrm.FormContext, d: FormDeps): Promise<void> {
  const root = await webResourceRoot(formContext, Controls.table);
  if (!root) return;
  mountPicker(root, {
    label: "Entity",
    choices: await listTables(d.api),
    selected: [stringValue(formContext, R.entityLogicalName)].filter(Boolean),
    multiple: false,
    onChange: ([value]) => setString(formContext, R.entityLogicalName, value ?? ""),
  });
}

/** Phone (text) and compliance (Yes/No) pickers for the chosen table; cleared when no table is chosen. */
export async function refreshColumnPickers(formContext: Xrm.FormContext, d: FormDeps): Promise<void> {
  const table = stringValue(formContext, R.entityLogicalName).trim().toLowerCase();
  const [phoneRoot, complianceRoot] = await Promise.all([
    webResourceRoot(formContext, Controls.phone),
    webResourceRoot(formContext, Controls.compliance),
  ]);
  const tableControl = formContext.getControl(R.entityLogicalName) as Xrm.Controls.StringControl | null;
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
      selected: [stringValue(formContext, R.phoneField)].filter(Boolean),
      multiple: false,
      onChange: ([value]) => setString(formContext, R.phoneField, value ?? ""),
    });
  }
  if (complianceRoot) {
    mountPicker(complianceRoot, {
      label: "Compliance Field",
      choices: booleans,
      selected: [stringValue(formContext, R.complianceField)].filter(Boolean),
      multiple: false,
      allowEmpty: true,
      onChange: ([value]) => setString(formContext, R.complianceField, value ?? ""),
    });
  }
}
