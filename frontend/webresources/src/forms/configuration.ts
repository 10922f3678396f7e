/**
 * Configuration form: the manual's banner, **Validate** (the webhook checks the credentials with Twilio and
 * writes the result back), the Callback URL read-only with a Copy action, Allow Create To as a table picker, and
 * Take Over Number offered only when Validate found the number pointing at another system (Validate never takes a
 * number from another system unless an admin says so).
 * Register `SmsBridge.Forms.Configuration.onLoad` (pass execution context) as the form's OnLoad handler and
 * `SmsBridge.Forms.Configuration.validate` (CrmParameter PrimaryControl) as the Validate command.
 */
import { odataQuery, smsb_configuration } from "@smsb/shared";
import { defaultDeps, recordId, setString, stringValue, type FormDeps } from "./context";
import { listTables } from "./metadata";
import { mountPicker, splitList, webResourceRoot } from "./picker";

export const BANNER_ID = "smsb_configuration_banner";
export const RESULT_ID = "smsb_validate_result";
export const ALLOW_CREATE_TO_CONTROL = "WebResource_smsb_allowcreateto";
export const TAKE_OVER_NOTE = "smsb_takeover";
/**
 * What Validate writes when the number's webhook (or the Messaging Service's incoming-message URL) sends the texts
 * to another system (`messaging/configuration/validation.py` POINTS_ELSEWHERE; a test holds the two to one phrase).
 */
export const POINTS_ELSEWHERE = "points at another system";
/** What Validate writes when it took the number over (`validation.py` TAKEN_OVER). */
export const TAKEN_OVER = "Taken over:";

export const Text = {
    validateBanner: "To validate this Configuration, kindly click on 'Validate' button.",
    copyBanner:
        "Please copy the Callback URL and paste it into Phone Numbers → Manage → Active numbers → Select Mobile Number → " +
        "Configure Tab → Messaging Configuration Section → 'Request URL' and 'Callback URL' in Twilio before proceeding with the configuration.",
    validating: "Validating the Configuration with Twilio…",
    valid: "The Configuration is valid. The Account SID & Authentication Token were validated with Twilio.",
    takenOver: (message: string) => `The Configuration is valid. ${message}`,
    invalid: (message: string) =>
        `The Configuration is not valid: ${message || "Twilio did not accept the credentials."}`,
    failed: (message: string) => `Validate could not run: ${message}`,
    pending: "Validation is still running; its result will appear on this form when it is ready.",
    copied: "The Callback URL was copied.",
    takeOver:
        "Validate left the number with the other system named in Validation Message. Set this to Yes and press " +
        "Validate to move the number to SMS Bridge: that system stops receiving its texts at once.",
    copyFailed: "The Callback URL could not be copied; select it and copy it by hand.",
} as const;

/** How long Validate waits for the function app's answer, and how often it looks. */
export const VALIDATE_TIMEOUT_MS = 60_000;
export const VALIDATE_POLL_MS = 1_000;

export async function onLoad(executionContext: Xrm.Events.EventContext, deps?: Partial<FormDeps>): Promise<void> {
    const formContext = executionContext.getFormContext();
    const d = defaultDeps(deps);
    showBanner(formContext);
    lockCallbackUrl(formContext);
    showTakeOver(formContext);
    formContext
        .getAttribute(smsb_configuration.columns.smsb_validationstatus)
        ?.addOnChange(() => showBanner(formContext));
    for (const column of [
        smsb_configuration.columns.smsb_validationmessage,
        smsb_configuration.columns.smsb_takeovernumber,
    ]) {
        formContext.getAttribute(column)?.addOnChange(() => showTakeOver(formContext));
    }
    formContext
        .getAttribute(smsb_configuration.columns.smsb_callbackurl)
        ?.addOnChange(() => lockCallbackUrl(formContext));
    await attachAllowCreateTo(formContext, d);
}

/** The banner at the top of the form, as in the manual. */
export function showBanner(formContext: Xrm.FormContext): void {
    formContext.ui.clearFormNotification(BANNER_ID);
    const status = formContext
        .getAttribute<Xrm.Attributes.OptionSetAttribute>(smsb_configuration.columns.smsb_validationstatus)
        ?.getValue();
    const auto = formContext
        .getAttribute<Xrm.Attributes.BooleanAttribute>(smsb_configuration.columns.smsb_autoconfigure)
        ?.getValue();
    if (status === smsb_configuration.choices.smsb_validationstatus.Invalid) {
        formContext.ui.setFormNotification(
            Text.invalid(stringValue(formContext, smsb_configuration.columns.smsb_validationmessage)),
            "ERROR",
            BANNER_ID,
        );
    } else if (status !== smsb_configuration.choices.smsb_validationstatus.Valid) {
        formContext.ui.setFormNotification(Text.validateBanner, "INFO", BANNER_ID);
    } else if (auto === false) {
        formContext.ui.setFormNotification(Text.copyBanner, "WARNING", BANNER_ID);
    }
}

/**
 * Take Over Number is shown only when it matters: Validate said the number points at another system (or an admin
 * has already set it to Yes), with a note saying what Yes does.
 */
export function showTakeOver(formContext: Xrm.FormContext): void {
    const control = formContext.getControl<Xrm.Controls.StandardControl>(
        smsb_configuration.columns.smsb_takeovernumber,
    );
    if (!control) return;
    const elsewhere = stringValue(formContext, smsb_configuration.columns.smsb_validationmessage).includes(
        POINTS_ELSEWHERE,
    );
    const chosen =
        formContext
            .getAttribute<Xrm.Attributes.BooleanAttribute>(smsb_configuration.columns.smsb_takeovernumber)
            ?.getValue() === true;
    control.setVisible(elsewhere || chosen);
    control.clearNotification?.(TAKE_OVER_NOTE);
    if (elsewhere && !chosen) {
        control.addNotification?.({
            uniqueId: TAKE_OVER_NOTE,
            notificationLevel: "RECOMMENDATION",
            messages: [Text.takeOver],
        });
    }
}

/** The Callback URL is filled in by the function app: read-only, with a Copy action beside it. */
export function lockCallbackUrl(formContext: Xrm.FormContext, clipboard?: Pick<Clipboard, "writeText">): void {
    const control = formContext.getControl<Xrm.Controls.StringControl>(smsb_configuration.columns.smsb_callbackurl);
    if (!control) return;
    control.setDisabled(true);
    control.clearNotification?.("smsb_copy");
    if (!stringValue(formContext, smsb_configuration.columns.smsb_callbackurl)) return;
    control.addNotification?.({
        uniqueId: "smsb_copy",
        notificationLevel: "RECOMMENDATION",
        messages: ["Copy the Callback URL"],
        actions: [{ message: "Copy", actions: [() => void copyCallbackUrl(formContext, clipboard)] }],
    });
}

/** Command and field action: put the Callback URL on the clipboard. */
export async function copyCallbackUrl(
    formContext: Xrm.FormContext,
    clipboard?: Pick<Clipboard, "writeText">,
): Promise<boolean> {
    const url = stringValue(formContext, smsb_configuration.columns.smsb_callbackurl);
    try {
        await (clipboard ?? navigator.clipboard).writeText(url);
        formContext.ui.setFormNotification(Text.copied, "INFO", RESULT_ID);
        return true;
    } catch {
        formContext.ui.setFormNotification(Text.copyFailed, "WARNING", RESULT_ID);
        return false;
    }
}

/** Validate is offered on create and update forms (it saves first), not on read-only or disabled ones. */
export function isValidateEnabled(formContext: Xrm.FormContext): boolean {
    const type: number = formContext.ui.getFormType(); // 1 Create, 2 Update
    return type === 1 || type === 2;
}

export type ValidateResult = "valid" | "invalid" | "timeout" | "failed";

/**
 * Set `smsb_validaterequestedon`, save, then wait (with a progress indicator) until the function app writes a
 * newer `smsb_lastvalidatedon`, and show its verdict as a form notification.
 */
export async function validate(formContext: Xrm.FormContext, deps?: Partial<FormDeps>): Promise<ValidateResult> {
    const d = defaultDeps(deps);
    formContext.ui.clearFormNotification(RESULT_ID);
    const before =
        formContext
            .getAttribute<Xrm.Attributes.DateAttribute>(smsb_configuration.columns.smsb_lastvalidatedon)
            ?.getValue() ?? null;
    const requested = d.now();
    const requestedAttribute = formContext.getAttribute<Xrm.Attributes.DateAttribute>(
        smsb_configuration.columns.smsb_validaterequestedon,
    );
    d.xrm.Utility.showProgressIndicator(Text.validating);
    try {
        if (requestedAttribute) {
            requestedAttribute.setSubmitMode("always");
            requestedAttribute.setValue(requested);
            await formContext.data.save();
        } else {
            await formContext.data.save();
            await d.api.update(smsb_configuration.ref, recordId(formContext), {
                [smsb_configuration.columns.smsb_validaterequestedon]: requested.toISOString(),
            });
        }
        const id = recordId(formContext);
        const deadline = d.now().getTime() + VALIDATE_TIMEOUT_MS;
        while (d.now().getTime() < deadline) {
            await d.sleep(VALIDATE_POLL_MS);
            const row = await d.api.retrieve(
                smsb_configuration.ref,
                id,
                odataQuery({
                    select: [
                        smsb_configuration.columns.smsb_validationstatus,
                        smsb_configuration.columns.smsb_lastvalidatedon,
                        smsb_configuration.columns.smsb_validationmessage,
                    ],
                }),
            );
            const validatedOn = row[smsb_configuration.columns.smsb_lastvalidatedon]
                ? new Date(String(row[smsb_configuration.columns.smsb_lastvalidatedon]))
                : null;
            if (!validatedOn || (before && validatedOn.getTime() <= before.getTime())) continue;
            const status = Number(row[smsb_configuration.columns.smsb_validationstatus]);
            const text = row[smsb_configuration.columns.smsb_validationmessage];
            const message = typeof text === "string" ? text : "";
            d.xrm.Utility.closeProgressIndicator();
            await formContext.data.refresh(false);
            if (status === smsb_configuration.choices.smsb_validationstatus.Valid) {
                if (message.includes(TAKEN_OVER)) {
                    // The other system stopped receiving the number's texts: say so where the admin looks.
                    formContext.ui.setFormNotification(Text.takenOver(message), "WARNING", RESULT_ID);
                } else {
                    formContext.ui.setFormNotification(Text.valid, "INFO", RESULT_ID);
                }
                showBanner(formContext);
                showTakeOver(formContext);
                return "valid";
            }
            formContext.ui.setFormNotification(Text.invalid(message), "ERROR", RESULT_ID);
            showBanner(formContext);
            showTakeOver(formContext);
            return "invalid";
        }
        formContext.ui.setFormNotification(Text.pending, "WARNING", RESULT_ID);
        return "timeout";
    } catch (error) {
        // A save blocked by a required field, or Dataverse unreachable: say so on the form instead of failing silently.
        const message =
            error instanceof Error ? error.message : ((error as { message?: string })?.message ?? String(error));
        formContext.ui.setFormNotification(Text.failed(message), "ERROR", RESULT_ID);
        return "failed";
    } finally {
        d.xrm.Utility.closeProgressIndicator();
    }
}

/** Allow Create To: check boxes of tables in the form's `WebResource_smsb_allowcreateto` control. */
export async function attachAllowCreateTo(formContext: Xrm.FormContext, d: FormDeps): Promise<void> {
    const root = await webResourceRoot(formContext, ALLOW_CREATE_TO_CONTROL);
    if (!root) return;
    const tables = await listTables(d.api);
    mountPicker(root, {
        label: "Allow Create To",
        choices: tables,
        selected: splitList(stringValue(formContext, smsb_configuration.columns.smsb_allowcreateto)),
        multiple: true,
        onChange: (values) => setString(formContext, smsb_configuration.columns.smsb_allowcreateto, values.join(",")),
    });
}
