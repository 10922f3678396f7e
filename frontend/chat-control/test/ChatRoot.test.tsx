import { afterEach, describe, expect, it, vi } from "vitest";
import * as React from "react";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { ChatRoot, ChatRootProps } from "../TextSMSChatSystem/components/ChatRoot";
import { createFormat } from "../TextSMSChatSystem/model/format";
import { SessionView } from "../TextSMSChatSystem/model/sessions";
import { ConversationFeed } from "../TextSMSChatSystem/services/ConversationFeed";
import { FakeChatService, FakeNavigation, FakeVisibility, message } from "./fakes";

const session: SessionView = {
    id: "s1",
    subject: "Today",
    open: true,
    start: "",
    conversationId: "c1",
    configurationId: "cfg1",
};
const host = { entityType: "contact", id: "ct1", name: "Justin Case" };

function mount(overrides: Partial<ChatRootProps> = {}, service = new FakeChatService()) {
    const navigation = new FakeNavigation();
    const feed = new ConversationFeed(service, {
        pollMs: 5000,
        hiddenPollMs: 60000,
        maxBackoffMs: 120000,
        visibility: new FakeVisibility(),
    });
    const onSessionsChanged = vi.fn();
    feed.setSessions(overrides.sessions ?? [session]);
    feed.start();
    const props: ChatRootProps = {
        host,
        sessions: [session],
        feed,
        service,
        navigation,
        format: createFormat("en-US"),
        height: 500,
        userName: "Ricky Ponting",
        onSessionsChanged,
        ...overrides,
    };
    const result = render(<ChatRoot {...props} />);
    return { ...result, service, navigation, feed, onSessionsChanged };
}

describe("ChatRoot", () => {
    let mounted: ReturnType<typeof mount> | null = null;
    afterEach(() => {
        mounted?.feed.dispose();
        mounted = null;
    });

    it("loads the conversation and marks inbound messages read", async () => {
        const service = new FakeChatService();
        service.messages = [message({ id: "in1", body: "Is my order ready?", unread: true })];
        mounted = mount({}, service);
        expect(await screen.findByText("Is my order ready?")).toBeInTheDocument();
        await waitFor(() => expect(service.read).toEqual(["in1"]));
    });

    it("marks inbound messages read only while the page is visible", async () => {
        const service = new FakeChatService();
        service.messages = [message({ id: "in1", body: "Hello?", unread: true })];
        const state = vi.spyOn(document, "visibilityState", "get").mockReturnValue("hidden");
        mounted = mount({}, service);
        await screen.findByText("Hello?");
        expect(service.read).toEqual([]);
        state.mockReturnValue("visible");
        act(() => {
            document.dispatchEvent(new Event("visibilitychange"));
        });
        await waitFor(() => expect(service.read).toEqual(["in1"]));
        state.mockRestore();
    });

    it("sends: the message shows at once as queued, and an Outbox is requested for this record and session", async () => {
        const service = new FakeChatService();
        let resolve: (value: { outboxId: string }) => void = () => undefined;
        const pending = new Promise<{ outboxId: string }>((_resolve) => {
            resolve = _resolve;
        });
        service.sendResult = () => pending;
        mounted = mount({}, service);
        const box = await screen.findByRole("textbox", { name: "Type a message" });
        await screen.findByText(/No messages yet/);
        fireEvent.change(box, { target: { value: "Your order is ready {pickup}" } });
        fireEvent.keyDown(box, { key: "Enter" });
        const log = screen.getByRole("log");
        expect(await within(log).findByText("Your order is ready {pickup}")).toBeInTheDocument();
        expect(within(log).getByText("Queued")).toBeInTheDocument();
        expect(service.sent).toEqual([
            {
                body: "Your order is ready {pickup}",
                configurationId: "cfg1",
                sessionId: "s1",
                to: host,
                attachment: null,
            },
        ]);
        await act(async () => {
            resolve({ outboxId: "ob1" });
            await Promise.resolve();
        });
        await waitFor(() => expect(log.querySelector('[data-message-id="outbox:ob1"]')).not.toBeNull());
    });

    it("fills a template with this record's values", async () => {
        const service = new FakeChatService();
        service.templates = [
            { id: "t1", name: "Greeting", body: "Hi {firstname|there}, {ticket}", global: true, configurationId: null },
            { id: "t2", name: "Other line only", body: "x", global: true, configurationId: "cfg9" },
        ];
        service.values = { firstname: "Justin", ticket: "CAS-1" };
        mounted = mount({}, service);
        await screen.findByText(/No messages yet/);
        fireEvent.click(screen.getByRole("button", { name: "Templates" }));
        const items = await screen.findAllByRole("menuitem");
        expect(items.map((i) => i.textContent)).toEqual(["Greeting"]);
        fireEvent.click(items[0]);
        await waitFor(() =>
            expect(screen.getByRole("textbox", { name: "Type a message" })).toHaveValue("Hi Justin, CAS-1"),
        );
    });

    it("explains a template with a mistake", async () => {
        const service = new FakeChatService();
        service.templates = [{ id: "t1", name: "Broken", body: "Hi {firstname", global: true, configurationId: null }];
        mounted = mount({}, service);
        await screen.findByText(/No messages yet/);
        fireEvent.click(screen.getByRole("button", { name: "Templates" }));
        fireEvent.click(await screen.findByRole("menuitem", { name: "Broken" }));
        expect(
            await screen.findByText(/The template "Broken" has a mistake: the '\{' at position 4 is never closed/),
        ).toBeInTheDocument();
    });

    it("creates a record from the Configuration's list and sets it as the session's Regarding", async () => {
        const service = new FakeChatService();
        mounted = mount({}, service);
        const button = await screen.findByRole("button", { name: "Create Record" });
        await waitFor(() => expect(button).toBeEnabled());
        fireEvent.click(button);
        fireEvent.click(await screen.findByRole("menuitem", { name: "Case" }));
        await waitFor(() =>
            expect(service.regarding).toEqual([
                { sessionId: "s1", target: { entityType: "incident", id: "case1", name: "Broken screen" } },
            ]),
        );
        expect(mounted.navigation.createCalls).toEqual([{ table: "incident", from: host }]);
        expect(mounted.onSessionsChanged).toHaveBeenCalled();
        expect(
            await screen.findByText(/Case Broken screen created and set as this chat's Regarding/),
        ).toBeInTheDocument();
    });

    it("assigns the chat to the picked user or team", async () => {
        const service = new FakeChatService();
        mounted = mount({}, service);
        fireEvent.click(await screen.findByRole("button", { name: "Assign" }));
        await waitFor(() =>
            expect(service.assigned).toEqual([
                {
                    sessionId: "s1",
                    conversationId: "c1",
                    owner: { entityType: "systemuser", id: "u2", name: "Adam Gilchrist" },
                },
            ]),
        );
        expect(await screen.findByText("The chat is now assigned to Adam Gilchrist.")).toBeInTheDocument();
    });

    it("without a session, Create Record and Assign are unavailable but sending starts the chat", async () => {
        const service = new FakeChatService();
        mounted = mount({ sessions: [] }, service);
        await screen.findByText(/No messages yet/);
        expect(screen.getByRole("button", { name: "Create Record" })).toBeDisabled();
        expect(screen.getByRole("button", { name: "Assign" })).toBeDisabled();
        const box = screen.getByRole("textbox", { name: "Type a message" });
        fireEvent.change(box, { target: { value: "Hello" } });
        fireEvent.click(screen.getByRole("button", { name: "Send" }));
        await waitFor(() => expect(service.sent[0]).toMatchObject({ sessionId: null, to: host }));
    });

    it("shows why a send failed", async () => {
        const service = new FakeChatService();
        service.sendResult = () =>
            Promise.reject(new Error("Principal user is missing prvCreatesmsb_outbox privilege"));
        mounted = mount({}, service);
        const box = await screen.findByRole("textbox", { name: "Type a message" });
        fireEvent.change(box, { target: { value: "Hello" } });
        fireEvent.keyDown(box, { key: "Enter" });
        expect(await screen.findByText(/The message was not sent: Principal user is missing/)).toBeInTheDocument();
        expect(screen.getByText("Not sent")).toBeInTheDocument();
        expect(box).toHaveValue("Hello");
    });
});
