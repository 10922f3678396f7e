import { describe, expect, it } from "vitest";
import * as React from "react";
import { fireEvent, render, screen } from "@testing-library/react";
import axe from "axe-core";
import { ChatRoot } from "../TextSMSChatSystem/components/ChatRoot";
import { createFormat } from "../TextSMSChatSystem/model/format";
import { messageStatus } from "../TextSMSChatSystem/model/status";
import { ConversationFeed } from "../TextSMSChatSystem/services/ConversationFeed";
import { FakeChatService, FakeNavigation, FakeVisibility, message } from "./fakes";

/**
 * The rule ids and nodes axe-core finds failing. Colour contrast needs layout, which jsdom does not do (the browser
 * tests check it in Chromium).
 */
async function violations(context: Element, off: string[] = []): Promise<string[]> {
    const rules = Object.fromEntries(["color-contrast", ...off].map((id) => [id, { enabled: false }]));
    const result = await axe.run(context, { rules });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe("accessibility (axe, WCAG 2 A/AA rules that jsdom can check)", () => {
    it("the chat with messages, a failure, an image and pictures on their way or unavailable has no violations", async () => {
        const service = new FakeChatService();
        service.configurations.push({
            id: "cfg2",
            name: "Sales",
            number: "+15005550007",
            enterIsSend: false,
            allowCreateTo: [],
        });
        service.messages = [
            message({ id: "a", body: "مرحبا، هل طلبي جاهز؟", at: "2026-11-25T09:00:00Z" }),
            message({
                id: "b",
                direction: "out",
                body: "Yes 👍",
                status: messageStatus(6, 30007),
                at: "2026-11-26T09:00:00Z",
            }),
            message({
                id: "c",
                body: "",
                media: [{ id: "m", name: "receipt.jpg", contentType: "image/jpeg", url: "/m", state: "stored" }],
                at: "2026-11-26T09:05:00Z",
            }),
            message({
                id: "d",
                body: "two more",
                media: [
                    { id: "n", name: "Picture 1", contentType: "image/jpeg", url: "/n", state: "awaiting" },
                    { id: "o", name: "Picture 2", contentType: "image/jpeg", url: "/o", state: "unavailable" },
                ],
                at: "2026-11-26T09:06:00Z",
            }),
        ];
        const feed = new ConversationFeed(service, {
            pollMs: 5000,
            hiddenPollMs: 60000,
            maxBackoffMs: 120000,
            visibility: new FakeVisibility(),
        });
        const session = { id: "s1", subject: "", open: true, start: "", conversationId: "c1", configurationId: "cfg1" };
        feed.setSessions([session]);
        feed.start();
        const { container } = render(
            <ChatRoot
                host={{ entityType: "contact", id: "ct1", name: "Justin" }}
                sessions={[session]}
                feed={feed}
                service={service}
                navigation={new FakeNavigation()}
                format={createFormat("en-US")}
                height={500}
                userName="Ricky"
                onSessionsChanged={() => undefined}
            />,
        );
        await screen.findByText("Yes 👍");
        await screen.findByRole("img", { name: "Picture on its way: Picture 1" });
        await screen.findByRole("combobox", { name: "Send from" });
        expect(await violations(container)).toEqual([]);
        fireEvent.click(screen.getByRole("button", { name: "Emoji" }));
        await screen.findByRole("button", { name: "thumbs up" });
        // "region" is a page-level rule: the form around the control provides the landmarks.
        expect(await violations(document.body, ["region"])).toEqual([]);
        feed.dispose();
    });
});
