/**
 * Conversation form: **Unblock**, the way back from the pane's Block (DESIGN 6.6: same rights as Block). The number
 * becomes Pending again, so the next text from it notifies the team with Accept / Dismiss / Block. Register
 * `SmsBridge.Forms.Conversation.unblock` (CrmParameter PrimaryControl) as the form command and
 * `SmsBridge.Forms.Conversation.isUnblockEnabled` as its enable rule: the command shows on blocked conversations only.
 */
import { smsb_conversation } from "@smsb/shared";

export const RESULT_ID = "smsb_unblock_result";

export const Text = {
    unblocked: "Unblocked. The next text from this number notifies the team again (Accept, Dismiss or Block).",
    failed: (message: string) => `Unblock could not be saved: ${message}`,
} as const;

function state(formContext: Xrm.FormContext): number | null {
    return (
        formContext.getAttribute<Xrm.Attributes.OptionSetAttribute>(smsb_conversation.columns.smsb_state)?.getValue() ??
        null
    );
}

/** Unblock is offered on a blocked conversation only. */
export function isUnblockEnabled(formContext: Xrm.FormContext): boolean {
    return state(formContext) === smsb_conversation.choices.smsb_state.Blocked;
}

/** Pending again, no longer blocked by anyone: saved at once, the verdict shown on the form. */
export async function unblock(formContext: Xrm.FormContext): Promise<boolean> {
    if (!isUnblockEnabled(formContext)) return false;
    const changes: [string, Xrm.Attributes.AttributeValues | null][] = [
        [smsb_conversation.columns.smsb_state, smsb_conversation.choices.smsb_state.Pending],
        [smsb_conversation.columns.smsb_blockedby, null],
        [smsb_conversation.columns.smsb_blockedon, null],
    ];
    for (const [name, value] of changes) {
        const attribute = formContext.getAttribute<Xrm.Attributes.Attribute>(name);
        if (!attribute) continue;
        attribute.setValue(value);
        attribute.setSubmitMode("always");
    }
    formContext.ui.clearFormNotification(RESULT_ID);
    try {
        await formContext.data.save();
    } catch (error) {
        const message =
            error instanceof Error ? error.message : ((error as { message?: string })?.message ?? String(error));
        formContext.ui.setFormNotification(Text.failed(message), "ERROR", RESULT_ID);
        return false;
    }
    formContext.ui.setFormNotification(Text.unblocked, "INFO", RESULT_ID);
    return true;
}
