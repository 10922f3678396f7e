"""Which waiting texts are filed together and what their one read asks (`inbound.grouping`), over plain values."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from messaging.inbound.grouping import Need, Waiting, choose_group, plan_read

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
A, B, C = (uuid.uuid4() for _ in range(3))


def waiting(conversation: uuid.UUID, second: int, *, settled: bool = True,
            message: uuid.UUID | None = None) -> Waiting:
    return Waiting(conversation, uuid.uuid5(conversation, "session"), message or uuid.uuid4(),
                   T0 + timedelta(seconds=second), settled)


def test_texts_of_known_conversations_go_together_each_conversation_in_twilios_order() -> None:
    texts = [waiting(A, 3), waiting(B, 1), waiting(A, 1), waiting(C, 5), waiting(A, 2)]
    assert choose_group(texts, 32) == [2, 4, 0, 1, 3]


def test_a_first_contact_goes_alone_among_its_conversations_texts_and_the_rest_wait() -> None:
    texts = [waiting(A, 2, settled=False), waiting(A, 1, settled=False), waiting(B, 1, settled=False), waiting(A, 3)]
    # the earliest of A's texts may create its rows; A's later ones wait until they are known to exist
    assert choose_group(texts, 32) == [1, 2]


def test_a_known_conversations_texts_stop_before_one_that_opens_a_new_session() -> None:
    texts = [waiting(A, 1), waiting(A, 2), waiting(A, 3, settled=False), waiting(A, 4)]
    assert choose_group(texts, 32) == [0, 1]


def test_a_second_delivery_of_a_text_waits_for_the_next_flush() -> None:
    sid = uuid.uuid4()
    texts = [waiting(A, 1, message=sid), waiting(A, 1, message=sid), waiting(B, 1)]
    assert choose_group(texts, 32) == [0, 2]


def test_the_bound_is_kept_and_something_is_always_taken() -> None:
    texts = [waiting(uuid.uuid4(), n) for n in range(50)]
    assert choose_group(texts, 32) == list(range(32))
    assert choose_group(texts, 0) == [0]
    assert choose_group([waiting(A, 1, settled=False)], 32) == [0]
    assert choose_group([], 32) == []


def need(conversation: uuid.UUID, *, known: bool = False, exists: bool = False, session_exists: bool = False,
         matchable: bool = True, team: uuid.UUID | None = None) -> Need:
    return Need(conversation, uuid.uuid5(conversation, "session"), known, exists, session_exists, matchable, team)


def test_the_read_asks_each_missing_row_once_and_nothing_for_what_is_held() -> None:
    team = uuid.uuid4()
    plan = plan_read([
        need(A),  # a number never seen: conversation, session, match
        need(A),  # the same number again: nothing more
        need(B, exists=True, session_exists=True),  # known to exist but not held: its conversation only
        need(C, known=True, team=team),  # held; its team's members are not
        need(C, known=True, team=team),
    ])
    assert plan.conversations == (A, B)
    assert plan.sessions == (uuid.uuid5(A, "session"),)
    assert plan.matches == (0,)
    assert plan.teams == (team,)


def test_a_group_that_holds_everything_reads_nothing_and_an_unreadable_number_is_not_matched() -> None:
    assert plan_read([need(A, known=True), need(B, known=True)]).empty
    plan = plan_read([need(A, matchable=False)])
    assert plan.matches == ()
    assert plan.conversations == (A,)
