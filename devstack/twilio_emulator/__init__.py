"""Twilio API emulator: the parts of Twilio's REST API that SMS Bridge uses, in memory, on loopback.

Quick start (tests)::

    from devstack.twilio_emulator import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, TwilioEmulator, serve

    emulator = TwilioEmulator()                    # AC111..., token 222..., owns +15005550006
    with serve(emulator) as server:                # 127.0.0.1, free ports; server.url, server.stop()
        client = twilio.rest.Client(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, environment={"X": "1"})
        client.api.base_url = client.messaging.base_url = server.url
        client.messages.create(to="+15551230000", from_="+15005550006", body="hi", status_callback=...)

Domain mapping: twilio-python builds URLs as ``<domain base URL>/<path>``. The emulator serves the
``api.twilio.com`` paths (``/2010-04-01/...``) and the ``messaging.twilio.com`` paths (``/v1/Services``,
``/v1/Services/{MG}``, ``/v1/Services/{MG}/PhoneNumbers``) on one server, so point both
``client.api.base_url`` and ``client.messaging.base_url`` (or the scheme and host, in a custom
``http_client``) at the emulator URL. Keep ``TWILIO_EDGE``/``TWILIO_REGION`` out of the client's
environment: with them the SDK rewrites the host.

``TwilioEmulator(account_sid, auth_token, phone_number, *, base_url=None, cdn_base_url=None,
callback_delay=0.05, shuffle_callbacks=False, duplicate_callbacks=False, webhook_sender=None, seed=None)``

- ``wsgi_app``: the WSGI application (werkzeug ``Client(emulator.wsgi_app)`` works without sockets).
- Views: ``accounts`` (dict sid -> ``Account``), ``messages`` (list of ``Message``, creation order),
  ``message(sid)``, ``numbers``, ``services``, ``is_opted_out(sender, customer)``;
  ``deliveries`` (``DeliveryLog``: ``all()``, ``for_message(sid)``, ``wait_for(predicate, timeout)``);
  ``requests`` (``ApiRequest(method, path, query, status, faulted)``: every Twilio API call answered);
  ``cdn_requests`` (``CdnRequest(media_sid, authorization)``: did credentials follow the redirect?).
- Faults: ``faults`` (``FaultPlan``): ``inject(path_regex, method=None, status=429|500|503, hang=0.0,
  count=1, share=1.0, create_anyway=False, retry_after=None)``, ``add(Fault(...))``, ``clear()``.
- Set-up: ``add_account(sid, token, status="active"|"suspended"|"closed", owner_account_sid=None)``,
  ``set_account_status(sid, status)``, ``add_number(account_sid, phone, sms_url=...)``,
  ``configure_number(phone, sms_url=..., sms_method=..., sms_fallback_url=...)``,
  ``add_messaging_service(account_sid, phones, inbound_request_url=..., status_callback=...,
  use_inbound_webhook_on_number=False)``, ``set_outcome(to, "undelivered"|"failed", error_code)``.
- ``send_inbound(from_, to, body, media=(InboundMedia(bytes, content_type),)) -> InboundResult``: the
  customer phone; delivers the signed webhook synchronously and returns the app's answer
  (``delivery.status``, ``delivery.body``) and the SIDs of any TwiML ``<Message>`` replies.
- ``release_scheduled(sid=None)``: the send time of scheduled messages has come.
- ``wait_idle(timeout)``: every scheduled status change and callback has run. ``reset()``, ``close()``.

``serve(emulator, host="127.0.0.1", port=0, cdn_port=0) -> RunningServer`` (``url``, ``cdn_url``,
``port``, ``stop()``, context manager). The media CDN listens on its own port: another origin, as
``mms.twiliocdn.com`` is for Twilio, so credentials must not follow the redirect there.
CLI: ``python -m devstack.twilio_emulator --port 7073`` (``devstack.twilio_emulator.cli:main(argv)``;
``DEVSTACK_TWILIO_ACCOUNT_SID``, ``DEVSTACK_TWILIO_AUTH_TOKEN``, ``DEVSTACK_TWILIO_PHONE_NUMBER``,
``DEVSTACK_TWILIO_SMS_URL``, ``DEVSTACK_TWILIO_PORT`` override the defaults).

HTTP, besides Twilio's paths (the media content URL ``GET .../Media/{ME}`` answers 307 to ``/_cdn/<token>``):

- ``POST /_devstack/inbound``: the customer phone; form or JSON with From, To, Body, MediaUrl (fetched),
  uploaded files, or ``Media: [{content_base64, content_type}]``; answers the ``InboundResult``.
- ``GET /_devstack/messages``, ``GET /_devstack/webhooks`` (``?kind=status|inbound``, ``?message_sid=``),
  ``GET /_devstack/requests``, ``GET /_devstack/cdn``, ``POST /_devstack/reset``.
- ``GET|POST|DELETE /_devstack/faults`` (JSON fields as ``Fault``), ``POST /_devstack/outcomes``
  (``{to, status, error_code}``), ``POST /_devstack/numbers`` (adds a number, or reconfigures one that
  exists), ``POST /_devstack/accounts``.

Behaviour follows Twilio's documentation: magic test numbers (To +1500555000{1,2,3,4,9} -> 21211, 21612,
21408, 21610, 21614; From +15005550001 -> 21212, +15005550007 or any number the account does not own
-> 21606, +15005550008 -> 21611), status callbacks signed with the account's token (``queued`` only
behind a Messaging Service, then ``sent`` and ``delivered``, or ``failed``/``undelivered`` with
``ErrorCode``), default STOP/START/HELP keywords blocking the (sender, customer) pair with 21610.
Webhook URLs may carry Twilio's connection overrides in the fragment (``#rc=2&rp=5xx&rt=3000``): the
fragment is neither sent nor signed, and each attempt appears in ``deliveries`` (same idempotency token).
Requests are checked against ``spec/twilio_api_v2010.subset.json``; errors carry Twilio's error body.

Layout: ``core.py`` composes one handler per resource (``accounts``, ``messages``, ``media``, ``numbers``,
``services``, ``phone`` for the customer phone, ``callbacks`` for status lifecycles and webhook deliveries), each
over the shared ``store.EmulatorStore``, a clock and the callback dispatcher; ``emulator.py`` adds the WSGI app
(``api.py`` routes to ``rest_routes.py`` and ``control_routes.py``).
"""

from devstack.twilio_emulator.api import ApiRequest
from devstack.twilio_emulator.emulator import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DEFAULT_PHONE_NUMBER,
    CdnRequest,
    InboundResult,
    Outcome,
    TwilioEmulator,
)
from devstack.twilio_emulator.errors import ApiError, EmulatorError
from devstack.twilio_emulator.faults import Fault, FaultPlan
from devstack.twilio_emulator.resources import InboundMedia
from devstack.twilio_emulator.server import RunningServer, serve
from devstack.twilio_emulator.webhooks import (
    ConnectionOverrides,
    Delivery,
    DeliveryLog,
    WebhookRequest,
    WebhookResponse,
)

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "DEFAULT_PHONE_NUMBER",
    "ApiError",
    "ApiRequest",
    "CdnRequest",
    "ConnectionOverrides",
    "Delivery",
    "DeliveryLog",
    "EmulatorError",
    "Fault",
    "FaultPlan",
    "InboundMedia",
    "InboundResult",
    "Outcome",
    "RunningServer",
    "TwilioEmulator",
    "WebhookRequest",
    "WebhookResponse",
    "serve",
]
