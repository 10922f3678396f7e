/** What form scripts depend on, injectable for tests; by default the page's `Xrm`. */
import { normalizeId, type DataverseApi } from "@smsb/shared";
import { xrmDataverseApi } from "../dataverse";

export interface FormDeps {
    readonly xrm: Xrm.XrmStatic;
    readonly api: DataverseApi;
    readonly sleep: (ms: number) => Promise<void>;
    readonly now: () => Date;
}

export function defaultDeps(overrides: Partial<FormDeps> = {}): FormDeps {
    const xrm = overrides.xrm ?? Xrm;
    return {
        xrm,
        api: overrides.api ?? xrmDataverseApi(xrm),
        sleep: overrides.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
        now: overrides.now ?? (() => new Date()),
    };
}

export function stringValue(formContext: Xrm.FormContext, name: string): string {
    const attribute = formContext.getAttribute<Xrm.Attributes.StringAttribute>(name);
    return attribute?.getValue() ?? "";
}

export function setString(formContext: Xrm.FormContext, name: string, value: string): void {
    const attribute = formContext.getAttribute<Xrm.Attributes.StringAttribute>(name);
    if (!attribute) return;
    attribute.setValue(value || null);
    attribute.fireOnChange();
}

export function recordId(formContext: Xrm.FormContext): string {
    return normalizeId(formContext.data.entity.getId());
}
