"""Which message a verified status callback may touch (`messaging.status.foreign`), over plain values."""

from __future__ import annotations

import uuid

from messaging.status import foreign

A = uuid.UUID("00000000-0000-0000-0000-00000000000a")
B = uuid.UUID("00000000-0000-0000-0000-00000000000b")
SID = "SM" + "1" * 32
OTHER_SID = "SM" + "2" * 32


def test_a_message_of_the_signing_configuration_with_the_same_sid_takes_the_callback() -> None:
    assert foreign(A, SID, A, SID) is None


def test_a_message_whose_sid_is_not_recorded_yet_takes_the_callback_of_its_configuration() -> None:
    assert foreign(A, None, A, SID) is None


def test_a_message_of_another_configuration_is_refused_as_tampering() -> None:
    refusal = foreign(A, SID, B, SID)
    assert refusal is not None
    assert refusal.tampering
    assert str(A) in refusal.reason
    assert str(B) in refusal.reason


def test_a_message_with_another_sid_is_refused_as_tampering() -> None:
    refusal = foreign(A, SID, A, OTHER_SID)
    assert refusal is not None
    assert refusal.tampering
    assert SID in refusal.reason
    assert OTHER_SID in refusal.reason


def test_a_message_without_a_configuration_is_refused_without_crying_tampering() -> None:
    refusal = foreign(None, SID, A, SID)
    assert refusal is not None
    assert not refusal.tampering
