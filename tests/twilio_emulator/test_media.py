from __future__ import annotations

import requests
from twilio.rest import Client
from werkzeug.datastructures import MultiDict
from werkzeug.test import Client as WsgiClient

from devstack.twilio_emulator import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    InboundMedia,
    RunningServer,
    TwilioEmulator,
)

from .conftest import payload

AUTH = (DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN)


def _inbound_mms(emulator: TwilioEmulator) -> tuple[str, str]:
    result = emulator.send_inbound("+14155550123", "+15005550006", "", media=[InboundMedia(b"GIF89a", "image/gif")])
    return result.message_sid, emulator.message(result.message_sid).media[0].sid


def test_media_content_url_redirects_to_the_cdn_which_serves_the_bytes(
    emulator: TwilioEmulator, server: RunningServer
) -> None:
    message_sid, media_sid = _inbound_mms(emulator)
    url = f"{server.url}/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/{message_sid}/Media/{media_sid}"
    redirect = requests.get(url, auth=AUTH, allow_redirects=False, timeout=5)
    assert redirect.status_code == 307
    location = redirect.headers["Location"]
    assert location.startswith(server.cdn_url + "/_cdn/")
    assert server.cdn_url != server.url
    content = requests.get(location, timeout=5)
    assert content.content == b"GIF89a"
    assert content.headers["Content-Type"] == "image/gif"
    assert [(r.media_sid, r.authorization) for r in emulator.cdn_requests] == [(media_sid, False)]


def test_requests_following_the_redirect_drops_credentials_at_the_cdn_origin(
    emulator: TwilioEmulator, server: RunningServer
) -> None:
    message_sid, media_sid = _inbound_mms(emulator)
    url = f"{server.url}/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/{message_sid}/Media/{media_sid}"
    assert requests.get(url, auth=AUTH, timeout=5).content == b"GIF89a"
    assert [r.authorization for r in emulator.cdn_requests] == [False]


def test_cdn_records_credentials_sent_after_the_redirect(emulator: TwilioEmulator, server: RunningServer) -> None:
    message_sid, media_sid = _inbound_mms(emulator)
    url = f"{server.url}/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/{message_sid}/Media/{media_sid}"
    location = requests.get(url, auth=AUTH, allow_redirects=False, timeout=5).headers["Location"]
    assert requests.get(location, auth=AUTH, timeout=5).status_code == 200
    assert requests.get(server.url + "/_devstack/cdn", timeout=5).json() == {
        "requests": [{"media_sid": media_sid, "authorization": True}]
    }


def test_without_a_server_the_cdn_is_a_path_of_the_same_app(emulator: TwilioEmulator, http: WsgiClient) -> None:
    message_sid, media_sid = _inbound_mms(emulator)
    path = f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/{message_sid}/Media/{media_sid}"
    redirect = http.get(path, auth=AUTH)
    assert redirect.status_code == 307
    location = redirect.headers["Location"]
    assert location.startswith("http://localhost/_cdn/")
    assert http.get(location.removeprefix("http://localhost")).data == b"GIF89a"


def test_unknown_cdn_token_is_refused(http: WsgiClient) -> None:
    assert http.get("/_cdn/not-a-token").status_code == 403


def test_media_content_needs_credentials(emulator: TwilioEmulator, http: WsgiClient) -> None:
    message_sid, media_sid = _inbound_mms(emulator)
    response = http.get(f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/{message_sid}/Media/{media_sid}")
    assert response.status_code == 401


def test_media_list_fetch_and_delete_through_the_sdk(emulator: TwilioEmulator, sdk: Client) -> None:
    message_sid, media_sid = _inbound_mms(emulator)
    listed = sdk.messages(message_sid).media.list()
    assert [(m.sid, m.content_type, m.parent_sid) for m in listed] == [(media_sid, "image/gif", message_sid)]
    fetched = sdk.messages(message_sid).media(media_sid).fetch()
    assert fetched.uri.endswith(f"/Media/{media_sid}.json")
    assert sdk.messages(message_sid).media(media_sid).delete() is True
    assert sdk.messages(message_sid).media.list() == []


def test_deleted_media_is_no_longer_served(emulator: TwilioEmulator, server: RunningServer, sdk: Client) -> None:
    message_sid, media_sid = _inbound_mms(emulator)
    url = f"{server.url}/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/{message_sid}/Media/{media_sid}"
    location = requests.get(url, auth=AUTH, allow_redirects=False, timeout=5).headers["Location"]
    sdk.messages(message_sid).media(media_sid).delete()
    assert requests.get(url, auth=AUTH, allow_redirects=False, timeout=5).status_code == 404
    assert requests.get(location, timeout=5).status_code == 403


def test_outbound_mms_takes_repeated_media_urls(emulator: TwilioEmulator, sdk: Client) -> None:
    message = sdk.messages.create(
        to="+15550000001",
        from_="+15005550006",
        media_url=["https://bridge.example.test/api/media/1.png", "https://bridge.example.test/api/media/2.jpg"],
    )
    assert message.sid.startswith("MM")
    assert message.num_media == "2"
    content_types = [m.content_type for m in sdk.messages(message.sid).media.list()]
    assert content_types == ["image/png", "image/jpeg"]


def test_more_than_ten_media_urls_are_refused(http: WsgiClient) -> None:
    form = [("To", "+15550000001"), ("From", "+15005550006")]
    form += [("MediaUrl", f"https://bridge.example.test/{i}.png") for i in range(11)]
    response = http.post(f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json", auth=AUTH, data=MultiDict(form))
    assert response.status_code == 400
    assert payload(response)["code"] == 21623
