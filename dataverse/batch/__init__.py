"""``$batch``: building the multipart body, reading the multipart answer, and the Batch builder.

A batch holds single operations and changesets. Changesets are atomic (all or nothing) and let later
parts refer to rows created earlier in the same changeset through ``$<Content-ID>``. Dataverse takes at
most 1,000 operations per ``$batch``; larger batches are split between items, never inside a changeset.

``builder`` collects the operations, ``encoding`` writes the multipart request, ``reading`` reads the multipart
answer into ``results``, and ``execution`` runs a batch over the client's send function.
"""

from dataverse.batch.builder import Batch, BatchOperation, Changeset, Reference
from dataverse.batch.encoding import MAX_BATCH_OPERATIONS, batch_request, plan_batches, serialize_batch
from dataverse.batch.execution import execute_batch
from dataverse.batch.reading import match_results, parse_batch_response
from dataverse.batch.results import BatchPartResult, BatchResult

__all__ = [
    "MAX_BATCH_OPERATIONS",
    "Batch",
    "BatchOperation",
    "BatchPartResult",
    "BatchResult",
    "Changeset",
    "Reference",
    "batch_request",
    "execute_batch",
    "match_results",
    "parse_batch_response",
    "plan_batches",
    "serialize_batch",
]
