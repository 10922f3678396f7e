/**
 * Message Template form: **Insert column** adds a `{column}` placeholder for the template's table, a live
 * preview renders the body against a chosen record (same rules as `messaging/outbound/templates.py`), and **Publish**
 * checks the body and marks the template Published. Register `SmsBridge.Forms.MessageTemplate.onLoad` (pass
 * execution context) as OnLoad and `SmsBridge.Forms.MessageTemplate.publish` (PrimaryControl) as the command.
 */
import {
    TemplateError,
    normalizeId,
    parseTemplate,
    renderTemplate,
    smsb_messagetemplate,
    templateColumns,
    valuesFromRow,
} from "@smsb/shared";
import { defaultDeps, stringValue, type FormDeps } from "./context";
import { allColumns, tableRef, type Choice } from "./metadata";
import { webResourceRoot } from "./picker";

export const TOOLS_CONTROL = "WebResource_smsb_templatetools";
export const NOTIFICATION_ID = "smsb_template";

interface PreviewRecord {
    readonly id: string;
    readonly name: string;
}

export async function onLoad(executionContext: Xrm.Events.EventContext, deps?: Partial<FormDeps>): Promise<void> {
    const formContext = executionContext.getFormContext();
    const d = defaultDeps(deps);
    formContext.getAttribute(smsb_messagetemplate.columns.smsb_body)?.addOnChange(() => checkBody(formContext));
    checkBody(formContext);
    const root = await webResourceRoot(formContext, TOOLS_CONTROL);
    if (root) await mountTools(root, formContext, d);
}

/** A field notification on the body naming the first misplaced brace; returns whether the body is usable. */
export function checkBody(formContext: Xrm.FormContext): boolean {
    const control = formContext.getControl<Xrm.Controls.StringControl>(smsb_messagetemplate.columns.smsb_body);
    control?.clearNotification(NOTIFICATION_ID);
    try {
        parseTemplate(stringValue(formContext, smsb_messagetemplate.columns.smsb_body));
        return true;
    } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        control?.setNotification(error.message, NOTIFICATION_ID);
        return false;
    }
}

/** Insert `{column}` at the end of the body (text controls do not expose the caret). */
export function insertColumn(formContext: Xrm.FormContext, column: string): void {
    const attribute = formContext.getAttribute<Xrm.Attributes.StringAttribute>(smsb_messagetemplate.columns.smsb_body);
    if (!attribute || !column) return;
    const body = attribute.getValue() ?? "";
    const gap = body && !/\s$/.test(body) ? " " : "";
    attribute.setValue(`${body}${gap}{${column}}`);
    attribute.fireOnChange();
}

/** The preview text, or the problem that stops it. */
export async function previewText(
    formContext: Xrm.FormContext,
    d: FormDeps,
    record: PreviewRecord | undefined,
): Promise<{ ok: boolean; text: string }> {
    const body = stringValue(formContext, smsb_messagetemplate.columns.smsb_body);
    let columns: readonly string[];
    try {
        columns = templateColumns(body);
    } catch (error) {
        return { ok: false, text: (error as Error).message };
    }
    if (columns.length === 0) return { ok: true, text: renderTemplate(body, {}) };
    const table = stringValue(formContext, smsb_messagetemplate.columns.smsb_entitylogicalname).trim().toLowerCase();
    if (!table || !record) return { ok: true, text: "Choose a record to preview the placeholders." };
    try {
        const ref = await tableRef(d.xrm, table);
        const row = await d.api.retrieve(ref, record.id, "");
        return { ok: true, text: renderTemplate(body, valuesFromRow(row, columns)) };
    } catch (error) {
        return { ok: false, text: error instanceof Error ? error.message : String(error) };
    }
}

async function mountTools(root: HTMLElement, formContext: Xrm.FormContext, d: FormDeps): Promise<void> {
    const doc = root.ownerDocument;
    root.replaceChildren();
    let record: PreviewRecord | undefined;

    const insertLabel = doc.createElement("label");
    insertLabel.htmlFor = "smsb-insert";
    insertLabel.textContent = "Column";
    const select = doc.createElement("select");
    select.id = "smsb-insert";
    const insert = doc.createElement("button");
    insert.type = "button";
    insert.textContent = "Insert column";
    insert.addEventListener("click", () => insertColumn(formContext, select.value));

    const choose = doc.createElement("button");
    choose.type = "button";
    choose.textContent = "Choose record for preview";
    const preview = doc.createElement("output");
    preview.id = "smsb-preview";
    preview.setAttribute("aria-live", "polite");
    preview.setAttribute("aria-label", "Preview");

    const update = async () => {
        const result = await previewText(formContext, d, record);
        preview.textContent = result.text;
        preview.className = result.ok ? "smsb-preview" : "smsb-preview smsb-error";
    };

    const fillColumns = async () => {
        const table = stringValue(formContext, smsb_messagetemplate.columns.smsb_entitylogicalname)
            .trim()
            .toLowerCase();
        let choices: Choice[] = [];
        if (table) {
            try {
                choices = await allColumns(d.api, table);
            } catch {
                choices = [];
            }
        }
        select.replaceChildren(
            ...choices.map((c) => {
                const option = doc.createElement("option");
                option.value = c.value;
                option.textContent = c.label === c.value ? c.value : `${c.label} (${c.value})`;
                return option;
            }),
        );
        insert.disabled = choices.length === 0;
        choose.disabled = !table;
    };

    const pickRecord = async () => {
        const table = stringValue(formContext, smsb_messagetemplate.columns.smsb_entitylogicalname)
            .trim()
            .toLowerCase();
        if (!table) return;
        const picked = await d.xrm.Utility.lookupObjects({
            entityTypes: [table],
            defaultEntityType: table,
            allowMultiSelect: false,
        });
        if (picked?.[0]) {
            record = { id: normalizeId(picked[0].id), name: picked[0].name ?? "" };
            choose.textContent = `Preview: ${record.name || record.id}`;
            await update();
        }
    };
    choose.addEventListener("click", () => void pickRecord());

    formContext.getAttribute(smsb_messagetemplate.columns.smsb_body)?.addOnChange(() => void update());
    formContext.getAttribute(smsb_messagetemplate.columns.smsb_entitylogicalname)?.addOnChange(() => {
        record = undefined;
        void fillColumns().then(update);
    });

    const row1 = doc.createElement("div");
    row1.append(insertLabel, select, insert);
    const row2 = doc.createElement("div");
    row2.append(choose);
    root.append(row1, row2, preview);
    await fillColumns();
    await update();
}

/** Publish: only a body that parses; sets Published and saves. */
export async function publish(formContext: Xrm.FormContext): Promise<boolean> {
    formContext.ui.clearFormNotification(NOTIFICATION_ID);
    try {
        parseTemplate(stringValue(formContext, smsb_messagetemplate.columns.smsb_body));
    } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        formContext.ui.setFormNotification(
            `The template cannot be published: ${error.message}`,
            "ERROR",
            NOTIFICATION_ID,
        );
        return false;
    }
    const state = formContext.getAttribute<Xrm.Attributes.OptionSetAttribute>(
        smsb_messagetemplate.columns.smsb_publishstate,
    );
    state?.setValue(smsb_messagetemplate.choices.smsb_publishstate.Published);
    await formContext.data.save();
    formContext.ui.setFormNotification("The template is published.", "INFO", NOTIFICATION_ID);
    return true;
}

/** Publish is offered while the template is a draft. */
export function isPublishEnabled(formContext: Xrm.FormContext): boolean {
    const state = formContext.getAttribute<Xrm.Attributes.OptionSetAttribute>(
        smsb_messagetemplate.columns.smsb_publishstate,
    );
    return state?.getValue() !== smsb_messagetemplate.choices.smsb_publishstate.Published;
}
