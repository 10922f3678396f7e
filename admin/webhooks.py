"""Registering the function app as a Dataverse webhook: one service endpoint, one step per event it handles.

Idempotent: a second run with the same URL and key changes nothing; a changed URL or key updates the endpoint
in place; a missing step is created, a disabled one is enabled again, a step registered with another execution mode
or other filtering columns (by an older version) is put right, and a correct one is left as it is. The key is never
printed.

Execution mode. An asynchronous step has the platform save its execution context — the Target with every column
the user submitted — as a System Job (asyncoperation) until the call is done, and keep it when the call fails
("Asynchronous service": "the platform serializes the context for any asynchronous extensions and saves it to the
database as a System Job", https://learn.microsoft.com/power-apps/developer/data-platform/asynchronous-service;
`asyncautodelete` removes only successful jobs, https://learn.microsoft.com/power-apps/developer/data-platform/
register-web-hook). An admin types a Configuration's Twilio auth token in plain text, so the Configuration steps are
synchronous: no System Job exists for them, and a save the function app did not acknowledge is rolled back rather
than kept for later ("use synchronous mode ... if you want the entire transaction to fail unless the WebHook payload
is received by the service", same page). Filtering columns cannot help here: they choose *whether* a step runs, not
what its Target carries, and images cannot leave out a column of the Target either. The other tables carry no
secret and stay asynchronous, so an Outbox save never waits on the function app.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from dataverse import DataverseClient, F, bind

__all__ = [
    "ENDPOINT_NAME",
    "MODE_ASYNC",
    "MODE_SYNC",
    "WEBHOOK_STEPS",
    "RegistrationReport",
    "StepSpec",
    "WebhookSetupError",
    "register_webhooks",
]

ENDPOINT_NAME = "SMS Bridge"
_CONTRACT_WEBHOOK = 8
_AUTH_WEBHOOK_KEY = 4
_MESSAGE_FORMAT_JSON = 2
_STAGE_POST_OPERATION = 40
MODE_SYNC = 0
MODE_ASYNC = 1
_STEP_ENABLED = 0
_STEP_ENABLED_REASON = 1


class WebhookSetupError(RuntimeError):
    """Dataverse lacks what the registration needs (the solution is not imported); nothing was changed."""


@dataclass(frozen=True)
class StepSpec:
    table: str
    message: str
    filtering_attributes: tuple[str, ...] = ()
    mode: int = MODE_ASYNC

    @property
    def name(self) -> str:
        return f"SMS Bridge: {self.message} of {self.table}"

    def settings(self) -> dict[str, object]:
        """The columns of the step that this version of the product decides."""
        return {
            "mode": self.mode,
            # Only an asynchronous step has a System Job to delete; a synchronous one has none.
            "asyncautodelete": self.mode == MODE_ASYNC,
            "filteringattributes": ",".join(self.filtering_attributes) or None,
        }


WEBHOOK_STEPS: tuple[StepSpec, ...] = (
    StepSpec("smsb_outbox", "Create"),
    # The chat creates an Outbox with an image held back (send-after) until the upload is done, then releases it.
    StepSpec("smsb_outbox", "Update", ("smsb_sendafter",)),
    # Synchronous: their Target may hold an auth token in plain text, which must never sit in a System Job.
    StepSpec("smsb_configuration", "Create", mode=MODE_SYNC),
    StepSpec("smsb_configuration", "Update", ("smsb_authtoken", "smsb_validaterequestedon"), mode=MODE_SYNC),
    StepSpec("smsb_recordtype", "Create"),
    # Every column the check reads: a changed Related table is checked (and its definition read again) too.
    StepSpec("smsb_recordtype", "Update", ("smsb_entitylogicalname", "smsb_phonefield", "smsb_compliancefield",
                                           "smsb_relatedentitylogicalname")),
    # A chat changed owner, however it was done (the chat's Assign, the platform's Assign on one row, a bulk assign,
    # a workflow): the app brings the conversation and its open sessions to one owner (DESIGN 6.6). Assign is an
    # Update of ownerid (https://learn.microsoft.com/power-apps/developer/data-platform/special-update-operation-behavior).
    StepSpec("smsb_conversation", "Update", ("ownerid",)),
    StepSpec("smsb_messagesession", "Update", ("ownerid",)),
)


@dataclass
class RegistrationReport:
    endpoint_id: uuid.UUID | None = None
    endpoint_created: bool = False
    endpoint_updated: bool = False
    steps_created: list[str] = field(default_factory=list)
    steps_unchanged: list[str] = field(default_factory=list)
    steps_enabled: list[str] = field(default_factory=list)
    steps_updated: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return (self.endpoint_created or self.endpoint_updated or bool(self.steps_created)
                or bool(self.steps_enabled) or bool(self.steps_updated))


def register_webhooks(client: DataverseClient, function_base_url: str, function_key: str) -> RegistrationReport:
    """Point Dataverse's webhook for the product's tables at `{function_base_url}/api/dataverse/webhook`."""
    report = RegistrationReport()
    url = f"{function_base_url.rstrip('/')}/api/dataverse/webhook"
    # Resolve every step's message and table first: a missing table changes nothing at all.
    messages = {row["name"]: row.guid("sdkmessageid") for row in client.query(
        "sdkmessages", select=["sdkmessageid", "name"], filter=F.any_of("name", ["Create", "Update"]))}
    targets: dict[StepSpec, tuple[uuid.UUID, uuid.UUID]] = {}
    for spec in WEBHOOK_STEPS:
        message_id = messages.get(spec.message)
        if message_id is None:
            raise WebhookSetupError(f"Dataverse has no '{spec.message}' message")
        message_filter = client.first(
            "sdkmessagefilters", select=["sdkmessagefilterid"],
            filter=F.eq("primaryobjecttypecode", spec.table) & F.eq("_sdkmessageid_value", message_id))
        filter_id = message_filter.guid("sdkmessagefilterid") if message_filter is not None else None
        if filter_id is None:
            raise WebhookSetupError(f"the table {spec.table} does not raise '{spec.message}' events; import the "
                                    "solution first (`smsbridge import`)")
        targets[spec] = (message_id, filter_id)

    existing = client.first("serviceendpoints", select=["serviceendpointid", "url", "authvalue", "authtype"],
                            filter=F.eq("name", ENDPOINT_NAME) & F.eq("contract", _CONTRACT_WEBHOOK))
    wanted = {"url": url, "authtype": _AUTH_WEBHOOK_KEY, "authvalue": function_key}
    if existing is None:
        report.endpoint_id = client.create("serviceendpoints", {
            "name": ENDPOINT_NAME, "contract": _CONTRACT_WEBHOOK, "messageformat": _MESSAGE_FORMAT_JSON,
            "description": "SMS Bridge function app", **wanted,
        })
        report.endpoint_created = True
    else:
        report.endpoint_id = existing.guid("serviceendpointid")
        if any(existing.get(k) != v for k, v in wanted.items()) and report.endpoint_id is not None:
            client.update("serviceendpoints", report.endpoint_id, wanted)
            report.endpoint_updated = True
    if report.endpoint_id is None:
        raise WebhookSetupError("the service endpoint has no id")

    for spec in WEBHOOK_STEPS:
        message_id, filter_id = targets[spec]
        _ensure_step(client, spec, endpoint_id=report.endpoint_id, message_id=message_id, filter_id=filter_id,
                     report=report)
    return report


def _ensure_step(client: DataverseClient, spec: StepSpec, *, endpoint_id: uuid.UUID, message_id: uuid.UUID,
                 filter_id: uuid.UUID, report: RegistrationReport) -> None:
    """Create the step, or put an existing one right (mode, filtering columns, enabled)."""
    step = client.first(
        "sdkmessageprocessingsteps",
        select=["sdkmessageprocessingstepid", "statecode", "mode", "asyncautodelete", "filteringattributes"],
        filter=F.eq("name", spec.name) & F.eq("_eventhandler_value", endpoint_id))
    if step is None:
        client.create("sdkmessageprocessingsteps", {
            "name": spec.name, "stage": _STAGE_POST_OPERATION, "rank": 1, "supporteddeployment": 0,
            **{name: value for name, value in spec.settings().items() if value is not None},
            "eventhandler_serviceendpoint@odata.bind": bind("serviceendpoints", endpoint_id),
            "sdkmessageid@odata.bind": bind("sdkmessages", message_id),
            "sdkmessagefilterid@odata.bind": bind("sdkmessagefilters", filter_id),
        })
        report.steps_created.append(spec.name)
        return
    step_id = step.guid("sdkmessageprocessingstepid")
    if step_id is None:
        raise WebhookSetupError(f"the step {spec.name} has no id")
    wanted = spec.settings()
    if any((step.get(name) or None) != (value or None) for name, value in wanted.items()):
        client.update("sdkmessageprocessingsteps", step_id, wanted)
        report.steps_updated.append(spec.name)
    if step.get("statecode") not in (None, _STEP_ENABLED):
        client.update("sdkmessageprocessingsteps", step_id,
                      {"statecode": _STEP_ENABLED, "statuscode": _STEP_ENABLED_REASON})
        report.steps_enabled.append(spec.name)
    elif spec.name not in report.steps_updated:
        report.steps_unchanged.append(spec.name)
