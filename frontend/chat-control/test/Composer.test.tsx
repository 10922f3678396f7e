import { describe, expect, it, vi } from "vitest";
import * as React from "react";
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";
import { Composer, ComposerDraft, ComposerProps } from "../TextSMSChatSystem/components/Composer";
import { ConfigurationInfo, TemplateInfo } from "../TextSMSChatSystem/services/ChatService";

const config = (id: string, enterIsSend = true): ConfigurationInfo => ({
    id,
    name: `Line ${id}`,
    number: `+1500555000${id}`,
    enterIsSend,
    allowCreateTo: [],
});

function setup(overrides: Partial<ComposerProps> = {}) {
    const sent: ComposerDraft[] = [];
    const problems: string[] = [];
    const props: ComposerProps = {
        configurations: [config("1")],
        configurationId: "1",
        onConfigurationChange: vi.fn(),
        templates: [],
        enterIsSend: true,
        blocked: null,
        fillTemplate: () => Promise.resolve(null),
        onSend: (draft) => {
            sent.push(draft);
            return Promise.resolve(true);
        },
        onProblem: (text) => problems.push(text),
        ...overrides,
    };
    render(
        <FluentProvider theme={webLightTheme}>
            <Composer {...props} />
        </FluentProvider>,
    );
    const box = screen.getByRole<HTMLTextAreaElement>("textbox", { name: "Type a message" });
    return { box, sent, problems, props };
}

describe("Composer", () => {
    it("sends with Enter when Enter is send, and clears the box", async () => {
        const { box, sent } = setup();
        fireEvent.change(box, { target: { value: "Hello there" } });
        fireEvent.keyDown(box, { key: "Enter" });
        await waitFor(() => expect(sent).toHaveLength(1));
        expect(sent[0]).toEqual({ text: "Hello there", attachment: null });
        await waitFor(() => expect(box.value).toBe(""));
    });

    it("does not send with Shift+Enter (a new line)", () => {
        const { box, sent } = setup();
        fireEvent.change(box, { target: { value: "Line one" } });
        const event = fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
        expect(event).toBe(true); // not prevented: the textarea inserts the line break
        expect(sent).toHaveLength(0);
    });

    it("does not send with Enter when the Configuration says Enter is not send", () => {
        const { box, sent } = setup({ enterIsSend: false });
        fireEvent.change(box, { target: { value: "Line one" } });
        expect(fireEvent.keyDown(box, { key: "Enter" })).toBe(true);
        expect(sent).toHaveLength(0);
        expect(screen.getByRole("button", { name: "Send" })).toBeEnabled();
    });

    it("keeps Send disabled for an empty or blank message", () => {
        const { box, sent } = setup();
        expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
        fireEvent.change(box, { target: { value: "   " } });
        fireEvent.keyDown(box, { key: "Enter" });
        expect(sent).toHaveLength(0);
        expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
    });

    it("counts segments and the encoding as the user types", () => {
        const { box } = setup();
        const counter = screen.getByTestId("segment-counter");
        expect(counter).toHaveTextContent("0 characters · 1 segment · GSM-7");
        fireEvent.change(box, { target: { value: "a".repeat(161) } });
        expect(counter).toHaveTextContent("161 characters · 2 segments · GSM-7");
        fireEvent.change(box, { target: { value: "Merci 🙂" } });
        expect(counter).toHaveTextContent("7 characters · 1 segment · UCS-2");
    });

    it("refuses a body over 1600 characters", () => {
        const { box } = setup();
        fireEvent.change(box, { target: { value: "a".repeat(1601) } });
        expect(screen.getByTestId("segment-counter")).toHaveTextContent("over 1600");
        expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
    });

    it("takes right-to-left text in its own direction", () => {
        const { box } = setup();
        expect(box).toHaveAttribute("dir", "auto");
        fireEvent.change(box, { target: { value: "שלום" } });
        expect(screen.getByTestId("segment-counter")).toHaveTextContent("UCS-2");
    });

    it("puts a rendered template in the box, editable before sending", async () => {
        const templates: TemplateInfo[] = [
            { id: "t1", name: "Appointment reminder", body: "Hi {firstname}", global: false, configurationId: null },
            { id: "t2", name: "Thanks", body: "Thanks!", global: true, configurationId: null },
        ];
        const fillTemplate = vi.fn((t: TemplateInfo) => Promise.resolve(t.id === "t1" ? "Hi Avery" : "Thanks!"));
        const { box, sent } = setup({ templates, fillTemplate });
        fireEvent.click(screen.getByRole("button", { name: "Templates" }));
        const items = await screen.findAllByRole("menuitem");
        expect(items.map((i) => i.textContent)).toEqual(["Appointment reminder", "Thanks"]);
        fireEvent.click(screen.getByRole("menuitem", { name: "Appointment reminder" }));
        await waitFor(() => expect(box.value).toBe("Hi Avery"));
        expect(fillTemplate).toHaveBeenCalledWith(templates[0]);
        fireEvent.change(box, { target: { value: "Hi Avery, see you at 10." } });
        fireEvent.click(screen.getByRole("button", { name: "Send" }));
        await waitFor(() => expect(sent).toEqual([{ text: "Hi Avery, see you at 10.", attachment: null }]));
    });

    it("says when there is no published template", async () => {
        setup();
        fireEvent.click(screen.getByRole("button", { name: "Templates" }));
        expect(await screen.findByRole("menuitem", { name: "No published templates" })).toHaveAttribute(
            "aria-disabled",
            "true",
        );
    });

    it("offers the number to send from only when there are several", () => {
        const onConfigurationChange = vi.fn();
        setup({ configurations: [config("1"), config("2")], onConfigurationChange });
        const select = screen.getByRole("combobox", { name: "Send from" });
        fireEvent.change(select, { target: { value: "2" } });
        expect(onConfigurationChange).toHaveBeenCalledWith("2");
    });

    it("has no number picker with one Configuration", () => {
        setup();
        expect(screen.queryByRole("combobox", { name: "Send from" })).toBeNull();
    });

    it("inserts an emoji from the picker at the caret", async () => {
        const { box } = setup();
        fireEvent.change(box, { target: { value: "Thanks !" } });
        box.setSelectionRange(7, 7);
        fireEvent.click(screen.getByRole("button", { name: "Emoji" }));
        fireEvent.click(await screen.findByRole("button", { name: "thumbs up" }));
        expect(box.value).toBe("Thanks 👍!");
    });

    it("attaches an image and sends it, refusing other files", async () => {
        const { sent, problems } = setup();
        const input = screen.getByLabelText("Image file");
        fireEvent.change(input, { target: { files: [new File(["%PDF"], "doc.pdf", { type: "application/pdf" })] } });
        expect(problems[0]).toContain("only images");
        const photo = new File(["img"], "photo.png", { type: "image/png" });
        fireEvent.change(input, { target: { files: [photo] } });
        expect(screen.getByText("Image: photo.png")).toBeInTheDocument();
        fireEvent.click(screen.getByRole("button", { name: "Send" }));
        await waitFor(() => expect(sent).toEqual([{ text: "", attachment: photo }]));
    });

    it("explains why it cannot send", () => {
        setup({ blocked: "No SMS Bridge Configuration is active to send from." });
        expect(screen.getByText("No SMS Bridge Configuration is active to send from.")).toBeInTheDocument();
    });

    it("keeps the text when sending fails", async () => {
        const { box } = setup({ onSend: () => Promise.resolve(false) });
        fireEvent.change(box, { target: { value: "Keep me" } });
        await act(async () => {
            fireEvent.keyDown(box, { key: "Enter" });
            await Promise.resolve();
        });
        expect(box.value).toBe("Keep me");
    });
});
