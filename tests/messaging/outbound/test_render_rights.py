"""Whose rights fill in an Outbox's text: the owner's, the creator's for a team-owned Outbox, never silently the
application user's."""

from __future__ import annotations

import dataclasses
import uuid

from messaging.names import OutboxStatus
from messaging.outbound.gates import Stop
from messaging.outbound.render_rights import ReadRefused, reader_of, refused
from messaging.rows.outbox import Outbox, Party

APP, OWNER, CREATOR, TEAM = (uuid.uuid4() for _ in range(4))
CONTACT = uuid.uuid4()

BASE = Outbox(id=uuid.uuid4(), subject="s", status=OutboxStatus.PENDING, etag=None, send_after=None,
              explicit_number=None, freeform="{jobtitle}", has_attachment=False, configuration_id=None,
              configuration=None, template_id=None, template=None, to=Party("contact", CONTACT, None),
              session_phone=None, owner_user=OWNER, owner_team=None, created_by=CREATOR)


def test_a_user_owned_outbox_is_read_as_its_owner() -> None:
    assert reader_of(BASE, APP) == OWNER


def test_the_application_users_own_outbox_needs_no_impersonation() -> None:
    assert reader_of(dataclasses.replace(BASE, owner_user=APP), APP) is None


def test_a_team_owned_outbox_is_read_as_its_creator() -> None:
    team_owned = dataclasses.replace(BASE, owner_user=None, owner_team=TEAM)
    assert reader_of(team_owned, APP) == CREATOR
    assert reader_of(dataclasses.replace(team_owned, created_by=APP), APP) is None


def test_an_outbox_with_no_user_to_read_as_fails() -> None:
    stop = reader_of(dataclasses.replace(BASE, owner_user=None, owner_team=TEAM, created_by=None), APP)
    assert isinstance(stop, Stop)
    assert stop.status is OutboxStatus.FAILED


def test_a_refusal_names_whose_rights_fell_short_and_the_record_not_its_values() -> None:
    error = ReadRefused("0x80048306", "Principal with id x does not have ReadAccess right(s)")
    verdict = refused(BASE, error, OWNER)
    assert verdict.status is OutboxStatus.FAILED
    assert verdict.reason.startswith(f"Not sent: the owner may not read this contact (contact {CONTACT})")
    team_verdict = refused(dataclasses.replace(BASE, owner_user=None, owner_team=TEAM), error, CREATOR)
    assert "the user who created this Outbox (its owner is a team)" in team_verdict.reason


def test_an_application_user_that_may_not_impersonate_is_named_as_the_cause() -> None:
    error = ReadRefused("0x80040220", "Principal user (Id=a, type=8), is missing "
                                      "prvActOnBehalfOfAnotherUser privilege (Id=b). context.Caller=a")
    verdict = refused(BASE, error, OWNER)
    assert verdict.status is OutboxStatus.FAILED
    assert "the application user may not act on behalf of other users" in verdict.reason
    assert "Delegate role" in verdict.reason
