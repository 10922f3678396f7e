"""A backlog does not depend on one webhook per row: Pending rows whose jobs were lost are found by the sweep,
page by page, queued in one output per run with no row twice, and a row queued by both the webhook and the sweep
is claimed once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devstack.sandbox import Sandbox
from messaging.names import OutboxStatus
from messaging.outbound import OutboundResult
from messaging.sweep import Sweeper
from tests.reliability.conftest import coalesced, job, like_the_queue, outbox_rows, texts_by_body

pytestmark = pytest.mark.azurite


def test_lost_jobs_of_a_backlog_are_requeued_in_bulk_once_and_each_row_is_sent_once(sandbox: Sandbox) -> None:
    rows = outbox_rows(sandbox, 60)  # their webhooks' jobs are never handled: as if the queue lost them
    later = datetime.now(UTC) + timedelta(minutes=3)
    app = sandbox.app
    sweeper = Sweeper(app.dataverse, app.cipher, app.store, clock=lambda: later, page_size=25)

    first = sweeper.run()
    second = sweeper.run()  # the next minute's run: the rows were just queued, their jobs are on their way

    assert first.outbox_requeued == len(rows)
    assert sorted(j.outbox_id for j in first.jobs) == sorted(rows)  # every row, none twice
    assert second.outbox_requeued == 0
    assert not second.jobs

    # the webhook's job turns up late too: each row is queued twice, and sent once
    jobs = [*first.jobs, *(job(row) for row in rows)]
    delivered = like_the_queue([coalesced(sandbox)], jobs)

    assert not delivered.undelivered
    assert sorted(texts_by_body(sandbox)) == sorted(rows.values())
    assert set(texts_by_body(sandbox).values()) == {1}
    results = [o.result for o in delivered.outcomes.values()]
    assert results.count(OutboundResult.SENT) == len(rows)
    assert all(sandbox.dataverse.store.get("smsb_outbox", str(r))["smsb_sendstatus"] == int(OutboxStatus.SENT)  # type: ignore[index]
               for r in rows)
