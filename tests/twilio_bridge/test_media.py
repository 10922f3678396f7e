"""Inbound media download (credentials never leave Twilio's origin) and deletion."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import pytest
from werkzeug.wrappers import Request, Response

from devstack.twilio_emulator import DEFAULT_ACCOUNT_SID, InboundMedia, TwilioEmulator, serve
from devstack.twilio_emulator.server import RunningServer
from tests.twilio_bridge.conftest import RecordingServer
from twilio_bridge.client import TwilioClients, TwilioConfig, TwilioCredentials
from twilio_bridge.errors import MediaDownloadFailed
from twilio_bridge.media import MediaDownloader
from twilio_bridge.signature import WebhookRequest, verify
from twilio_bridge.webhooks import parse_inbound_message

Start = Callable[[Callable[[Request], Response]], RecordingServer]
MESSAGE = "MM" + "a" * 32
MEDIA = "ME" + "b" * 32
MEDIA_PATH = f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/{MESSAGE}/Media/{MEDIA}"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2000


def downloader_for(api: RecordingServer, **options: object) -> MediaDownloader:
    return MediaDownloader(TwilioClients(TwilioConfig(api_base_url=api.url)), **options)  # type: ignore[arg-type]


def basic(credentials: TwilioCredentials) -> str:
    pair = f"{credentials.account_sid}:{credentials.auth_token}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def test_redirect_to_the_cdn_host_does_not_carry_credentials(
    recording_server: Start, credentials: TwilioCredentials
) -> None:
    cdn = recording_server(lambda request: Response(JPEG, content_type="image/jpeg"))
    api = recording_server(lambda request: Response(status=302, headers={"Location": f"{cdn.url}/signed/abc?x=1"}))
    media = downloader_for(api).download(credentials, f"{api.url}{MEDIA_PATH}")
    assert (media.content, media.content_type, media.size) == (JPEG, "image/jpeg", len(JPEG))
    assert media.media_sid == MEDIA
    assert media.file_name == f"{MEDIA}.jpg"
    assert api.seen[0].headers.get("Authorization") == basic(credentials)
    assert cdn.seen[0].url.endswith("/signed/abc?x=1")
    assert "Authorization" not in cdn.seen[0].headers


def test_redirect_within_the_twilio_origin_keeps_credentials(
    recording_server: Start, credentials: TwilioCredentials
) -> None:
    def handler(request: Request) -> Response:
        if request.path.startswith("/_cdn/"):
            return Response(b"BEGIN:VCARD", content_type="text/vcard; charset=utf-8")
        return Response(status=307, headers={"Location": "/_cdn/token"})

    api = recording_server(handler)
    media = downloader_for(api).download(credentials, f"{api.url}{MEDIA_PATH}")
    assert media.content_type == "text/vcard"
    assert [seen.headers.get("Authorization") for seen in api.seen] == [basic(credentials)] * 2


def test_media_url_on_a_foreign_origin_is_refused_without_any_request(
    recording_server: Start, credentials: TwilioCredentials
) -> None:
    api = recording_server(lambda request: Response(JPEG, content_type="image/jpeg"))
    stranger = recording_server(lambda request: Response(JPEG, content_type="image/jpeg"))
    with pytest.raises(MediaDownloadFailed, match="not the configured Twilio API origin"):
        downloader_for(api).download(credentials, f"{stranger.url}{MEDIA_PATH}")
    assert stranger.seen == []


def streamed(size: int) -> Iterator[bytes]:
    chunk = b"\x00" * 16384
    for _ in range(size // len(chunk)):
        yield chunk


def test_body_over_the_size_cap_is_abandoned_while_streaming(
    recording_server: Start, credentials: TwilioCredentials
) -> None:
    api = recording_server(
        lambda request: Response(streamed(1024 * 1024), content_type="image/png", direct_passthrough=True)
    )
    with pytest.raises(MediaDownloadFailed, match="exceeds 100000 bytes"):
        downloader_for(api, max_bytes=100_000).download(credentials, f"{api.url}{MEDIA_PATH}")


def test_declared_length_over_the_cap_is_refused_before_reading(
    recording_server: Start, credentials: TwilioCredentials
) -> None:
    api = recording_server(lambda request: Response(b"\x00" * 5000, content_type="video/mp4"))
    with pytest.raises(MediaDownloadFailed, match="5000 bytes, more than 4096"):
        downloader_for(api, max_bytes=4096).download(credentials, f"{api.url}{MEDIA_PATH}")


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "application/x-msdownload", ""])
def test_disallowed_content_type_is_refused(
    recording_server: Start, credentials: TwilioCredentials, content_type: str
) -> None:
    api = recording_server(lambda request: Response(b"<html/>", headers={"Content-Type": content_type}))
    with pytest.raises(MediaDownloadFailed, match="is not allowed"):
        downloader_for(api).download(credentials, f"{api.url}{MEDIA_PATH}")


@pytest.mark.parametrize(("status", "transient"), [(404, False), (403, False), (429, True), (503, True)])
def test_http_failures_say_whether_to_retry(
    recording_server: Start, credentials: TwilioCredentials, status: int, transient: bool
) -> None:
    api = recording_server(lambda request: Response(b"{}", status=status, content_type="application/json"))
    with pytest.raises(MediaDownloadFailed, match=str(status)) as caught:
        downloader_for(api).download(credentials, f"{api.url}{MEDIA_PATH}")
    assert caught.value.is_transient is transient


def test_redirect_loop_is_cut_off(recording_server: Start, credentials: TwilioCredentials) -> None:
    api = recording_server(lambda request: Response(status=302, headers={"Location": request.path}))
    with pytest.raises(MediaDownloadFailed, match="redirects"):
        downloader_for(api).download(credentials, f"{api.url}{MEDIA_PATH}")
    assert len(api.seen) == 6


def test_file_name_from_content_disposition_is_reduced_to_a_base_name(
    recording_server: Start, credentials: TwilioCredentials
) -> None:
    api = recording_server(
        lambda request: Response(
            b"%PDF-1.7",
            content_type="application/pdf",
            headers={"Content-Disposition": 'attachment; filename="../../etc/invoice.pdf"'},
        )
    )
    media = downloader_for(api).download(credentials, f"{api.url}{MEDIA_PATH}")
    assert media.file_name == "invoice.pdf"


@pytest.fixture
def cdn_server(emulator: TwilioEmulator) -> Iterator[RunningServer]:
    # A second origin serving the emulator's CDN paths, as Twilio's media CDN is another host.
    with serve(emulator) as cdn:
        emulator.cdn_base_url = cdn.url
        yield cdn


def test_inbound_mms_from_the_emulator_is_verified_parsed_downloaded_and_deleted(
    recording_server: Start,
    credentials: TwilioCredentials,
    emulator: TwilioEmulator,
    cdn_server: RunningServer,
    clients: TwilioClients,
) -> None:
    app = recording_server(
        lambda request: Response('<?xml version="1.0" encoding="UTF-8"?><Response />', content_type="text/xml")
    )
    [number] = [n for n in emulator.numbers if n.phone_number == "+15005550006"]
    number.sms_url = f"{app.url}/api/twilio/messages"
    emulator.send_inbound("+15551230000", "+15005550006", "Photo", media=(InboundMedia(JPEG, "image/jpeg"),))

    [webhook] = app.seen
    verified = verify(
        WebhookRequest.from_request_url(app.url, webhook.url, form=webhook.form, headers=webhook.headers),
        [credentials.auth_token],
    )
    message = parse_inbound_message(verified.params)
    assert message.body == "Photo"
    [ref] = message.media

    downloader = MediaDownloader(clients)
    media = downloader.download(credentials, ref.url)
    assert (media.content, media.content_type, media.media_sid) == (JPEG, "image/jpeg", ref.media_sid)
    assert [request.authorization for request in emulator.cdn_requests] == [False]

    assert downloader.delete(credentials, ref.url) is True
    assert emulator.message(message.message_sid).media == []
    assert downloader.delete(credentials, ref.url) is False


def test_delete_refuses_a_url_that_is_not_a_twilio_media_url(
    clients: TwilioClients, credentials: TwilioCredentials
) -> None:
    with pytest.raises(MediaDownloadFailed, match="not a Twilio media URL"):
        MediaDownloader(clients).delete(credentials, "https://api.twilio.com/2010-04-01/Accounts.json")
