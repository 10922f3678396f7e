/**
 * The one bundle's public surface, exposed as the global `SmsBridge` (esbuild `globalName`). Ribbon rules,
 * form events and the pane's page call into it by these names.
 */
import * as Configuration from "./forms/configuration";
import * as MessageTemplate from "./forms/messageTemplate";
import * as RecordType from "./forms/recordType";
import { initialize } from "./inbox/loader";
import { start } from "./inbox/page";

export { FetchDataverseApi } from "./api/FetchDataverseApi";
export { XrmDataverseApi } from "./api/XrmDataverseApi";
export * as Templates from "./shared/templates";

export const Forms = { Configuration, RecordType, MessageTemplate };
/** `SmsBridge.Inbox.initialize` is the application-ribbon enable rule; `start` runs the pane page. */
export const Inbox = { initialize, start };
