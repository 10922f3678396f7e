"""The product's behaviour, by capability: each flow reads its facts, a pure function decides, and one store
writes what was decided.

- `intake`: webhooks at the door (Twilio's, Dataverse's), nothing written;
- `inbound`, `status`, `outbound`, `configuration`, `sweep`, `reconcile`: the flows, each with its rules (pure) and
  its shell (reader, processor);
- `worker`: the queue workers that run the flows and account for every failure;
- shared: `rows` (one writer per table), `plans` and `store` (writes as values, and the one place they become Web API
  requests), `names` (the product's own tables), `customers` and `tables` (customer tables, as Dataverse's table
  definitions describe them, read and kept per worker), `envelopes` (queue messages), `directory` and `caches` (what
  a worker keeps), `ids`, `phones`, `windows`, `times`, `tokens`, `twilio_errors`, `telemetry`, `errors`.

Import from the subpackages; this package exports nothing itself.
"""

__all__: list[str] = []
