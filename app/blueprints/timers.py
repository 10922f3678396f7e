"""The `sweep` timer (every minute): closes ended sessions and recovers work that fell between the cracks."""

from __future__ import annotations

import logging

import azure.functions as func

from app import runtime
from app.logs import invocation

bp = func.Blueprint()
log = logging.getLogger("smsbridge.sweep")


@bp.timer_trigger(schedule="0 */1 * * * *", arg_name="timer", run_on_startup=False)
@bp.queue_output(arg_name="outbound", queue_name="sms-outbound", connection="AzureWebJobsStorage")
def sweep(timer: func.TimerRequest, outbound: func.Out[list[str]]) -> None:
    with invocation():
        if timer.past_due:
            log.info("sweep is running late; it catches up in one pass")
        report = runtime.current().sweeper.run()
        if report.jobs:
            outbound.set([job.to_json() for job in report.jobs])
        log.info("sweep: %s", report.summary())
