"""A queue output annotated with PEP 585's `list[str]` inside `func.Out`: Microsoft's Python worker refuses it."""

from __future__ import annotations

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="fan-out", methods=["POST"])
@app.queue_output(arg_name="outbound", queue_name="fan-out", connection="AzureWebJobsStorage")
def fan_out(req: func.HttpRequest, outbound: func.Out[list[str]]) -> func.HttpResponse:
    outbound.set(req.get_body().decode().split())
    return func.HttpResponse(status_code=202)
