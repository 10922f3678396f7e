/**
 * A small picker drawn into a form's HTML web resource (`smsb_/forms/tools.html`): a drop-down for one value or
 * a list of check boxes for several. The form script renders straight into the frame's document (same origin),
 * so the page itself needs no script.
 */
import type { Choice } from "./metadata";

export interface PickerOptions {
    readonly label: string;
    readonly choices: readonly Choice[];
    readonly selected: readonly string[];
    readonly multiple: boolean;
    /** Offer an empty choice (single pickers of optional columns). */
    readonly allowEmpty?: boolean;
    readonly onChange: (values: string[]) => void;
}

let counter = 0;

export function mountPicker(root: HTMLElement, options: PickerOptions): void {
    const doc = root.ownerDocument;
    const id = `smsb-picker-${++counter}`;
    root.replaceChildren();
    const known = new Set(options.choices.map((c) => c.value));
    // A value typed by hand that the metadata does not list stays visible, so saving never drops it silently.
    const choices = [
        ...options.choices,
        ...options.selected.filter((v) => v && !known.has(v)).map((v) => ({ value: v, label: `${v} (not found)` })),
    ];
    if (!options.multiple) {
        const label = doc.createElement("label");
        label.htmlFor = id;
        label.textContent = options.label;
        const select = doc.createElement("select");
        select.id = id;
        const empty = doc.createElement("option");
        empty.value = "";
        empty.textContent = "--Select--";
        empty.disabled = !options.allowEmpty;
        select.append(empty);
        for (const choice of choices) {
            const option = doc.createElement("option");
            option.value = choice.value;
            option.textContent = choice.label === choice.value ? choice.value : `${choice.label} (${choice.value})`;
            select.append(option);
        }
        select.value = options.selected[0] ?? "";
        select.addEventListener("change", () => options.onChange(select.value ? [select.value] : []));
        root.append(label, select);
        return;
    }
    const fieldset = doc.createElement("fieldset");
    const legend = doc.createElement("legend");
    legend.textContent = options.label;
    fieldset.append(legend);
    const chosen = new Set(options.selected);
    const boxes: HTMLInputElement[] = [];
    choices.forEach((choice, index) => {
        const box = doc.createElement("input");
        box.type = "checkbox";
        box.id = `${id}-${index}`;
        box.value = choice.value;
        box.checked = chosen.has(choice.value);
        box.addEventListener("change", () => options.onChange(boxes.filter((b) => b.checked).map((b) => b.value)));
        const label = doc.createElement("label");
        label.htmlFor = box.id;
        label.textContent = choice.label === choice.value ? choice.value : `${choice.label} (${choice.value})`;
        const line = doc.createElement("div");
        line.append(box, label);
        fieldset.append(line);
        boxes.push(box);
    });
    root.append(fieldset);
}

/** Comma-separated list ↔ values, as `smsb_allowcreateto` stores them. */
export function splitList(text: string | null | undefined): string[] {
    return (text ?? "")
        .split(",")
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean);
}

/** The document of a form's web resource control, or undefined when the form does not have that control. */
export async function webResourceRoot(
    formContext: Xrm.FormContext,
    controlName: string,
): Promise<HTMLElement | undefined> {
    const control = formContext.getControl<Xrm.Controls.IframeControl>(controlName);
    if (!control || typeof control.getContentWindow !== "function") return undefined;
    const win = await control.getContentWindow();
    return win.document.getElementById("root") ?? win.document.body;
}
