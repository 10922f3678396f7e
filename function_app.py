"""Composition only: the Functions app and one Blueprint per caller."""

import azure.functions as func

from app.blueprints import health

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(health.bp)
