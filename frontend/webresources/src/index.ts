/**
 * The one bundle's public surface, exposed as the global `SmsBridge` (esbuild `globalName`). Ribbon rules,
 * form events and the pane's page call into it by these names.
 */
import {
    TemplateError,
    escapeTemplate,
    parseTemplate,
    renderTemplate,
    templateColumns,
    valuesFromRow,
} from "@smsb/shared";
import * as Configuration from "./forms/configuration";
import * as MessageTemplate from "./forms/messageTemplate";
import * as RecordType from "./forms/recordType";
import { initialize } from "./inbox/loader";
import { start } from "./inbox/page";

/** Dataverse access for pages outside a form: the devstack's stand-in builds a `FetchDataverseApi` from here. */
export { FetchDataverseApi, XrmDataverseApi } from "@smsb/shared";

export const Templates = {
    TemplateError,
    escapeTemplate,
    parseTemplate,
    renderTemplate,
    templateColumns,
    valuesFromRow,
};
export const Forms = { Configuration, RecordType, MessageTemplate };
/** `SmsBridge.Inbox.initialize` is the application-ribbon enable rule; `start` runs the pane page. */
export const Inbox = { initialize, start };
