import { describe, expect, it } from "vitest";
import * as React from "react";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { FluentProvider, webDarkTheme, webLightTheme } from "@fluentui/react-components";
import { MessageList } from "../TextSMSChatSystem/components/MessageList";
import { createFormat } from "../TextSMSChatSystem/model/format";
import { ChatMessage, MediaItem } from "../TextSMSChatSystem/model/messages";
import { UNAVAILABLE_REASON } from "../TextSMSChatSystem/model/media";
import { messageStatus } from "../TextSMSChatSystem/model/status";
import { message } from "./fakes";

const format = createFormat("en-US");
const now = new Date(2026, 10, 26, 18, 0);
const at = (day: number, hour: number): string => new Date(2026, 10, day, hour, 0).toISOString();

function list(messages: ChatMessage[]) {
    const ui = (items: ChatMessage[]) => (
        <FluentProvider theme={webLightTheme}>
            <MessageList messages={items} format={format} now={now} loaded />
        </FluentProvider>
    );
    const result = render(ui(messages));
    return { ...result, log: screen.getByRole("log"), update: (items: ChatMessage[]) => result.rerender(ui(items)) };
}

/** jsdom does no layout: give the log a size and a scroll position. */
function layout(element: HTMLElement, scrollHeight: number, clientHeight: number, scrollTop: number): void {
    Object.defineProperty(element, "scrollHeight", { configurable: true, value: scrollHeight });
    Object.defineProperty(element, "clientHeight", { configurable: true, value: clientHeight });
    element.scrollTop = scrollTop;
}

describe("MessageList", () => {
    it("is a polite live region listing bubbles by direction, oldest first, with day separators", () => {
        const { log } = list([
            message({ id: "a", at: at(25, 9), body: "Is my order ready?", sender: "Justin" }),
            message({
                id: "b",
                at: at(26, 9),
                direction: "out",
                body: "Yes, since this morning",
                sender: "Ricky",
                status: messageStatus(4),
            }),
        ]);
        expect(log).toHaveAttribute("aria-live", "polite");
        expect(
            within(log)
                .getAllByRole("separator")
                .map((s) => s.textContent),
        ).toEqual(["Yesterday", "Today"]);
        const bubbles = log.querySelectorAll("[data-message-id]");
        expect(
            Array.from(bubbles).map((b) => [b.getAttribute("data-message-id"), b.getAttribute("data-direction")]),
        ).toEqual([
            ["a", "in"],
            ["b", "out"],
        ]);
        expect(within(bubbles[1] as HTMLElement).getByText("Delivered")).toBeInTheDocument();
        expect(within(bubbles[0] as HTMLElement).getByText("Justin")).toBeInTheDocument();
        expect(within(bubbles[1] as HTMLElement).getByText("Ricky")).toBeInTheDocument();
    });

    it("shows the failure reason on hover and keyboard focus", async () => {
        list([message({ id: "f", direction: "out", status: messageStatus(5, 30003) })]);
        const status = screen.getByText("Undelivered").closest<HTMLElement>("[data-status]")!;
        expect(status).toHaveAttribute("tabindex", "0");
        expect(status).toHaveTextContent("unreachable"); // read with the status by screen readers
        fireEvent.focus(status);
        const tooltip = await screen.findByRole("tooltip");
        expect(tooltip).toHaveTextContent(
            "The handset is unreachable (switched off or out of coverage). (error 30003)",
        );
    });

    it("renders right-to-left text and emoji in their own direction", () => {
        list([message({ id: "r", body: "مرحبا، هل طلبي جاهز؟ 👍" })]);
        const text = screen.getByText("مرحبا، هل طلبي جاهز؟ 👍");
        expect(text).toHaveAttribute("dir", "auto");
    });

    it("shows images inline with their names as text alternatives", () => {
        list([
            message({
                id: "i",
                body: "",
                media: [
                    { id: "m1", name: "receipt.jpg", contentType: "image/jpeg", url: "/media/m1", state: "stored" },
                ],
            }),
        ]);
        expect(screen.getByRole("img", { name: "receipt.jpg" })).toHaveAttribute("src", "/media/m1");
    });

    it("shows a picture on its way as a tile, then the picture once its file is stored; one that will not come says so", () => {
        const awaited: MediaItem = {
            id: "m1",
            name: "Picture 1",
            contentType: "image/jpeg",
            url: "/media/m1",
            state: "awaiting",
        };
        const lost: MediaItem = {
            ...awaited,
            id: "m2",
            name: "ME0123456789abcdef0123456789abcdef",
            state: "unavailable",
        };
        const first = [message({ id: "i", body: "", media: [awaited, lost] })];
        const { update } = list(first);
        const waiting = screen.getByRole("img", { name: "Picture on its way: Picture 1" });
        expect(waiting).toHaveTextContent("Picture on its way");
        expect(waiting).toHaveTextContent("Picture 1");
        expect(waiting).toHaveAttribute("data-media-state", "awaiting");
        expect(waiting.tagName).not.toBe("IMG"); // no broken image while there is no file
        const unavailable = screen.getByRole("img", { name: /^Picture unavailable: / });
        expect(unavailable).toHaveTextContent("Picture unavailable");
        expect(unavailable).toHaveTextContent(UNAVAILABLE_REASON);
        expect(unavailable).not.toHaveTextContent("ME0123"); // a Twilio SID is not a name to show
        expect(document.querySelectorAll("img")).toHaveLength(0);

        update([{ ...first[0], media: [{ ...awaited, name: "photo.jpg", state: "stored" }, lost] }]);
        expect(screen.queryByRole("img", { name: /Picture on its way/ })).toBeNull();
        expect(screen.getByRole("img", { name: "photo.jpg" })).toHaveAttribute("src", "/media/m1");
        expect(screen.getByRole("img", { name: /^Picture unavailable/ })).toBeInTheDocument();
    });

    it("draws the tiles in the dark theme too, with words, not colour alone", () => {
        render(
            <FluentProvider theme={webDarkTheme}>
                <MessageList
                    messages={[
                        message({
                            id: "d",
                            body: "",
                            media: [
                                { id: "m", name: "", contentType: "", url: "/m", state: "awaiting" },
                                { id: "n", name: "", contentType: "", url: "/n", state: "unavailable" },
                            ],
                        }),
                    ]}
                    format={format}
                    now={now}
                    loaded
                />
            </FluentProvider>,
        );
        expect(screen.getByRole("img", { name: "Picture on its way" })).toHaveTextContent(/^Picture on its way$/);
        expect(screen.getByRole("img", { name: `Picture unavailable: ${UNAVAILABLE_REASON}` })).toBeInTheDocument();
    });

    it("stays pinned to the bottom as messages arrive", () => {
        const first = [message({ id: "a", at: at(26, 9) })];
        const { log, update } = list(first);
        layout(log, 1000, 200, 800);
        fireEvent.scroll(log);
        layout(log, 1100, 200, 800);
        update([...first, message({ id: "b", at: at(26, 10) })]);
        expect(log.scrollTop).toBe(1100);
        expect(screen.queryByRole("button", { name: "New messages" })).toBeNull();
    });

    it("offers a 'New messages' pill when the user has scrolled up, and it goes to the bottom", async () => {
        const first = [message({ id: "a", at: at(26, 9) })];
        const { log, update } = list(first);
        layout(log, 1000, 200, 100); // reading older messages
        fireEvent.scroll(log);
        layout(log, 1100, 200, 100);
        update([...first, message({ id: "b", at: at(26, 10) })]);
        expect(log.scrollTop).toBe(100);
        fireEvent.click(screen.getByRole("button", { name: "New messages" }));
        expect(log.scrollTop).toBe(1100);
        await waitFor(() => expect(screen.queryByRole("button", { name: "New messages" })).toBeNull());
    });

    it("hides the pill when the user scrolls back down", () => {
        const first = [message({ id: "a", at: at(26, 9) })];
        const { log, update } = list(first);
        layout(log, 1000, 200, 0);
        fireEvent.scroll(log);
        update([...first, message({ id: "b", at: at(26, 10) })]);
        expect(screen.getByRole("button", { name: "New messages" })).toBeInTheDocument();
        layout(log, 1000, 200, 790);
        fireEvent.scroll(log);
        expect(screen.queryByRole("button", { name: "New messages" })).toBeNull();
    });

    it("says so when there are no messages", () => {
        list([]);
        expect(screen.getByText(/No messages yet/)).toBeInTheDocument();
    });
});
