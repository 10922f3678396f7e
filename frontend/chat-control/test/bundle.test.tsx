/**
 * The built bundle (out/controls/TextSMSChatSystem/bundle.js) registers itself and renders on the platform's
 * libraries: React 16 as `Reactv16` and Fluent 9 as `FluentUIReactv940`, nothing of them bundled.
 * `make frontend` builds it first; run alone, the test says which command builds it.
 */
import { describe, expect, it, vi } from "vitest";
import * as fs from "fs";
import * as path from "path";
import * as React from "react";
import * as Fluent from "@fluentui/react-components";
import { act, render, screen } from "@testing-library/react";
import { dataset, flush } from "./fakes";

const BUNDLE = path.join(__dirname, "..", "out", "controls", "TextSMSChatSystem", "bundle.js");

type Ctor = new () => ComponentFramework.ReactControl<unknown, unknown>;

describe("the built bundle", () => {
    it("registers SmsBridge.TextSMSChatSystem and renders the chat through the platform libraries", async () => {
        expect(
            fs.existsSync(BUNDLE),
            `${BUNDLE} is missing: run \`npm run build --workspace @smsb/chat-control\``,
        ).toBe(true);
        const registered: Record<string, Ctor> = {};
        const host = window as unknown as Record<string, unknown>;
        host.Reactv16 = React;
        host.FluentUIReactv940 = Fluent;
        host.ComponentFramework = {
            registerControl: (name: string, ctor: Ctor) => {
                registered[name] = ctor;
            },
        };
        // The bundle is a classic script: evaluate it as the browser would.
        // eslint-disable-next-line @typescript-eslint/no-implied-eval
        const script = new Function(fs.readFileSync(BUNDLE, "utf8")) as () => void;
        script();
        const Control = registered["SmsBridge.TextSMSChatSystem"];
        expect(Control).toBeDefined();

        const list = vi.fn(() => Promise.resolve({ entities: [], nextLink: "" }));
        const context = {
            parameters: {
                sessions: Object.assign(dataset([]), { refresh: vi.fn() }),
                heightPx: { raw: 500 },
                pollSeconds: { raw: 5 },
                parentTable: { raw: null },
            },
            mode: {
                allocatedHeight: -1,
                trackContainerResize: vi.fn(),
                contextInfo: { entityTypeName: "contact", entityId: "c1", entityRecordName: "Justin" },
            },
            webAPI: { retrieveMultipleRecords: list },
            utils: {},
            navigation: {},
            userSettings: { userName: "Ricky" },
        } as unknown as ComponentFramework.Context<unknown>;
        const control = new Control();
        control.init(context, () => undefined, {});
        const view = render(control.updateView(context));
        await act(async () => {
            await flush(20);
        });
        expect(screen.getByRole("log")).toBeInTheDocument();
        expect(screen.getByRole("textbox", { name: "Type a message" })).toBeInTheDocument();
        expect(list).toHaveBeenCalledWith("smsb_configuration", expect.any(String), 250);
        view.unmount();
        control.destroy();
    });
});
