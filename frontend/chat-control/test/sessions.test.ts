import { describe, expect, it } from "vitest";
import {
    allowedCreateTables,
    currentSession,
    datasetToSessions,
    hostRecord,
} from "../TextSMSChatSystem/model/sessions";
import { dataset } from "./fakes";

describe("datasetToSessions", () => {
    it("maps the subgrid rows, newest window first, lookups as lower-case ids", () => {
        const sessions = datasetToSessions(
            dataset([
                {
                    id: "S-OLD",
                    values: {
                        statecode: 1,
                        actualstart: new Date("2026-11-24T00:00:00Z"),
                        smsb_conversation: { id: { guid: "{C-1}" } },
                    },
                    formatted: { subject: "Monday" },
                },
                {
                    id: "S-NEW",
                    values: {
                        statecode: 0,
                        actualstart: new Date("2026-11-26T00:00:00Z"),
                        smsb_configuration: { id: "CFG-1" },
                    },
                    formatted: { subject: "Today" },
                },
            ]),
        );
        expect(sessions).toEqual([
            {
                id: "s-new",
                subject: "Today",
                open: true,
                start: "2026-11-26T00:00:00.000Z",
                conversationId: null,
                configurationId: "cfg-1",
            },
            {
                id: "s-old",
                subject: "Monday",
                open: false,
                start: "2026-11-24T00:00:00.000Z",
                conversationId: "c-1",
                configurationId: null,
            },
        ]);
        expect(currentSession(sessions)?.id).toBe("s-new");
    });

    it("keeps the view's order when the view has no window start, and treats a missing state as open", () => {
        const sessions = datasetToSessions(
            dataset([
                { id: "b", values: {} },
                { id: "a", values: {} },
            ]),
        );
        expect(sessions.map((s) => [s.id, s.open])).toEqual([
            ["b", true],
            ["a", true],
        ]);
    });

    it("has no current session when the subgrid is empty", () => {
        expect(currentSession(datasetToSessions(dataset([])))).toBeNull();
    });
});

describe("hostRecord", () => {
    it("reads the form's record from contextInfo", () => {
        expect(
            hostRecord(
                { contextInfo: { entityTypeName: "contact", entityId: "{ABC}", entityRecordName: "Justin" } },
                null,
                "smsb_messagesession",
            ),
        ).toEqual({ entityType: "contact", id: "abc", name: "Justin" });
    });

    it("prefers the manifest's table, and ignores the subgrid's own table name", () => {
        const mode = { contextInfo: { entityTypeName: "smsb_messagesession", entityId: "abc" } };
        expect(hostRecord(mode, null, "smsb_messagesession")).toBeNull();
        expect(hostRecord(mode, "incident", "smsb_messagesession")).toEqual({
            entityType: "incident",
            id: "abc",
            name: undefined,
        });
    });

    it("is null on a form that is not saved yet", () => {
        expect(
            hostRecord({ contextInfo: { entityTypeName: "contact", entityId: "" } }, null, "smsb_messagesession"),
        ).toBeNull();
    });
});

describe("allowedCreateTables", () => {
    it("splits the Configuration's comma-separated list", () => {
        expect(allowedCreateTables(" incident, Opportunity,,incident;salesorder ")).toEqual([
            "incident",
            "opportunity",
            "salesorder",
        ]);
        expect(allowedCreateTables(null)).toEqual([]);
    });
});
