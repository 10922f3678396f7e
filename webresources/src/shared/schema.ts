/** Table and column names from solution/tables (DESIGN.md §5): the only place they are spelled out. */

export interface TableRef {
  readonly logicalName: string;
  readonly entitySet: string;
}

export const Tables = {
  configuration: { logicalName: "smsb_configuration", entitySet: "smsb_configurations" },
  conversation: { logicalName: "smsb_conversation", entitySet: "smsb_conversations" },
  dismissal: { logicalName: "smsb_dismissal", entitySet: "smsb_dismissals" },
  recordType: { logicalName: "smsb_recordtype", entitySet: "smsb_recordtypes" },
  messageTemplate: { logicalName: "smsb_messagetemplate", entitySet: "smsb_messagetemplates" },
  teamMembership: { logicalName: "teammembership", entitySet: "teammemberships" },
  systemUser: { logicalName: "systemuser", entitySet: "systemusers" },
} as const satisfies Record<string, TableRef>;

export const ConversationState = { Pending: 1, Accepted: 2, Blocked: 3 } as const;
export const ValidationStatus = { Draft: 1, Valid: 2, Invalid: 3 } as const;
export const PublishState = { Draft: 1, Published: 2 } as const;

export const Configuration = {
  name: "smsb_name",
  callbackUrl: "smsb_callbackurl",
  allowCreateTo: "smsb_allowcreateto",
  idleTimeout: "smsb_idletimeout",
  assignedTeam: "smsb_assignedteam",
  validationStatus: "smsb_validationstatus",
  lastValidatedOn: "smsb_lastvalidatedon",
  validationMessage: "smsb_validationmessage",
  validateRequestedOn: "smsb_validaterequestedon",
  autoConfigure: "smsb_autoconfigure",
} as const;

export const RecordType = {
  entityLogicalName: "smsb_entitylogicalname",
  phoneField: "smsb_phonefield",
  complianceField: "smsb_compliancefield",
} as const;

export const MessageTemplate = {
  entityLogicalName: "smsb_entitylogicalname",
  body: "smsb_body",
  publishState: "smsb_publishstate",
  templateType: "smsb_templatetype",
} as const;

/** Formatted-value annotation Dataverse adds when asked (`Prefer: odata.include-annotations`). */
export const FORMATTED = "@OData.Community.Display.V1.FormattedValue";

/** Lower-case a GUID and drop braces, so ids from Xrm and from the Web API compare equal. */
export function normalizeId(id: string | null | undefined): string {
  return (id ?? "").replace(/[{}]/g, "").toLowerCase();
}
