import * as React from "react";
import { Theme } from "@fluentui/react-components";
import { XrmDataverseApi, documentVisibility, smsb_messagesession } from "@smsb/shared";
import { IInputs, IOutputs } from "./generated/ManifestTypes";
import { Defaults, ManifestConstants } from "./ManifestConstants";
import { ChatFormat, createFormat } from "./model/format";
import { datasetToSessions, hostRecord } from "./model/sessions";
import { ChatRoot, ChatRootProps } from "./components/ChatRoot";
import { ConversationFeed } from "./services/ConversationFeed";
import { DataverseChatService } from "./services/DataverseChatService";
import { DataverseHostNavigation } from "./services/DataverseHostNavigation";

/** The app's own Web API (same origin): file uploads, If-Match updates and media downloads go there. */
const API_BASE = "/api/data/v9.2/";

const clamp = (value: number | null | undefined, low: number, high: number, fallback: number): number =>
    typeof value === "number" && Number.isFinite(value) ? Math.min(high, Math.max(low, value)) : fallback;

/**
 * SMS Bridge chat on a Message Sessions subgrid. Lifecycle only: the view model, the data service and the
 * live feed are built here and handed to React as props; `destroy` stops polling.
 */
export class TextSMSChatSystem implements ComponentFramework.ReactControl<IInputs, IOutputs> {
    private service: DataverseChatService;
    private navigation: DataverseHostNavigation;
    private feed: ConversationFeed;
    private format: ChatFormat;
    private refreshDataset: () => void = () => undefined;

    public init(context: ComponentFramework.Context<IInputs>): void {
        context.mode.trackContainerResize(true);
        // A day's window is one session: show a few months of them rather than the subgrid's default page.
        const sessions = context.parameters[ManifestConstants.dataset];
        if (sessions.paging && sessions.paging.pageSize < Defaults.sessionPageSize) {
            sessions.paging.setPageSize(Defaults.sessionPageSize);
            if (!sessions.loading) {
                sessions.refresh();
            }
        }
        const dataverse = new XrmDataverseApi({
            webApi: context.webAPI,
            apiBase: API_BASE,
            userId: () => context.userSettings.userId,
        });
        this.service = new DataverseChatService({ dataverse, utils: context.utils, apiBase: API_BASE });
        this.navigation = new DataverseHostNavigation(context.utils);
        this.format = createFormat();
        const pollSeconds = clamp(
            context.parameters.pollSeconds?.raw,
            Defaults.minPollSeconds,
            Defaults.maxPollSeconds,
            Defaults.pollSeconds,
        );
        this.feed = new ConversationFeed(this.service, {
            pollMs: pollSeconds * 1000,
            hiddenPollMs: Defaults.hiddenPollMs,
            maxBackoffMs: Defaults.maxBackoffMs,
            visibility: documentVisibility(),
            // A new session of this record (a new day's window, or the first text): show it.
            onUnknownSession: () => this.refreshDataset(),
        });
        this.feed.start();
    }

    public updateView(context: ComponentFramework.Context<IInputs>): React.ReactElement {
        const dataset = context.parameters[ManifestConstants.dataset];
        this.refreshDataset = () => dataset.refresh();
        this.navigation.useNavigation(context.navigation);
        const sessions = dataset.loading ? [] : datasetToSessions(dataset);
        if (!dataset.loading) {
            this.feed.setSessions(sessions);
        }
        const allocated = context.mode.allocatedHeight;
        const props: ChatRootProps = {
            host: hostRecord(context.mode, context.parameters.parentTable?.raw, smsb_messagesession.ref.logicalName),
            sessions,
            feed: this.feed,
            service: this.service,
            navigation: this.navigation,
            format: this.format,
            height: allocated > 0 ? allocated : clamp(context.parameters.heightPx?.raw, 240, 4000, Defaults.heightPx),
            theme: context.fluentDesignLanguage?.tokenTheme as Theme | undefined,
            userName: context.userSettings?.userName ?? "You",
            onSessionsChanged: () => dataset.refresh(),
        };
        return React.createElement(ChatRoot, props);
    }

    public getOutputs(): IOutputs {
        return {};
    }

    public destroy(): void {
        this.feed?.dispose();
        this.refreshDataset = () => undefined;
    }
}
