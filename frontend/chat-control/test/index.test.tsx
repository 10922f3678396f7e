import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as React from "react";
import { act, render } from "@testing-library/react";
import { TextSMSChatSystem } from "../TextSMSChatSystem";
import { ChatRootProps } from "../TextSMSChatSystem/components/ChatRoot";
import { IInputs } from "../TextSMSChatSystem/generated/ManifestTypes";
import { dataset, flush } from "./fakes";

/** A typed mock of the PCF context with the members the control uses. */
function mockContext(options: { allocatedHeight?: number; heightPx?: number | null } = {}) {
    const list = vi.fn(() => Promise.resolve({ entities: [], nextLink: "" }));
    const refresh = vi.fn();
    const setPageSize = vi.fn();
    const sessions = Object.assign(dataset([{ id: "S1", values: { statecode: 0 } }]), {
        refresh,
        paging: { pageSize: 25, setPageSize },
    });
    const context = {
        parameters: {
            sessions,
            heightPx: { raw: options.heightPx ?? null },
            pollSeconds: { raw: 5 },
            parentTable: { raw: null },
        },
        mode: {
            allocatedHeight: options.allocatedHeight ?? -1,
            allocatedWidth: 600,
            trackContainerResize: vi.fn(),
            contextInfo: { entityTypeName: "contact", entityId: "{C1}", entityRecordName: "Justin Case" },
        },
        webAPI: {
            retrieveMultipleRecords: list,
            createRecord: vi.fn(),
            updateRecord: vi.fn(),
            deleteRecord: vi.fn(),
            retrieveRecord: vi.fn(),
        },
        utils: { getEntityMetadata: vi.fn(), lookupObjects: vi.fn() },
        navigation: { openForm: vi.fn() },
        userSettings: { userName: "Ricky Ponting" },
    } as unknown as ComponentFramework.Context<IInputs>;
    return { context, list, refresh, setPageSize };
}

describe("TextSMSChatSystem lifecycle", () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it("maps the context to the chat's props", () => {
        const { context } = mockContext({ heightPx: 700 });
        const control = new TextSMSChatSystem();
        control.init(context);
        const element = control.updateView(context) as React.ReactElement<ChatRootProps>;
        expect(element.props.host).toEqual({ entityType: "contact", id: "c1", name: "Justin Case" });
        expect(element.props.sessions.map((s) => s.id)).toEqual(["s1"]);
        expect(element.props.height).toBe(700);
        expect(element.props.userName).toBe("Ricky Ponting");
        expect(control.getOutputs()).toEqual({});
        control.destroy();
    });

    it("asks the subgrid for enough sessions once", () => {
        const { context, setPageSize, refresh } = mockContext();
        const control = new TextSMSChatSystem();
        control.init(context);
        expect(setPageSize).toHaveBeenCalledWith(100);
        expect(refresh).toHaveBeenCalledTimes(1);
        control.destroy();
    });

    it("takes the height the form allocates", () => {
        const { context } = mockContext({ allocatedHeight: 420 });
        const control = new TextSMSChatSystem();
        control.init(context);
        expect((control.updateView(context) as React.ReactElement<ChatRootProps>).props.height).toBe(420);
        control.destroy();
    });

    it("polls while alive and stops every timer in destroy", async () => {
        const { context, list } = mockContext();
        const control = new TextSMSChatSystem();
        control.init(context);
        const view = render(control.updateView(context));
        const advance = (ms: number) =>
            act(async () => {
                vi.advanceTimersByTime(ms);
                await flush(20);
            });
        await advance(0);
        const messageReads = () => list.mock.calls.filter((call: unknown[]) => call[0] === "smsb_message").length;
        expect(messageReads()).toBe(1);
        await advance(5000);
        expect(messageReads()).toBe(2);
        view.unmount();
        control.destroy();
        expect(vi.getTimerCount()).toBe(0);
        vi.advanceTimersByTime(60000);
        await flush(20);
        expect(messageReads()).toBe(2);
    });
});
