"""X-Twilio-Signature verification, against Twilio's published vector and twilio-python's signer."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from twilio_bridge.errors import InvalidSignature
from twilio_bridge.signature import (
    HMAC_SHA1,
    HMAC_SHA256,
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    WebhookRequest,
    form_pairs,
    json_signed_url,
    sign,
    signed_headers,
    verify,
)

TOKEN = "12345"
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
VECTOR_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="

BASE = "https://bridge.example.com"
PATH = "/api/twilio/messages"
FORM = ImmutableMultiDict(
    [
        ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
        ("Body", "Hello  there "),
        ("From", "+15551230000"),
        ("To", "+15005550006"),
        ("MediaUrl", "https://x/2"),
        ("MediaUrl", "https://x/1"),
        ("ToCity", ""),
    ]
)


def request_for(
    form: object,
    signature: str | None,
    *,
    raw_query: str = "",
    base: str = BASE,
    path: str = PATH,
    extra_headers: dict[str, str] | None = None,
) -> WebhookRequest:
    headers = dict(extra_headers or {})
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    return WebhookRequest(
        public_base_url=base,
        path=path,
        raw_query=raw_query,
        form=form,  # type: ignore[arg-type]
        headers=headers,
    )


def twilio_signature(url: str, form: object, token: str = TOKEN, algorithm: str | None = None) -> str:
    return str(RequestValidator(token).compute_signature(url, form, algorithm))


def test_published_test_vector_is_reproduced() -> None:
    assert sign(VECTOR_URL, VECTOR_PARAMS, TOKEN) == VECTOR_SIGNATURE


def test_published_test_vector_verifies() -> None:
    request = WebhookRequest(
        public_base_url="https://mycompany.com",
        path="/myapp.php",
        raw_query="foo=1&bar=2",
        form=VECTOR_PARAMS,
        headers={"x-twilio-signature": VECTOR_SIGNATURE},
    )
    verified = verify(request, [TOKEN])
    assert verified.url == VECTOR_URL
    assert verified.token_index == 0
    assert dict(verified.params) == VECTOR_PARAMS


def test_request_signed_by_twilio_sdk_is_accepted_with_repeated_keys_and_blank_values() -> None:
    url = f"{BASE}{PATH}?m=42"
    request = request_for(FORM, twilio_signature(url, FORM), raw_query="m=42")
    verified = verify(request, [TOKEN])
    assert ("MediaUrl", "https://x/1") in verified.params
    assert ("MediaUrl", "https://x/2") in verified.params
    assert ("ToCity", "") in verified.params


def test_our_signer_matches_twilio_sdk_for_sha1_and_sha256() -> None:
    url = f"{BASE}{PATH}"
    for algorithm in (HMAC_SHA1, HMAC_SHA256):
        assert sign(url, FORM, TOKEN, algorithm) == twilio_signature(url, FORM, algorithm=algorithm)


def test_sha256_signature_is_accepted_when_settings_header_asks_for_it() -> None:
    url = f"{BASE}{PATH}"
    headers = signed_headers(url, FORM, TOKEN, HMAC_SHA256)
    request = WebhookRequest(public_base_url=BASE, path=PATH, form=FORM, headers=headers)
    assert verify(request, [TOKEN]).algorithm == HMAC_SHA256


def test_sha1_signature_is_rejected_when_settings_header_says_sha256() -> None:
    url = f"{BASE}{PATH}"
    request = request_for(
        FORM,
        sign(url, FORM, TOKEN),
        extra_headers={SIGNATURE_SETTINGS_HEADER: "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"},
    )
    with pytest.raises(InvalidSignature, match="does not match"):
        verify(request, [TOKEN])


def test_unknown_algorithm_is_rejected_with_its_name() -> None:
    request = request_for(FORM, "abc", extra_headers={SIGNATURE_SETTINGS_HEADER: "algorithm=HMAC_MD5"})
    with pytest.raises(InvalidSignature, match="HMAC_MD5"):
        verify(request, [TOKEN])


@pytest.mark.parametrize("signature", [None, "", "   "])
def test_missing_or_empty_signature_header_is_invalid_not_a_crash(signature: str | None) -> None:
    with pytest.raises(InvalidSignature, match="missing X-Twilio-Signature"):
        verify(request_for(FORM, signature), [TOKEN])


def test_wrong_token_is_rejected() -> None:
    request = request_for(FORM, sign(f"{BASE}{PATH}", FORM, "other-token"))
    with pytest.raises(InvalidSignature, match="does not match"):
        verify(request, [TOKEN])


def test_previous_token_is_accepted_and_reported() -> None:
    request = request_for(FORM, sign(f"{BASE}{PATH}", FORM, "old-token"))
    assert verify(request, [TOKEN, "old-token"]).token_index == 1


def test_no_usable_token_fails_closed() -> None:
    request = request_for(FORM, sign(f"{BASE}{PATH}", FORM, ""))
    with pytest.raises(InvalidSignature, match="no auth token"):
        verify(request, ["", ""])


def test_tampered_parameter_is_rejected() -> None:
    signature = sign(f"{BASE}{PATH}", FORM, TOKEN)
    tampered = [(k, "Pay now" if k == "Body" else v) for k, v in form_pairs(FORM)]
    with pytest.raises(InvalidSignature):
        verify(request_for(tampered, signature), [TOKEN])


def test_added_parameter_is_rejected() -> None:
    signature = sign(f"{BASE}{PATH}", FORM, TOKEN)
    with pytest.raises(InvalidSignature):
        verify(request_for([*form_pairs(FORM), ("NumMedia", "1")], signature), [TOKEN])


def test_removed_parameter_is_rejected_even_a_blank_one() -> None:
    signature = sign(f"{BASE}{PATH}", FORM, TOKEN)
    without_blank = [(k, v) for k, v in form_pairs(FORM) if k != "ToCity"]
    with pytest.raises(InvalidSignature):
        verify(request_for(without_blank, signature), [TOKEN])


def test_flattened_form_losing_a_repeated_key_is_rejected() -> None:
    signature = sign(f"{BASE}{PATH}", FORM, TOKEN)
    flattened = dict(form_pairs(FORM))
    with pytest.raises(InvalidSignature):
        verify(request_for(flattened, signature), [TOKEN])


@pytest.mark.parametrize(
    ("signed_url", "base", "path", "query"),
    [
        ("https://bridge.example.com/api/twilio/messages", "http://bridge.example.com", PATH, ""),
        ("https://bridge.example.com/api/twilio/messages", BASE, "/api/twilio/messages/", ""),
        ("https://bridge.example.com/api/twilio/messages", "https://Bridge.example.com", PATH, ""),
        ("https://bridge.example.com/api/twilio/messages", "https://internal.azurewebsites.net", PATH, ""),
        ("https://bridge.example.com/api/twilio/messages?a=1&b=2", BASE, PATH, "b=2&a=1"),
        ("https://bridge.example.com/api/twilio/messages?q=a%20b", BASE, PATH, "q=a+b"),
        ("https://bridge.example.com/api/twilio/messages?q=a%20b", BASE, PATH, "q=a b"),
        ("https://bridge.example.com/api/twilio/messages?m=1", BASE, PATH, ""),
    ],
)
def test_wrong_url_is_rejected(signed_url: str, base: str, path: str, query: str) -> None:
    request = request_for(FORM, sign(signed_url, FORM, TOKEN), base=base, path=path, raw_query=query)
    with pytest.raises(InvalidSignature, match="does not match"):
        verify(request, [TOKEN])


@pytest.mark.parametrize(
    ("signed_url", "base"),
    [
        ("https://bridge.example.com/api/twilio/messages", "https://bridge.example.com:443"),
        ("https://bridge.example.com:443/api/twilio/messages", "https://bridge.example.com"),
        ("https://bridge.example.com/api/twilio/messages", "https://bridge.example.com:8443"),
        ("http://bridge.example.com:80/api/twilio/messages", "http://bridge.example.com"),
        ("https://bridge.example.com/api/twilio/messages", "https://bridge.example.com/"),
        ("https://bridge.example.com/api/twilio/messages", "https://user:secret@bridge.example.com"),
    ],
)
def test_port_slash_and_credential_variants_of_the_public_url_are_accepted(signed_url: str, base: str) -> None:
    request = request_for(FORM, sign(signed_url, FORM, TOKEN), base=base)
    assert verify(request, [TOKEN]).url.endswith(PATH)


def test_query_keeps_its_original_percent_encoding() -> None:
    signed = f"{BASE}{PATH}?to=%2B15005550006&name=J%C3%B6rg"
    request = request_for(FORM, sign(signed, FORM, TOKEN), raw_query="to=%2B15005550006&name=J%C3%B6rg")
    assert verify(request, [TOKEN]).url == signed


def test_connection_override_fragment_is_not_part_of_the_signed_url() -> None:
    signed = f"{BASE}{PATH}?m=1"
    request = request_for(FORM, sign(signed, FORM, TOKEN), raw_query="m=1#rc=2&rp=ct,rt")
    assert verify(request, [TOKEN]).url == signed
    fragment_base = request_for(FORM, sign(f"{BASE}{PATH}", FORM, TOKEN), base=f"{BASE}#ct=3000")
    assert verify(fragment_base, [TOKEN]).url == f"{BASE}{PATH}"


def test_request_url_seen_by_the_host_is_moved_behind_the_public_base() -> None:
    signed = f"{BASE}{PATH}?m=7"
    request = WebhookRequest.from_request_url(
        BASE,
        "http://127.0.0.1:7071/api/twilio/messages?m=7",
        form=FORM,
        headers={SIGNATURE_HEADER: sign(signed, FORM, TOKEN)},
    )
    assert verify(request, [TOKEN]).url == signed


def test_raw_form_body_is_parsed_when_no_multidict_is_given() -> None:
    body = b"Body=caf%C3%A9+%26+more&MediaUrl=b&MediaUrl=a&Blank="
    pairs = [("Body", "café & more"), ("MediaUrl", "b"), ("MediaUrl", "a"), ("Blank", "")]
    request = WebhookRequest(
        public_base_url=BASE,
        path=PATH,
        raw_body=body,
        content_type="application/x-www-form-urlencoded; charset=utf-8",
        headers={SIGNATURE_HEADER: sign(f"{BASE}{PATH}", pairs, TOKEN)},
    )
    assert verify(request, [TOKEN]).params == tuple(pairs)


def json_request(body: bytes, signed_url: str, query: str, token: str = TOKEN) -> WebhookRequest:
    return WebhookRequest(
        public_base_url=BASE,
        path="/api/twilio/events",
        raw_query=query,
        raw_body=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sign(signed_url, None, token)},
    )


def test_json_body_with_matching_hash_is_accepted() -> None:
    body = json.dumps([{"type": "com.twilio.messaging.message.delivered"}]).encode()
    url = json_signed_url(f"{BASE}/api/twilio/events", body)
    query = url.split("?", 1)[1]
    verified = verify(json_request(body, url, query), [TOKEN])
    assert verified.params == ()
    assert verified.body == body
    assert RequestValidator(TOKEN).validate(url, body.decode(), sign(url, None, TOKEN))


def test_json_body_altered_after_signing_is_rejected() -> None:
    body = b'{"a": 1}'
    url = json_signed_url(f"{BASE}/api/twilio/events", body)
    with pytest.raises(InvalidSignature, match="body does not match"):
        verify(json_request(b'{"a": 2}', url, url.split("?", 1)[1]), [TOKEN])


def test_json_body_without_body_hash_is_rejected() -> None:
    with pytest.raises(InvalidSignature, match="without bodySHA256"):
        verify(json_request(b"{}", f"{BASE}/api/twilio/events", ""), [TOKEN])


def test_json_body_hash_in_query_with_other_parameters_is_signed_as_url() -> None:
    body = b'{"x": true}'
    url = f"{BASE}/api/twilio/events?m=3&bodySHA256={hashlib.sha256(body).hexdigest()}"
    verified = verify(json_request(body, url, url.split("?", 1)[1]), [TOKEN])
    assert verified.url == url


def test_idempotency_token_header_is_reported() -> None:
    request = request_for(
        FORM, sign(f"{BASE}{PATH}", FORM, TOKEN), extra_headers={"I-Twilio-Idempotency-Token": "abc-1"}
    )
    assert verify(request, [TOKEN]).idempotency_token == "abc-1"


NAMES = st.sampled_from(["Body", "From", "To", "MediaUrl", "body", "Body0", "ÄÖ", "a b", ""])
VALUES = st.text(max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(NAMES, VALUES), max_size=12), st.sampled_from([HMAC_SHA1, HMAC_SHA256]))
def test_any_form_signed_like_the_twilio_sdk_verifies(pairs: list[tuple[str, str]], algorithm: str) -> None:
    form = MultiDict(pairs)
    url = f"{BASE}{PATH}?m=1"
    expected = twilio_signature(url, form, algorithm=algorithm)
    assert sign(url, form, TOKEN, algorithm) == expected
    headers = {SIGNATURE_HEADER: expected}
    if algorithm == HMAC_SHA256:
        headers[SIGNATURE_SETTINGS_HEADER] = "key=k,algorithm=HMAC_SHA256"
    request = WebhookRequest(public_base_url=BASE, path=PATH, raw_query="m=1", form=form, headers=headers)
    assert sorted(verify(request, [TOKEN]).params) == sorted(pairs)
