/** What form scripts depend on, injectable for tests; by default the page's `Xrm`. */
import type { DataverseApi } from "../api/DataverseApi";
import { XrmDataverseApi } from "../api/XrmDataverseApi";

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
    api: overrides.api ?? new XrmDataverseApi(xrm),
    sleep: overrides.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    now: overrides.now ?? (() => new Date()),
  };
}

export function stringValue(formContext: Xrm.FormContext, name: string): string {
  const attribute = formContext.getAttribute(name) as Xrm.Attributes.StringAttribute | null;
  return attribute?.getValue() ?? "";
}

export function setString(formContext: Xrm.FormContext, name: string, value: string): void {
  const attribute = formContext.getAttribute(name) as Xrm.Attributes.StringAttribute | null;
  if (!attribute) return;
  attribute.setValue(value || null);
  attribute.fireOnChange();
}

export function recordId(formContext: Xrm.FormContext): string {
  return formContext.data.entity.getId().replace(/[{}]/g, "").toLowerCase();
}
