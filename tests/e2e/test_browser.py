"""The product in a browser, end to end: the devstack's model-driven-app stand-in (`/devstack/` on the Dataverse
emulator) with the built inbox pane and the built `TextSMSChatSystem` control, against a sandbox whose webhooks,
queues and Twilio status callbacks all run on their own.

A customer texts → the pane's badge rises → Accept → View Message opens the contact with the chat → a template
plus an emoji goes out exactly as typed → the bubble turns Delivered. Block silences a number. Two users racing
Assign to Me: one wins, the other is told who took it. A picture whose file is not stored yet shows as "Picture on
its way" and turns into the picture by itself; one Twilio no longer has says "Picture unavailable". axe-core finds
nothing serious on the pane or the chat.
"""

from __future__ import annotations

import os
import struct
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from devstack.browser.pages import team_users
from devstack.sandbox import Sandbox
from devstack.twilio_emulator.emulator import InboundMedia
from messaging.reconcile import Reconciler
from messaging.status import StatusProcessor
from tests.e2e.conftest import AXE, HANG_SECONDS, ROOT
from twilio_bridge import MessageHistory

pytestmark = [pytest.mark.azurite, pytest.mark.loopback]

# The user guide's screenshots are taken by these tests when asked to:
#   SMSB_SCREENSHOTS=1 .venv/bin/python -m pytest tests/e2e/test_browser.py
# Ordinary runs leave docs/ alone.
SHOTS = ROOT / "docs" / "screenshots"
TAKE_SHOTS = os.environ.get("SMSB_SCREENSHOTS") == "1"
NUMBER = "+15005550006"  # the Twilio emulator's number, with the seeded Configuration
AVERY = ("Avery Park", "+16562185892")
BLAKE = ("Blake Rivera", "+16562185893")
CASEY = ("Casey Nguyen", "+16562185894")
POLL = 2  # the chat's poll interval on these pages (seconds)

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the browser fixture skips first
    expect = None


def _base(sandbox: Sandbox) -> str:
    assert sandbox.dataverse_server is not None
    return sandbox.dataverse_server.api_url.split("/api/")[0]


def _open(new_page: Callable[[], Any], sandbox: Sandbox, user: str, path: str = "/devstack/") -> Any:
    page = new_page()
    page.goto(f"{_base(sandbox)}{path}?user={user}&poll={POLL}")
    return page


def _pane(page: Any) -> Any:
    frame = page.frame_locator("iframe[title='SMS inbox']")
    expect(frame.get_by_role("heading", name="Messages")).to_be_visible()
    return frame


def _axe(target: Any, selector: str | None = None) -> list[dict[str, Any]]:
    """Serious or critical WCAG 2.x A/AA violations in a page or frame (optionally only inside `selector`)."""
    target.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = target.evaluate(
        """async (selector) => {
            // Tabster's focus guards (<i data-tabster-dummy aria-hidden tabindex=0>, Fluent 9's focus management)
            // are moved focus off at once; axe's aria-hidden-focus flags them, a known false positive.
            const context = { include: [selector || "html"], exclude: [["[data-tabster-dummy]"]] };
            const result = await axe.run(context, { iframes: false,
                runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
            return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                               nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }));
        }""",
        selector,
    )
    return found


def _pane_frame(page: Any) -> Any:
    return next(f for f in page.frames if "/pane/inbox.html" in f.url)


def _wait(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _shot(page: Any, name: str) -> None:
    if TAKE_SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name))


def _conversation(sandbox: Sandbox, phone: str) -> dict[str, Any]:
    return _wait(lambda: next((r for r in sandbox.rows("smsb_conversation") if r.get("smsb_phonenumber") == phone),
                              None), 10, f"the conversation of {phone}")


def _web_api(sandbox: Sandbox, method: str, path: str, body: dict[str, Any] | None = None,
             user: str | None = None) -> requests.Response:
    headers = {"Authorization": "Bearer devstack", "OData-Version": "4.0", "Accept": "application/json"}
    if user:
        headers["MSCRMCallerID"] = user
    assert sandbox.dataverse_server is not None
    response = requests.request(method, sandbox.dataverse_server.api_url.rstrip("/") + "/" + path, json=body,
                                headers=headers, timeout=10)
    assert response.ok, response.text
    return response


def test_a_text_is_accepted_answered_with_a_template_and_an_emoji_and_delivered(
    sandbox: Sandbox, new_page: Callable[[], Any]
) -> None:
    users = team_users(sandbox.dataverse)
    agent = users[0]
    _web_api(sandbox, "POST", "smsb_messagetemplates", {
        "smsb_name": "Order ready", "smsb_templatetype": 1, "smsb_entitylogicalname": "contact",
        "smsb_body": "Hi {firstname}, your order is ready for pickup.", "smsb_publishstate": 2,
    })

    page = _open(new_page, sandbox, agent["id"])
    pane = _pane(page)
    badge = page.locator("#dv-pane-badge")
    expect(badge).to_be_hidden()

    sandbox.twilio.send_inbound(AVERY[1], NUMBER, "Hi, is my order ready?")
    sent_at = time.monotonic()
    expect(badge).to_have_text("1")
    assert time.monotonic() - sent_at < 5.5
    expect(pane.get_by_role("button", name="Accept")).to_be_visible()
    expect(pane.get_by_text("Hi, is my order ready?")).to_be_visible()
    _shot(page, "inbox-pane-pending.png")
    assert _axe(_pane_frame(page)) == []

    pane.get_by_role("button", name="Accept").click()
    expect(pane.locator("p.smsb-status")).to_contain_text("Accepted")
    conversation = _conversation(sandbox, AVERY[1])
    assert str(getattr(conversation["smsb_acceptedby"], "id", "")) == agent["id"]
    assert str(getattr(conversation["ownerid"], "id", "")) == str(sandbox.demo["team"])

    pane.get_by_role("button", name="View Message").click()
    # As navigateTo does in Dynamics: the conversation's form, whose first tab is the chat.
    page.wait_for_url(f"**/devstack/record/smsb_conversation/{conversation['smsb_conversationid']}*")
    log = page.get_by_role("log", name="Conversation")
    expect(log).to_contain_text("Hi, is my order ready?")

    page.get_by_role("button", name="Templates").click()
    page.get_by_role("menuitem", name="Order ready").click()
    box = page.get_by_role("textbox", name="Type a message")
    expect(box).to_have_value("Hi Avery, your order is ready for pickup.")
    box.press("End")
    box.press_sequentially(" ")
    page.get_by_role("button", name="Emoji", exact=True).click()
    page.get_by_role("button", name="thumbs up").click()
    expect(box).to_have_value("Hi Avery, your order is ready for pickup. 👍")
    text = box.input_value()
    page.get_by_role("button", name="Send", exact=True).click()

    outbound = _wait(lambda: [m for m in sandbox.twilio.messages if m.to == AVERY[1]], HANG_SECONDS,
                     "the text at Twilio")
    assert [m.body for m in outbound] == [text]
    assert outbound[0].from_ == NUMBER
    expect(log).to_contain_text(text)
    expect(log).to_contain_text("Delivered")
    _shot(page, "chat-delivered-reply.png")
    assert _axe(page, "#dv-main") == []


def _block_then_text_again(sandbox: Sandbox, new_page: Callable[[], Any]) -> tuple[int, int]:
    """Block a first-time sender from the pane, then have them text again; the pane must stay quiet.
    Returns the number of in-app notifications before and after the second text."""
    agent = team_users(sandbox.dataverse)[0]
    page = _open(new_page, sandbox, agent["id"])
    pane = _pane(page)
    badge = page.locator("#dv-pane-badge")

    sandbox.twilio.send_inbound(BLAKE[1], NUMBER, "Buy cheap watches now")
    expect(badge).to_have_text("1")
    pane.get_by_role("button", name="Block").click()
    expect(pane.locator("p.smsb-status")).to_contain_text("Blocked")
    expect(badge).to_be_hidden()
    assert _conversation(sandbox, BLAKE[1])["smsb_state"] == 3  # Blocked
    notified = len(sandbox.rows("appnotification"))
    messages = len(sandbox.rows("smsb_message"))

    sandbox.twilio.send_inbound(BLAKE[1], NUMBER, "Last chance!")
    _wait(lambda: len(sandbox.rows("smsb_message")) > messages or None, HANG_SECONDS, "the second text to be handled")
    page.wait_for_timeout(3_500)  # more than one poll of the pane
    expect(badge).to_be_hidden()
    expect(pane.get_by_text("Last chance!")).to_have_count(0)
    assert _conversation(sandbox, BLAKE[1])["smsb_state"] == 3
    return notified, len(sandbox.rows("appnotification"))


def test_block_stops_further_notifications_in_the_pane(sandbox: Sandbox, new_page: Callable[[], Any]) -> None:
    _block_then_text_again(sandbox, new_page)


def test_block_stops_further_in_app_notifications(sandbox: Sandbox, new_page: Callable[[], Any]) -> None:
    before, after = _block_then_text_again(sandbox, new_page)
    assert after == before


def test_unblock_on_the_conversation_form_lets_the_next_text_notify_again(
    sandbox: Sandbox, new_page: Callable[[], Any]
) -> None:
    """Block from the pane, Unblock from the Conversation form's command bar: the number's next text shows in the
    pane with Accept / Dismiss / Block again, and in-app notifications are posted for it."""
    notified, _ = _block_then_text_again(sandbox, new_page)
    agent = team_users(sandbox.dataverse)[1]  # a team member, not an administrator: Unblock has Block's rights
    conversation = _conversation(sandbox, BLAKE[1])
    form = f"/devstack/record/smsb_conversation/{conversation['smsb_conversationid']}"
    page = _open(new_page, sandbox, agent["id"], form)
    unblock = page.get_by_role("button", name="Unblock")
    expect(unblock).to_be_visible()
    page.get_by_role("tab", name="General").click()
    expect(page.locator("#dv-f-smsb_state")).to_have_value("3")
    unblock.click()
    expect(page.locator("#dv-form-notifications")).to_contain_text("Unblocked")
    expect(unblock).to_be_hidden()  # offered on blocked conversations only
    row = _conversation(sandbox, BLAKE[1])
    assert row["smsb_state"] == 1
    assert row.get("smsb_blockedby") is None
    assert row.get("smsb_blockedon") is None

    pane = _pane(page)
    sandbox.twilio.send_inbound(BLAKE[1], NUMBER, "Sorry, wrong words earlier. Is the shop open?")
    expect(page.locator("#dv-pane-badge")).to_have_text("1")
    expect(pane.get_by_text("Is the shop open?")).to_be_visible()
    expect(pane.get_by_role("button", name="Accept")).to_be_visible()
    _wait(lambda: len(sandbox.rows("appnotification")) > notified or None, HANG_SECONDS, "an in-app notification")


def test_two_users_racing_assign_to_me_one_wins_and_the_other_is_told_who(
    sandbox: Sandbox, new_page: Callable[[], Any]
) -> None:
    owner, first, second = team_users(sandbox.dataverse)[:3]
    sandbox.twilio.send_inbound(CASEY[1], NUMBER, "Anyone there?")
    conversation = _conversation(sandbox, CASEY[1])
    conversation_id = str(conversation["smsb_conversationid"])
    # The owner accepted it an hour ago and has not answered since: idle, so the team may take it over.
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    _wait(lambda: _conversation(sandbox, CASEY[1]).get("smsb_lastinboundon"), HANG_SECONDS, "the inbound text")
    _web_api(sandbox, "PATCH", f"smsb_conversations({conversation_id})", {
        "smsb_state": 2, "smsb_acceptedby@odata.bind": f"/systemusers({owner['id']})",
        "smsb_lastactivityon": an_hour_ago,
    }, user=owner["id"])

    pages = [_open(new_page, sandbox, user["id"]) for user in (first, second)]
    panes = [_pane(page) for page in pages]
    for pane in panes:
        pane.get_by_role("button", name="Assign to Me").click()
        expect(pane.get_by_role("alertdialog")).to_contain_text(owner["name"])
    for pane in panes:  # both answer Yes with the same, now stale, view of the row
        pane.get_by_role("button", name="Yes").click()

    outcomes = []
    for pane in panes:
        status = pane.locator("p.smsb-status")
        expect(status).not_to_have_text("")
        outcomes.append(status.inner_text())
    won = [i for i, text in enumerate(outcomes) if "assigned to you" in text]
    assert len(won) == 1, outcomes
    winner = (first, second)[won[0]]
    loser_text = outcomes[1 - won[0]]
    assert f"{winner['name']} has already taken this conversation" in loser_text, outcomes
    row = sandbox.dataverse.store.get("smsb_conversation", conversation_id)
    assert row is not None
    assert str(getattr(row["smsb_acceptedby"], "id", "")) == winner["id"]
    assert str(getattr(row["ownerid"], "id", "")) == str(sandbox.demo["team"])  # the team keeps the chat
    # The one who was second is told who took it, and is no longer offered anything for it: the take restarted
    # the idle clock.
    loser = pages[1 - won[0]]
    loser_pane = panes[1 - won[0]]
    expect(loser_pane.get_by_role("button", name="Assign to Me")).to_have_count(0)
    expect(loser.locator("#dv-pane-badge")).to_be_hidden()
    _shot(loser, "inbox-pane-assign-race.png")


def test_after_a_take_the_other_pane_drops_the_card_until_the_idle_timeout_passes(
    sandbox: Sandbox, new_page: Callable[[], Any]
) -> None:
    """Priya takes an idle chat; Sam's pane loses the card and the badge at its next poll, and is offered Assign to
    Me again only once Sam's clock has passed the Configuration's idle timeout (5 minutes) since the take."""
    owner, priya, sam = team_users(sandbox.dataverse)[:3]
    sandbox.twilio.send_inbound(CASEY[1], NUMBER, "Still waiting")
    conversation = _conversation(sandbox, CASEY[1])
    conversation_id = str(conversation["smsb_conversationid"])
    _wait(lambda: _conversation(sandbox, CASEY[1]).get("smsb_lastinboundon"), HANG_SECONDS, "the inbound text")
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    _web_api(sandbox, "PATCH", f"smsb_conversations({conversation_id})", {
        "smsb_state": 2, "smsb_acceptedby@odata.bind": f"/systemusers({owner['id']})",
        "smsb_lastactivityon": an_hour_ago,
    }, user=owner["id"])
    taker, watcher = (_open(new_page, sandbox, user["id"]) for user in (priya, sam))
    taking, watching = _pane(taker), _pane(watcher)
    expect(watching.get_by_role("button", name="Assign to Me")).to_be_visible()
    expect(watcher.locator("#dv-pane-badge")).to_have_text("1")

    taking.get_by_role("button", name="Assign to Me").click()
    taking.get_by_role("button", name="Yes").click()
    expect(taking.locator("p.smsb-status")).to_contain_text("assigned to you")

    # Sam's next poll (every 3 s) brings the take: the card and the badge go.
    expect(watching.get_by_role("button", name="Assign to Me")).to_have_count(0)
    expect(watcher.locator("#dv-pane-badge")).to_be_hidden()
    # And the poll after it still offers nothing: the take restarted the idle clock.
    with watcher.expect_request(lambda r: "/smsb_conversations?" in r.url):
        pass
    with watcher.expect_request(lambda r: "/smsb_conversations?" in r.url):
        pass
    expect(watching.get_by_role("button", name="Assign to Me")).to_have_count(0)

    # Six minutes later on Sam's clock, the chat is idle again: Assign to Me returns at the next poll.
    watcher.clock.set_system_time(datetime.now(UTC) + timedelta(minutes=6))
    expect(watching.get_by_role("button", name="Assign to Me")).to_be_visible()
    expect(watcher.locator("#dv-pane-badge")).to_have_text("1")
    row = sandbox.dataverse.store.get("smsb_conversation", conversation_id)
    assert row is not None
    assert str(getattr(row["smsb_acceptedby"], "id", "")) == priya["id"]


def test_the_chats_help_opens_the_user_guide_with_its_pictures_and_it_passes_axe(
    sandbox: Sandbox, new_page: Callable[[], Any]
) -> None:
    agent = team_users(sandbox.dataverse)[1]
    contact = sandbox.demo["contacts"][AVERY[0]]
    page = _open(new_page, sandbox, agent["id"], f"/devstack/record/contact/{contact}")
    page.get_by_role("tab", name="Message UI").click()
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Help").click()
    guide = opened.value
    guide.wait_for_load_state()
    assert guide.url.endswith("/devstack/webresources/smsb_/help/userguide.html")
    expect(guide.get_by_role("heading", name="User guide", level=1)).to_be_visible()
    expect(guide.get_by_role("heading", name="New texts: the inbox pane and notifications")).to_be_visible()
    pictures = guide.locator("img")
    assert pictures.count() >= 4
    for index in range(pictures.count()):  # every picture is there (a missing one has no natural width)
        assert pictures.nth(index).evaluate("img => img.complete && img.naturalWidth > 0")
    assert _axe(guide) == []


def test_validate_on_the_configuration_form_shows_the_verdict(sandbox: Sandbox, new_page: Callable[[], Any]) -> None:
    assert sandbox.product is not None
    agent = team_users(sandbox.dataverse)[0]
    path = f"/devstack/record/smsb_configuration/{sandbox.product.configuration_id}"
    page = _open(new_page, sandbox, agent["id"], path)
    notes = page.locator("#dv-form-notifications")
    page.get_by_role("button", name="Validate").click()
    expect(notes).to_contain_text("The Configuration is valid")
    row = sandbox.dataverse.store.get("smsb_configuration", str(sandbox.product.configuration_id))
    assert row is not None
    assert row["smsb_validationstatus"] == 2
    _shot(page, "configuration-validated.png")
    assert _axe(page, "#dv-main") == []


def test_validate_never_takes_a_number_from_another_system_until_take_over_is_chosen(
    sandbox: Sandbox, new_page: Callable[[], Any]
) -> None:
    """The number's webhook points at another product: Validate stops, the Configuration is Invalid and the form
    shows where the number points and offers Take Over Number; with it chosen, Validate takes the number over and
    says where it pointed before."""
    assert sandbox.product is not None
    old = "https://old-product.example/sms"
    sandbox.twilio.configure_number(NUMBER, sms_url=old)
    admin = team_users(sandbox.dataverse)[0]
    path = f"/devstack/record/smsb_configuration/{sandbox.product.configuration_id}"
    page = _open(new_page, sandbox, admin["id"], path)
    notes = page.locator("#dv-form-notifications")
    take_over = page.locator('[data-field="smsb_takeovernumber"]')
    expect(take_over).to_be_hidden()

    page.get_by_role("button", name="Validate").click()

    expect(notes).to_contain_text(f"points at another system: {old}")
    expect(take_over).to_be_visible()
    expect(take_over).to_contain_text("press Validate to move the number to SMS Bridge")
    number = next(n for n in sandbox.twilio.numbers if n.phone_number == NUMBER)
    assert number.sms_url == old
    row = sandbox.dataverse.store.get("smsb_configuration", str(sandbox.product.configuration_id))
    assert row is not None
    assert row["smsb_validationstatus"] == 3
    _shot(page, "configuration-take-over.png")
    assert _axe(page, "#dv-main") == []

    page.get_by_label("Take Over Number").select_option(label="Yes")
    page.get_by_role("button", name="Validate").click()

    expect(notes).to_contain_text("The Configuration is valid")
    expect(notes).to_contain_text(f"Taken over: its SMS webhook pointed at {old}")
    app_url = f"{sandbox.url}/api/twilio/messages"
    assert next(n for n in sandbox.twilio.numbers if n.phone_number == NUMBER).sms_url == app_url
    row = sandbox.dataverse.store.get("smsb_configuration", str(sandbox.product.configuration_id))
    assert row is not None
    assert (row["smsb_validationstatus"], row["smsb_takeovernumber"]) == (2, False)
    expect(take_over).to_be_hidden()  # the choice went back to No once used


def test_after_accept_the_next_text_notifies_only_who_has_the_chat(
    sandbox: Sandbox, new_page: Callable[[], Any]
) -> None:
    """Priya accepts in the pane (the chat stays the team's, Priya has it): the customer's next text shows in her
    pane with View Message and is an in-app notification for her alone; Sam's pane stays quiet."""
    priya, sam = team_users(sandbox.dataverse)[1:3]
    taker, watcher = (_open(new_page, sandbox, user["id"]) for user in (priya, sam))
    taking, watching = _pane(taker), _pane(watcher)
    sandbox.twilio.send_inbound(AVERY[1], NUMBER, "Hello, anyone?")
    expect(taking.get_by_role("button", name="Accept")).to_be_visible()
    taking.get_by_role("button", name="Accept").click()
    expect(taking.locator("p.smsb-status")).to_contain_text("Accepted")
    notified = len(sandbox.rows("appnotification"))

    sandbox.twilio.send_inbound(AVERY[1], NUMBER, "I need to change my order")

    new = _wait(lambda: sandbox.rows("appnotification")[notified:] or None, HANG_SECONDS, "the in-app notification")
    assert {str(getattr(note["ownerid"], "id", "")) for note in new} == {priya["id"]}
    expect(taking.get_by_text("I need to change my order")).to_be_visible()
    expect(taking.get_by_role("button", name="View Message")).to_be_visible()
    expect(watching.get_by_text("I need to change my order")).to_have_count(0)
    expect(watcher.locator("#dv-pane-badge")).to_be_hidden()


def test_a_chat_the_platform_assigns_to_a_user_is_theirs_in_the_pane(
    sandbox: Sandbox, new_page: Callable[[], Any]
) -> None:
    """An administrator assigns the conversation to Sam with the platform's Assign (an Update of its owner alone):
    the app brings its session along and makes Sam the one who has the chat, so Sam's pane offers View Message (not
    Accept) and the rest of the team no longer sees it."""
    admin, priya, sam = team_users(sandbox.dataverse)[:3]
    sandbox.twilio.send_inbound(CASEY[1], NUMBER, "Is anyone there?")
    conversation = _conversation(sandbox, CASEY[1])
    conversation_id = str(conversation["smsb_conversationid"])
    others, mine = (_open(new_page, sandbox, user["id"]) for user in (priya, sam))
    expect(_pane(others).get_by_role("button", name="Accept")).to_be_visible()

    _web_api(sandbox, "PATCH", f"smsb_conversations({conversation_id})",
             {"ownerid@odata.bind": f"/systemusers({sam['id']})"}, user=admin["id"])

    session = _wait(lambda: next((s for s in sandbox.rows("smsb_messagesession")
                                  if s.get("smsb_phonenumber") == CASEY[1]
                                  and str(getattr(s["ownerid"], "id", "")) == sam["id"]), None),
                    15, "the session to follow its conversation to Sam")
    assert session is not None
    row = _conversation(sandbox, CASEY[1])
    assert (row["smsb_state"], str(getattr(row["smsb_acceptedby"], "id", ""))) == (2, sam["id"])
    expect(_pane(mine).get_by_role("button", name="View Message")).to_be_visible()
    expect(_pane(others).get_by_text("Is anyone there?")).to_have_count(0)


def _png(width: int = 4, height: int = 3) -> bytes:
    """A real (grey) PNG, so the browser can decode the stored picture."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))  # filter byte, then grey pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def test_pictures_show_as_on_their_way_then_turn_into_the_picture_or_say_they_are_unavailable(
    sandbox: Sandbox, new_page: Callable[[], Any]
) -> None:
    """Two texts with a picture each are filed while storing files fails: the chat shows both as "Picture on its way"
    (never a broken image). The repair (reconciliation) then stores the first, which the open chat shows as the
    picture at its next poll, without a reload; Twilio no longer has the second, which becomes "Picture unavailable"."""
    agent = team_users(sandbox.dataverse)[1]
    picture = _png()
    sandbox.dataverse.faults.add(r"/smsb_messagemedias\([^)]*\)/smsb_file", status=500, method="PATCH")
    sandbox.twilio.send_inbound(BLAKE[1], NUMBER, "Here is the damage", media=(InboundMedia(picture, "image/png"),))
    lost = sandbox.twilio.send_inbound(BLAKE[1], NUMBER, "and the receipt", media=(InboundMedia(picture, "image/png"),))
    _wait(lambda: len(sandbox.rows("smsb_messagemedia", smsb_filestatus=1)) == 2, HANG_SECONDS,
          "two rows Awaiting File")
    conversation_id = _conversation(sandbox, BLAKE[1])["smsb_conversationid"]
    page = _open(new_page, sandbox, agent["id"], f"/devstack/record/smsb_conversation/{conversation_id}")
    log = page.get_by_role("log", name="Conversation")
    expect(log).to_contain_text("and the receipt")
    waiting = log.get_by_role("img", name="Picture on its way")
    expect(waiting).to_have_count(2)
    expect(log.locator("img")).to_have_count(0)  # no broken image while there is no file
    assert _axe(page, "#dv-main") == []  # colour contrast included: Chromium lays the tiles out

    twilio_message = sandbox.twilio.message(lost.message_sid)
    assert twilio_message is not None
    twilio_message.media.clear()  # deleted at Twilio by someone else meanwhile
    sandbox.dataverse.faults.clear()
    app = sandbox.app
    later = datetime.now(UTC) + timedelta(hours=1)
    Reconciler(app.dataverse, app.cipher, MessageHistory(app.twilio, app.settings.twilio_api_base_url),
               app.inbound_worker.inbound, StatusProcessor(app.dataverse), clock=lambda: later).run(timedelta(hours=2))
    assert sorted(row["smsb_filestatus"] for row in sandbox.rows("smsb_messagemedia")) == [2, 3]  # Stored, Unavailable

    expect(waiting).to_have_count(0)
    shown = log.get_by_role("img", name="Picture", exact=True)
    expect(shown).to_have_count(1)
    page.wait_for_function("img => img.complete && img.naturalWidth === 4", arg=shown.element_handle())
    unavailable = log.get_by_role("img", name="Picture unavailable: Twilio could not hand over this file")
    expect(unavailable).to_be_visible()
    expect(unavailable).to_contain_text("Picture unavailable")
    bubble_of = "el => el.closest('[data-message-id]').textContent"
    assert "Here is the damage" in shown.evaluate(bubble_of)
    assert "and the receipt" in unavailable.evaluate(bubble_of)
    assert _axe(page, "#dv-main") == []

