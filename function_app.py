"""Composition only: the Functions app and one Blueprint per caller."""

import azure.functions as func

from app.blueprints import dataverse, health, media, queues, timers, twilio

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(health.bp)
app.register_functions(twilio.bp)
app.register_functions(dataverse.bp)
app.register_functions(media.bp)
app.register_functions(queues.bp)
app.register_functions(timers.bp)
