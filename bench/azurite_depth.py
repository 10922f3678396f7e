"""How fast the devstack's queue service (Azurite, in memory) hands out messages as its queue grows deep.

Each depth fills a fresh queue with messages of an inbound envelope's size, then receives and deletes `--take`
of them in batches of 16, as a function host does. Azure Storage queues serve a message in constant time whatever
the depth; Azurite keeps messages in a LokiJS collection and, on every receive, clears expired messages and sorts the
visible ones, so its rate falls as the queue deepens. `bench/load.py` keeps its bursts at a depth Azurite serves
(bench/README.md, *load*). No budget: this measures the harness, not the product.

    .venv/bin/python -m bench.azurite_depth [--depths 500,2000,8000] [--take 320]   (from the repository root)
"""

from __future__ import annotations

import argparse
import sys
import time

from devstack.azurite import Azurite, free_port
from devstack.config import azurite_connection_string
from devstack.queues import QueueBackend

MESSAGE = "x" * 800  # about an inbound text's envelope, base64-encoded
BATCH = 16  # host.json batchSize


def rates(backend: QueueBackend, depth: int, take: int) -> tuple[float, float, int]:
    """Messages sent per second while filling the queue to `depth`, received-and-deleted per second after, and how
    many different messages were taken."""
    queue = backend.queue("depth")
    queue.clear_messages()
    started = time.monotonic()
    for _ in range(depth):
        queue.send_message(MESSAGE)
    filled = time.monotonic() - started
    started, taken = time.monotonic(), set()
    while (left := min(take, depth) - len(taken)) > 0:
        for message in queue.receive_messages(max_messages=min(BATCH, left), visibility_timeout=300):
            queue.delete_message(message)
            taken.add(message.id)
    return depth / filled, len(taken) / (time.monotonic() - started), len(taken)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", default="500,2000,8000")
    parser.add_argument("--take", type=int, default=320, help="messages received and deleted at each depth")
    args = parser.parse_args(argv)
    azurite = Azurite("127.0.0.1", free_port())
    azurite.start()
    backend = QueueBackend(azurite_connection_string(azurite.host, azurite.port))
    try:
        print(f"{'depth':>6} {'sent/s':>7} {'taken':>6} {'received+deleted/s':>19}")
        for depth in (int(d) for d in args.depths.split(",")):
            sent, served, taken = rates(backend, depth, args.take)
            print(f"{depth:>6} {sent:>7.0f} {taken:>6} {served:>19.1f}", flush=True)
    finally:
        backend.close()
        azurite.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
