/**
 * What the chat control and the web resources share: the generated table names, the template renderer, the
 * segment counter, the poller and the Dataverse access layer.
 */
export * from "./names";
export * from "./templates";
export * from "./segments";
export * from "./poller";
export * from "./dataverse/api";
export * from "./dataverse/odata";
export { ODataHttp, retryAfterMs, idFromEntityIdHeader, type FetchLike } from "./dataverse/http";
export { FetchDataverseApi, CALLER_HEADER, type FetchDataverseApiOptions } from "./dataverse/FetchDataverseApi";
export {
    XrmDataverseApi,
    toDataverseError,
    type Thenable,
    type WebApiLike,
    type XrmDataverseApiOptions,
} from "./dataverse/XrmDataverseApi";
