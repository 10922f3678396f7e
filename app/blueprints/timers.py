"""Timers: `sweep` (every minute) closes ended sessions and recovers work that fell between the cracks;
`reconcile` (hourly) files texts Twilio received but could not deliver, and refreshes unsettled statuses."""

from __future__ import annotations

import logging
import typing
from datetime import timedelta

import azure.functions as func

from app import runtime
from app.logs import invocation

bp = func.Blueprint()
log = logging.getLogger("smsbridge.sweep")


@bp.timer_trigger(schedule="0 */1 * * * *", arg_name="timer", run_on_startup=False)
@bp.queue_output(arg_name="outbound", queue_name="sms-outbound", connection="AzureWebJobsStorage")
def sweep(
    timer: func.TimerRequest,
    # Microsoft's Python worker refuses PEP 585's list[str] inside func.Out ("invalid non-type annotation")
    outbound: func.Out[typing.List[str]],  # noqa: UP006 - the worker accepts only typing generics here
) -> None:
    with invocation():
        if timer.past_due:
            log.info("sweep is running late; it catches up in one pass")
        report = runtime.current().sweeper.run()
        if report.jobs:
            outbound.set([job.to_json() for job in report.jobs])
        log.info("sweep: %s", report.summary())


# Two hours back each hour: every window is looked at twice, so a run that fails is covered by the next one.
RECONCILE_WINDOW = timedelta(hours=2)
RECONCILE_MAX_MESSAGES = 500


@bp.timer_trigger(schedule="0 7 * * * *", arg_name="timer", run_on_startup=False)
def reconcile(timer: func.TimerRequest) -> None:
    with invocation():
        report = runtime.current().reconciler.run(RECONCILE_WINDOW, max_messages=RECONCILE_MAX_MESSAGES)
        log.info("reconcile: %s", report.summary())
