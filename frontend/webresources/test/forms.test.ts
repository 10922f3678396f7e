// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from "vitest";
import { XrmMockGenerator } from "xrm-mock";
import * as Configuration from "../src/forms/configuration";
import * as Conversation from "../src/forms/conversation";
import type { FormDeps } from "../src/forms/context";
import * as MessageTemplate from "../src/forms/messageTemplate";
import * as RecordType from "../src/forms/recordType";
import { FakeDataverseApi } from "./fakes";

const CFG_ID = "00000000-0000-0000-0000-0000000000cc";

interface Notification {
    message: string;
    level: string;
    uniqueId: string;
}
const notifications = (fc: Xrm.FormContext) =>
    (fc.ui as unknown as { formNotifications?: Notification[] }).formNotifications ?? [];

/** A web resource control whose content window is this jsdom window (its #root receives the picker). */
function addWebResource(fc: Xrm.FormContext, name: string): HTMLElement {
    const root = document.createElement("div");
    root.id = "root";
    document.body.replaceChildren(root);
    const original = fc.getControl.bind(fc) as (n: string) => Xrm.Controls.Control | null;
    const extra = new Map<string, HTMLElement>();
    extra.set(name, root);
    vi.spyOn(fc, "getControl").mockImplementation(((n: string) => {
        if (extra.has(n))
            return {
                getContentWindow: async () => ({
                    document: { getElementById: () => extra.get(n), body: extra.get(n) },
                }),
            };
        return original(n);
    }) as never);
    return root;
}

function deps(api: FakeDataverseApi, overrides: Partial<FormDeps> = {}): Partial<FormDeps> {
    return { xrm: Xrm, api, sleep: async () => undefined, ...overrides };
}

describe("Configuration form", () => {
    let fc: Xrm.FormContext;
    let api: FakeDataverseApi;

    beforeEach(() => {
        XrmMockGenerator.initialise({ entity: { id: `{${CFG_ID.toUpperCase()}}`, entityName: "smsb_configuration" } });
        XrmMockGenerator.Attribute.createString("smsb_name", "SMS +15005550006");
        XrmMockGenerator.Attribute.createOptionSet("smsb_validationstatus", 1, [
            { text: "Draft", value: 1 },
            { text: "Valid", value: 2 },
            { text: "Invalid", value: 3 },
        ]);
        XrmMockGenerator.Attribute.createString({ name: "smsb_validationmessage", value: "", maxLength: 2000 });
        XrmMockGenerator.Attribute.createDate("smsb_lastvalidatedon", undefined);
        XrmMockGenerator.Attribute.createDate("smsb_validaterequestedon", undefined);
        XrmMockGenerator.Attribute.createBoolean("smsb_autoconfigure", true);
        XrmMockGenerator.Attribute.createBoolean("smsb_takeovernumber", false);
        XrmMockGenerator.Attribute.createString("smsb_callbackurl", "http://127.0.0.1:7071/api/twilio/messages");
        XrmMockGenerator.Attribute.createString("smsb_allowcreateto", "incident");
        fc = XrmMockGenerator.getFormContext();
        api = new FakeDataverseApi();
        api.add("smsb_configuration", {
            smsb_configurationid: CFG_ID,
            smsb_validationstatus: 1,
            smsb_lastvalidatedon: null,
        });
        api.metadataAnswers.set("EntityDefinitions?", {
            value: [
                {
                    LogicalName: "incident",
                    DisplayName: { UserLocalizedLabel: { Label: "Case" } },
                    IsValidForAdvancedFind: true,
                },
                {
                    LogicalName: "opportunity",
                    DisplayName: { UserLocalizedLabel: { Label: "Opportunity" } },
                    IsValidForAdvancedFind: true,
                },
                {
                    LogicalName: "plugintype",
                    DisplayName: { UserLocalizedLabel: { Label: "Plug-in" } },
                    IsValidForAdvancedFind: false,
                },
            ],
        });
    });

    it("shows the manual's banner on a draft and locks the Callback URL with a Copy action", async () => {
        await Configuration.onLoad(XrmMockGenerator.getEventContext(), deps(api));
        expect(notifications(fc)).toEqual([
            { message: Configuration.Text.validateBanner, level: "INFO", uniqueId: Configuration.BANNER_ID },
        ]);
        const control = fc.getControl<Xrm.Controls.StringControl>("smsb_callbackurl")!;
        expect(control.getDisabled()).toBe(true);
        const note = (control as unknown as { notifications: Xrm.Controls.AddControlNotificationOptions[] })
            .notifications[0];
        expect(note.actions?.[0].message).toBe("Copy");
    });

    it("copies the Callback URL and says so", async () => {
        const writeText = vi.fn(async () => undefined);
        expect(await Configuration.copyCallbackUrl(fc, { writeText })).toBe(true);
        expect(writeText).toHaveBeenCalledWith("http://127.0.0.1:7071/api/twilio/messages");
        expect(notifications(fc).at(-1)!.message).toBe(Configuration.Text.copied);
    });

    it("Validate sets the request time, saves, waits with a progress indicator and shows the result", async () => {
        const show = vi.spyOn(Xrm.Utility, "showProgressIndicator").mockImplementation(() => undefined);
        const close = vi.spyOn(Xrm.Utility, "closeProgressIndicator").mockImplementation(() => undefined);
        const save = vi.spyOn(fc.data, "save").mockImplementation((async () => undefined) as never);
        vi.spyOn(fc.data, "refresh").mockImplementation((async () => undefined) as never);
        let polls = 0;
        const sleep = async () => {
            polls += 1;
            if (polls === 3)
                api.touch("smsb_configuration", CFG_ID, {
                    smsb_validationstatus: 2,
                    smsb_lastvalidatedon: "2026-11-26T12:00:05Z",
                    smsb_validationmessage: "OK",
                });
        };
        const result = await Configuration.validate(fc, deps(api, { sleep }));
        expect(result).toBe("valid");
        expect(fc.getAttribute("smsb_validaterequestedon")!.getValue()).toBeInstanceOf(Date);
        expect(save).toHaveBeenCalled();
        expect(show).toHaveBeenCalledWith(Configuration.Text.validating);
        expect(close).toHaveBeenCalled();
        expect(api.calls.filter((c) => c.method === "retrieve")).toHaveLength(3);
        expect(notifications(fc).find((n) => n.uniqueId === Configuration.RESULT_ID)).toEqual({
            message: Configuration.Text.valid,
            level: "INFO",
            uniqueId: Configuration.RESULT_ID,
        });
    });

    it("Validate shows Twilio's reason when the credentials are refused", async () => {
        vi.spyOn(Xrm.Utility, "showProgressIndicator").mockImplementation(() => undefined);
        vi.spyOn(Xrm.Utility, "closeProgressIndicator").mockImplementation(() => undefined);
        vi.spyOn(fc.data, "save").mockImplementation((async () => undefined) as never);
        vi.spyOn(fc.data, "refresh").mockImplementation((async () => undefined) as never);
        const sleep = async () =>
            api.touch("smsb_configuration", CFG_ID, {
                smsb_validationstatus: 3,
                smsb_lastvalidatedon: "2026-11-26T12:00:05Z",
                smsb_validationmessage: "Authenticate (20003)",
            });
        expect(await Configuration.validate(fc, deps(api, { sleep }))).toBe("invalid");
        expect(notifications(fc).find((n) => n.uniqueId === Configuration.RESULT_ID)!.message).toBe(
            "The Configuration is not valid: Authenticate (20003)",
        );
    });

    it("Validate gives up after its time limit with a warning, and always closes the progress indicator", async () => {
        vi.spyOn(Xrm.Utility, "showProgressIndicator").mockImplementation(() => undefined);
        const close = vi.spyOn(Xrm.Utility, "closeProgressIndicator").mockImplementation(() => undefined);
        vi.spyOn(fc.data, "save").mockImplementation((async () => undefined) as never);
        let t = Date.parse("2026-11-26T12:00:00Z");
        const result = await Configuration.validate(
            fc,
            deps(api, {
                now: () => new Date(t),
                sleep: async (ms) => {
                    t += ms;
                },
            }),
        );
        expect(result).toBe("timeout");
        expect(close).toHaveBeenCalled();
        expect(notifications(fc).find((n) => n.uniqueId === Configuration.RESULT_ID)!.level).toBe("WARNING");
    });

    it("Validate reports a save that fails instead of waiting", async () => {
        vi.spyOn(Xrm.Utility, "showProgressIndicator").mockImplementation(() => undefined);
        const close = vi.spyOn(Xrm.Utility, "closeProgressIndicator").mockImplementation(() => undefined);
        vi.spyOn(fc.data, "save").mockImplementation((async () => {
            throw { errorCode: 1, message: "Mobile Number: Required fields must be filled in." };
        }) as never);
        expect(await Configuration.validate(fc, deps(api))).toBe("failed");
        expect(close).toHaveBeenCalled();
        expect(notifications(fc).find((n) => n.uniqueId === Configuration.RESULT_ID)!.message).toBe(
            "Validate could not run: Mobile Number: Required fields must be filled in.",
        );
        expect(api.calls.filter((c) => c.method === "retrieve")).toHaveLength(0);
    });

    it("offers Take Over Number only once Validate says the number points at another system", async () => {
        await Configuration.onLoad(XrmMockGenerator.getEventContext(), deps(api));
        const control = fc.getControl<Xrm.Controls.StandardControl>("smsb_takeovernumber")!;
        expect(control.getVisible()).toBe(false);

        const message = fc.getAttribute<Xrm.Attributes.StringAttribute>("smsb_validationmessage")!;
        message.setValue(
            "Credentials and number verified: +15005550006 belongs to account (AC1). But its SMS webhook " +
                `${Configuration.POINTS_ELSEWHERE}: https://old-product.example/sms. Validate left it as it is.`,
        );
        message.fireOnChange();
        expect(control.getVisible()).toBe(true);
        const notes = (control as unknown as { notifications: Xrm.Controls.AddControlNotificationOptions[] })
            .notifications;
        expect(notes.map((n) => n.messages)).toEqual([[Configuration.Text.takeOver]]);

        // Set to Yes, it stays in sight until Validate has used it (and set it back to No).
        fc.getAttribute<Xrm.Attributes.BooleanAttribute>("smsb_takeovernumber")!.setValue(true);
        message.setValue("Credentials and number verified. Its SMS webhook already points at the app.");
        message.fireOnChange();
        expect(control.getVisible()).toBe(true);
        fc.getAttribute<Xrm.Attributes.BooleanAttribute>("smsb_takeovernumber")!.setValue(false);
        fc.getAttribute("smsb_takeovernumber")!.fireOnChange();
        expect(control.getVisible()).toBe(false);
    });

    it("Validate that took the number over says where it pointed, as a warning", async () => {
        vi.spyOn(Xrm.Utility, "showProgressIndicator").mockImplementation(() => undefined);
        vi.spyOn(Xrm.Utility, "closeProgressIndicator").mockImplementation(() => undefined);
        vi.spyOn(fc.data, "save").mockImplementation((async () => undefined) as never);
        vi.spyOn(fc.data, "refresh").mockImplementation((async () => undefined) as never);
        const taken =
            `Credentials and number verified. ${Configuration.TAKEN_OVER} its SMS webhook pointed at ` +
            "https://old-product.example/sms and now points at http://127.0.0.1:7071/api/twilio/messages.";
        const sleep = async () =>
            api.touch("smsb_configuration", CFG_ID, {
                smsb_validationstatus: 2,
                smsb_lastvalidatedon: "2026-11-26T12:00:05Z",
                smsb_validationmessage: taken,
            });
        expect(await Configuration.validate(fc, deps(api, { sleep }))).toBe("valid");
        expect(notifications(fc).find((n) => n.uniqueId === Configuration.RESULT_ID)).toEqual({
            message: Configuration.Text.takenOver(taken),
            level: "WARNING",
            uniqueId: Configuration.RESULT_ID,
        });
    });

    it("Allow Create To is a picker of tables that writes the comma-separated list", async () => {
        const root = addWebResource(fc, Configuration.ALLOW_CREATE_TO_CONTROL);
        await Configuration.onLoad(XrmMockGenerator.getEventContext(), deps(api));
        const boxes = [...root.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')];
        expect(boxes.map((b) => b.value)).toEqual(["incident", "opportunity"]);
        expect(root.querySelector(`label[for="${boxes[0].id}"]`)!.textContent).toBe("Case (incident)");
        expect(boxes[0].checked).toBe(true);
        boxes[1].click();
        expect(fc.getAttribute("smsb_allowcreateto")!.getValue()).toBe("incident,opportunity");
    });
});

describe("Record Type form", () => {
    it("lists the chosen table's phone columns and Yes/No columns", async () => {
        XrmMockGenerator.initialise();
        XrmMockGenerator.Attribute.createString("smsb_entitylogicalname", "contact");
        XrmMockGenerator.Attribute.createString("smsb_phonefield", "");
        XrmMockGenerator.Attribute.createString("smsb_compliancefield", "");
        const fc = XrmMockGenerator.getFormContext();
        const api = new FakeDataverseApi();
        api.metadataAnswers.set(
            "EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata",
            {
                value: [
                    {
                        LogicalName: "mobilephone",
                        DisplayName: { UserLocalizedLabel: { Label: "Mobile Phone" } },
                        FormatName: { Value: "Phone" },
                    },
                    {
                        LogicalName: "telephone1",
                        DisplayName: { UserLocalizedLabel: { Label: "Business Phone" } },
                        FormatName: { Value: "Phone" },
                    },
                    {
                        LogicalName: "emailaddress1",
                        DisplayName: { UserLocalizedLabel: { Label: "Email" } },
                        FormatName: { Value: "Email" },
                    },
                ],
            },
        );
        api.metadataAnswers.set(
            "EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.BooleanAttributeMetadata",
            {
                value: [
                    { LogicalName: "donotsms", DisplayName: { UserLocalizedLabel: { Label: "Do not allow SMS" } } },
                ],
            },
        );
        const roots = new Map<string, HTMLElement>();
        for (const name of [RecordType.Controls.phone, RecordType.Controls.compliance]) {
            const div = document.createElement("div");
            roots.set(name, div);
        }
        const original = fc.getControl.bind(fc) as (n: string) => Xrm.Controls.Control | null;
        vi.spyOn(fc, "getControl").mockImplementation(((n: string) =>
            roots.has(n)
                ? { getContentWindow: async () => ({ document: { getElementById: () => roots.get(n) } }) }
                : original(n)) as never);
        await RecordType.refreshColumnPickers(fc, {
            xrm: Xrm,
            api,
            sleep: async () => undefined,
            now: () => new Date(),
        });
        const phone = roots.get(RecordType.Controls.phone)!.querySelector("select")!;
        expect([...phone.options].map((o) => o.value)).toEqual(["", "telephone1", "mobilephone"]);
        phone.value = "mobilephone";
        phone.dispatchEvent(new Event("change"));
        expect(fc.getAttribute("smsb_phonefield").getValue()).toBe("mobilephone");
        const compliance = roots.get(RecordType.Controls.compliance)!.querySelector("select")!;
        expect([...compliance.options].map((o) => o.textContent)).toEqual([
            "--Select--",
            "Do not allow SMS (donotsms)",
        ]);
    });
});

describe("Message Template form", () => {
    beforeEach(() => {
        XrmMockGenerator.initialise();
        XrmMockGenerator.Attribute.createString("smsb_entitylogicalname", "contact");
        XrmMockGenerator.Attribute.createString("smsb_body", "Hi {firstname|there}");
        XrmMockGenerator.Attribute.createOptionSet("smsb_publishstate", 1, [
            { text: "Draft", value: 1 },
            { text: "Published", value: 2 },
        ]);
    });

    it("Insert column appends a placeholder to the body", () => {
        const fc = XrmMockGenerator.getFormContext();
        MessageTemplate.insertColumn(fc, "lastname");
        expect(fc.getAttribute("smsb_body").getValue()).toBe("Hi {firstname|there} {lastname}");
    });

    it("previews the body against the chosen record", async () => {
        const fc = XrmMockGenerator.getFormContext();
        const api = new FakeDataverseApi();
        api.add("contact", { contactid: "k1", firstname: "Avery" });
        vi.spyOn(Xrm.Utility, "getEntityMetadata").mockImplementation((async () => ({
            EntitySetName: "contacts",
        })) as never);
        const d = { xrm: Xrm, api, sleep: async () => undefined, now: () => new Date() };
        expect(await MessageTemplate.previewText(fc, d, { id: "k1", name: "Avery" })).toEqual({
            ok: true,
            text: "Hi Avery",
        });
        fc.getAttribute("smsb_body").setValue("Hi {firstname");
        expect((await MessageTemplate.previewText(fc, d, { id: "k1", name: "Avery" })).text).toContain("never closed");
    });

    it("Publish refuses a body with a misplaced brace and publishes a good one", async () => {
        const fc = XrmMockGenerator.getFormContext();
        const save = vi.spyOn(fc.data, "save").mockImplementation((async () => undefined) as never);
        fc.getAttribute("smsb_body").setValue("Hi }");
        expect(await MessageTemplate.publish(fc)).toBe(false);
        expect(notifications(fc)[0].level).toBe("ERROR");
        expect(save).not.toHaveBeenCalled();
        fc.getAttribute("smsb_body").setValue("Hi {firstname}");
        expect(await MessageTemplate.publish(fc)).toBe(true);
        expect(fc.getAttribute("smsb_publishstate").getValue()).toBe(2);
        expect(save).toHaveBeenCalled();
        expect(MessageTemplate.isPublishEnabled(fc)).toBe(false);
    });
});

describe("Conversation form", () => {
    let fc: Xrm.FormContext;

    beforeEach(() => {
        XrmMockGenerator.initialise({
            entity: { id: "{00000000-0000-0000-0000-0000000000c1}", entityName: "smsb_conversation" },
        });
        XrmMockGenerator.Attribute.createOptionSet("smsb_state", 3, [
            { text: "Pending", value: 1 },
            { text: "Accepted", value: 2 },
            { text: "Blocked", value: 3 },
        ]);
        XrmMockGenerator.Attribute.createLookup("smsb_blockedby", {
            id: "{00000000-0000-0000-0000-00000000000a}",
            entityType: "systemuser",
            name: "Steve Smith",
        });
        XrmMockGenerator.Attribute.createDate("smsb_blockedon", new Date("2026-11-26T10:00:00Z"));
        fc = XrmMockGenerator.getFormContext();
    });

    it("offers Unblock on a blocked conversation only", () => {
        expect(Conversation.isUnblockEnabled(fc)).toBe(true);
        fc.getAttribute<Xrm.Attributes.OptionSetAttribute>("smsb_state")!.setValue(2);
        expect(Conversation.isUnblockEnabled(fc)).toBe(false);
    });

    it("Unblock makes the number Pending again, clears who blocked it and saves at once", async () => {
        const save = vi.spyOn(fc.data, "save").mockResolvedValue(undefined);
        expect(await Conversation.unblock(fc)).toBe(true);
        expect(save).toHaveBeenCalledOnce();
        expect(fc.getAttribute("smsb_state")!.getValue()).toBe(1);
        expect(fc.getAttribute("smsb_blockedby")!.getValue()).toBeNull();
        expect(fc.getAttribute("smsb_blockedon")!.getValue()).toBeNull();
        expect(notifications(fc).map((n) => n.level)).toEqual(["INFO"]);
        expect(Conversation.isUnblockEnabled(fc)).toBe(false);
    });

    it("says so on the form when the save is refused, and reports failure", async () => {
        vi.spyOn(fc.data, "save").mockRejectedValue(new Error("Principal with id … does not have WriteAccess"));
        expect(await Conversation.unblock(fc)).toBe(false);
        expect(notifications(fc)[0].message).toContain("Unblock could not be saved: Principal with id");
    });
});
