"""Running a batch over a send function: one ``$batch`` request per plan, each answer read and matched to its
operations, and without ``continue_on_error`` the first failure stopping everything after it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dataverse.batch.builder import Item
from dataverse.batch.encoding import batch_request, plan_batches
from dataverse.batch.reading import ErrorFactory, match_results, parse_batch_response
from dataverse.batch.results import BatchPartResult, BatchResult
from dataverse.odata import DataverseRequest
from dataverse.operations import RawResponse

__all__ = ["execute_batch"]


def execute_batch(items: Sequence[Item], send: Callable[[DataverseRequest], RawResponse], error_for: ErrorFactory,
                  api_root: str, *, continue_on_error: bool) -> BatchResult:
    """Send ``items`` in ``$batch`` requests of at most 1,000 operations; operations after a stopping failure are
    reported as not executed (``status`` None), including those of later ``$batch`` requests."""
    results: list[BatchPartResult] = []
    round_trips = 0
    stopped = False
    for plan in plan_batches(items):
        if stopped:
            results.extend(match_results(plan, [], error_for))
            continue
        response = send(batch_request(plan, api_root, continue_on_error=continue_on_error))
        round_trips += 1
        parts = parse_batch_response(response.headers.get("Content-Type", ""), response.body)
        planned = match_results(plan, parts, error_for)
        results.extend(planned)
        if not continue_on_error and any(not part.ok for part in planned):
            stopped = True
    return BatchResult(parts=tuple(results), round_trips=round_trips)
