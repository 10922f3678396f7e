"""Requests per second of the inbound webhook handler (`POST /api/twilio/messages`), in process, on one core.

N signed Twilio webhooks (prepared beforehand: signing is Twilio's work) go through the local host's WSGI
application (`werkzeug.test.Client`, no sockets): routing, `func.HttpRequest`, the handler (Configuration
lookup from the warm cache, auth-token decryption, signature check, parsing, envelope), the response. The
`sms-inbound` output is captured instead of sent to Azurite, so the figure is the handler's. A second row
calls the function directly (`func.HttpRequest` built per request), without werkzeug.

Budget: >= 1,000 requests/second through the WSGI application. When it is missed (or with `--profile`), a
cProfile of the run shows where the time goes.

    .venv/bin/python -m bench.inbound_http_throughput [--requests 3000] [--profile]   (from the repository root)
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import azure.functions as func
from werkzeug.test import Client

from bench.inbound_sandbox import (
    INBOUND_PATH,
    TrafficMeter,
    emulator_of,
    inbound_form,
    new_message_sid,
    running_sandbox,
    signature,
    unused_storage,
)
from devstack.functions import FunctionSpec
from devstack.http_host import HttpHost
from devstack.invocation import invoke
from devstack.sandbox import Sandbox
from messaging.envelopes import InboundEnvelope, read_inbound

BUDGET = 1_000.0
WARM_UP = 50
FORM = "application/x-www-form-urlencoded"
NUMBERS = ("+16562185892", "+16562185900", "+447700900123", "+16562180100")


@dataclass(frozen=True)
class Prepared:
    sid: str
    body: bytes
    signature: str


@dataclass(frozen=True)
class Measured:
    name: str
    requests: int
    seconds: float
    cpu_seconds: float
    ok_answers: int
    queued: int
    dataverse_round_trips: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@contextlib.contextmanager
def one_core() -> Iterator[str]:
    """Pin the process to one CPU where the platform allows it (Linux); restores the previous set."""
    getter = getattr(os, "sched_getaffinity", None)
    setter = getattr(os, "sched_setaffinity", None)
    if getter is None or setter is None:
        yield "not pinned (no sched_setaffinity here)"
        return
    before = getter(0)
    cpu = min(before)
    setter(0, {cpu})
    try:
        yield f"pinned to CPU {cpu}"
    finally:
        setter(0, before)


def prepare(sandbox: Sandbox, count: int) -> list[Prepared]:
    prepared = []
    for index in range(count):
        sid = new_message_sid()
        form = inbound_form(sandbox, NUMBERS[index % len(NUMBERS)], f"Text {index}: is the order ready?", sid)
        prepared.append(Prepared(sid, urlencode(form).encode(), signature(sandbox, form)))
    return prepared


def through_wsgi(sandbox: Sandbox, captured: list[str]) -> Callable[[Prepared], int]:
    """The local host's WSGI application, with the queue output captured instead of sent to Azurite."""
    host = sandbox.host
    assert host is not None

    def deliver(_spec: FunctionSpec, outputs: dict[str, Any]) -> None:
        captured.extend(out.get() for out in outputs.values() if out.was_set)

    app = HttpHost(host.functions, route_prefix=host.config.route_prefix, function_key=host.options.function_key,
                   master_key=host.options.master_key, deliver=deliver)
    client = Client(app)
    base_url = sandbox.url

    def post(item: Prepared) -> int:
        response = client.post(INBOUND_PATH, base_url=base_url, data=item.body, content_type=FORM,
                               headers={"X-Twilio-Signature": item.signature})
        return response.status_code

    return post


def direct(sandbox: Sandbox, captured: list[str]) -> Callable[[Prepared], int]:
    """The function as the Python worker calls it: a `func.HttpRequest` in, the output binding captured."""
    host = sandbox.host
    assert host is not None
    spec = next(f for f in host.functions if f.route == "twilio/messages")
    url = sandbox.url + INBOUND_PATH

    def call(item: Prepared) -> int:
        request = func.HttpRequest(method="POST", url=url, body=item.body, params={}, route_params={},
                                   headers={"Content-Type": FORM, "X-Twilio-Signature": item.signature})
        result = invoke(spec, request)
        captured.extend(out.get() for out in result.outputs.values() if out.was_set)
        return int(result.value.status_code)

    return call


def measure(name: str, sandbox: Sandbox, count: int, make: Callable[[Sandbox, list[str]], Callable[[Prepared], int]],
            profile: cProfile.Profile | None = None) -> tuple[Measured, list[str], list[Prepared]]:
    captured: list[str] = []
    send = make(sandbox, captured)
    for item in prepare(sandbox, WARM_UP):  # the Configuration cache, imports and code paths warm
        send(item)
    captured.clear()
    work = prepare(sandbox, count)
    meter = TrafficMeter(emulator_of(sandbox))
    ok = 0
    if profile is not None:
        profile.enable()
    started, cpu = time.perf_counter(), time.process_time()
    for item in work:
        ok += send(item) == 200
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    if profile is not None:
        profile.disable()
    trips = meter.take().round_trips
    return Measured(name, count, seconds, cpu_seconds, ok, len(captured), trips), captured, work


def envelopes_match(captured: list[str], work: list[Prepared]) -> bool:
    envelopes = [read_inbound(body) for body in captured]
    return [e.message.message_sid for e in envelopes if isinstance(e, InboundEnvelope)] == [w.sid for w in work]


def run(count: int, profile: bool) -> tuple[list[Measured], bool, str, str]:
    """The measured rows, whether every queued envelope is the request's, the CPU note and any profile."""
    with running_sandbox(unused_storage()) as sandbox, one_core() as pinning:
        wsgi, captured, work = measure("WSGI app (werkzeug Client)", sandbox, count, through_wsgi)
        exact = envelopes_match(captured, work)
        called, captured, work = measure("function called directly", sandbox, count, direct)
        exact = exact and envelopes_match(captured, work)
        report = ""
        if profile or wsgi.per_second < BUDGET:
            profiler = cProfile.Profile()
            measure("WSGI app, profiled", sandbox, min(count, 1000), through_wsgi, profiler)
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(15)
            stats.sort_stats("cumulative").print_stats(25)
            report = out.getvalue()
    return [wsgi, called], exact, pinning, report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="signed webhooks per row (default 3000)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the WSGI run")
    args = parser.parse_args(argv)
    rows, exact, pinning, report = run(max(1, args.requests), args.profile)
    print(f"POST {INBOUND_PATH}: signed Twilio webhooks, Configuration cache warm, queue output captured; "
          f"one thread, {pinning}.")
    header = (f"{'path':28} {'requests':>8} {'wall s':>7} {'CPU s':>6} {'req/s':>7} {'ms/req':>7} {'200s':>6} "
              f"{'queued':>6} {'Dataverse RT':>12}")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row.name:28} {row.requests:>8} {row.seconds:>7.2f} {row.cpu_seconds:>6.2f} {row.per_second:>7.0f} "
              f"{1000 * row.seconds / row.requests:>7.3f} {row.ok_answers:>6} {row.queued:>6} "
              f"{row.dataverse_round_trips:>12}")
    wsgi = rows[0]
    complete = all(r.ok_answers == r.queued == r.requests and r.dataverse_round_trips == 0 for r in rows) and exact
    print(f"every request answered 200 and queued its own envelope, no Dataverse call: {'yes' if complete else 'NO'}")
    met = wsgi.per_second >= BUDGET
    print(f"budget: >= {BUDGET:,.0f} req/s through the WSGI app: {wsgi.per_second:,.0f} -> "
          f"{'met' if met else 'MISSED'}")
    if report:
        print(report)
    return 0 if met and complete else 1


if __name__ == "__main__":
    sys.exit(main())
