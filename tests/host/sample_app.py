"""A function app that exercises every binding shape the local host supports."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

import azure.functions as func


@dataclass
class Journal:
    """What the functions saw, for the tests to read."""

    messages: list[tuple[str, int | None]] = field(default_factory=list)
    timers: list[bool] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)  # lets "hold…" messages finish


def build_app(journal: Journal) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

    @app.route(route="items/{item_id}", methods=["GET", "POST"], auth_level=func.AuthLevel.ANONYMOUS)
    @app.queue_output(arg_name="out", queue_name="work-items", connection="AzureWebJobsStorage")
    def items(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
        if req.method == "POST":
            out.set(req.get_body().decode())
        body = {"route": dict(req.route_params), "params": dict(req.params), "url": req.url}
        return func.HttpResponse(json.dumps(body), mimetype="application/json", status_code=202)

    @app.route(route="secure", methods=["GET"])
    def secure(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("secret place")

    @app.route(route="admin/things", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
    def admin_things(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("admin place")

    @app.route(route="numbers/{n:int}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def numbers(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(str(int(req.route_params["n"]) * 2))

    @app.route(route="files/{*path}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def files(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(req.route_params["path"])

    @app.route(route="greet/{name?}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def greet(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("hello " + req.route_params.get("name", "stranger"))

    @app.route(route="form", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
    async def form(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(json.dumps({k: req.form.getlist(k) for k in req.form}),
                                 mimetype="application/json")

    @app.route(route="broken", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def broken(req: func.HttpRequest) -> func.HttpResponse:
        raise RuntimeError("handler bug")

    @app.queue_trigger(arg_name="msg", queue_name="work-items", connection="AzureWebJobsStorage")
    @app.queue_output(arg_name="done", queue_name="work-done", connection="AzureWebJobsStorage")
    def work(msg: func.QueueMessage, done: func.Out[str]) -> None:
        text = msg.get_body().decode()
        with journal.lock:
            journal.messages.append((text, msg.dequeue_count))
        if text.startswith("fail"):
            raise ValueError("cannot process " + text)
        if text.startswith("hold"):
            journal.release.wait(30)
        done.set(text.upper())

    @app.timer_trigger(schedule="*/2 * * * * *", arg_name="timer", run_on_startup=True)
    def tick(timer: func.TimerRequest) -> None:
        journal.timers.append(timer.past_due)
        journal.done.set()

    return app
