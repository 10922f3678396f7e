/** Dataverse inside the app: the shared `XrmDataverseApi` over the page's `Xrm.WebApi`. */
import { XrmDataverseApi, type DataverseApi } from "@smsb/shared";

export function xrmDataverseApi(xrm: Xrm.XrmStatic): DataverseApi {
    const context = () => xrm.Utility.getGlobalContext();
    return new XrmDataverseApi({
        webApi: xrm.WebApi,
        // Its own origin's Web API, for what Xrm.WebApi cannot do (If-Match, metadata, files).
        apiBase: `${context().getClientUrl()}/api/data/v9.2/`,
        userId: () => context().userSettings.userId,
    });
}
