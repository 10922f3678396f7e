"""The same queue output annotated `func.Out[typing.List[str]]`: Microsoft's Python worker loads it."""

from __future__ import annotations

import typing

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="fan-out", methods=["POST"])
@app.queue_output(arg_name="outbound", queue_name="fan-out", connection="AzureWebJobsStorage")
def fan_out(req: func.HttpRequest, outbound: func.Out[typing.List[str]]) -> func.HttpResponse:  # noqa: UP006
    outbound.set(req.get_body().decode().split())
    return func.HttpResponse(status_code=202)
