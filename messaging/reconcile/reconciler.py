"""Reconciliation with Twilio's own records: what Twilio has and Dataverse lacks is filed, exactly once.

- Inbound: for each active Configuration's number, the texts Twilio received in the window are compared by SID
  with the messages in Dataverse; the missing ones (Twilio could not deliver the webhook: the app was down, the
  number's URL pointed elsewhere) go through the normal inbound pipeline, which is idempotent by SID.
- Outbound: messages sent over an hour ago and still not in a final status are refreshed from Twilio's record,
  through the normal status pipeline (forward-only).
- Pictures: Message Media rows still *Awaiting File* a while after their text was filed (the worker died, or the
  queue gave up) get their file fetched again from Twilio by MessageSid and MediaSid (`media_files`); one Twilio
  no longer has is marked Unavailable with an Error Log row.

Work per run is bounded (`max_messages`); progress is reported through a callback for the CLI.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dataverse import DataverseClient, DataverseError, F, NotFound, Row
from messaging.envelopes import InboundEnvelope, StatusEnvelope
from messaging.errors import MessagingError
from messaging.inbound import REPAIR_AFTER, AwaitingFile, InboundProcessor, MediaReport
from messaging.names import (
    SMSB_CONFIGURATION,
    SMSB_MESSAGE,
    SMSB_MESSAGEMEDIA,
    Direction,
    MediaFileStatus,
    RowState,
    lookup_value,
)
from messaging.reconcile.rules import SETTLE_AFTER, UNSETTLED, by_configuration, missing
from messaging.rows import media
from messaging.rows.configuration import CONFIGURATION_COLUMNS, Configuration
from messaging.rows.media import MediaStatus
from messaging.status import StatusProcessor
from messaging.tokens import TokenCipher
from twilio_bridge import MessageHistory, TwilioBridgeError, TwilioCredentials

__all__ = ["ReconcileReport", "Reconciler"]

log = logging.getLogger("smsbridge.reconcile")

_SID_CHUNK = 50
_M = SMSB_MESSAGE.columns
_MESSAGE_OF_MEDIA = (f"{SMSB_MESSAGEMEDIA.navigation.smsb_message}($select={_M.smsb_messageid},{_M.smsb_sid},"
                     f"{lookup_value(_M.smsb_configuration)})")

Progress = Callable[[str, int, int], None]


@dataclass
class ReconcileReport:
    configurations: int = 0
    received_at_twilio: int = 0
    missing: int = 0
    recovered: int = 0
    statuses_checked: int = 0
    statuses_updated: int = 0
    media_repaired: int = 0
    media_unavailable: int = 0
    media_waiting: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.configurations} number(s); {self.received_at_twilio} text(s) at Twilio, {self.missing} "
                f"missing, {self.recovered} recovered; {self.statuses_checked} sent message(s) checked, "
                f"{self.statuses_updated} updated; {self.media_repaired} picture(s) repaired, "
                f"{self.media_unavailable} unavailable, {self.media_waiting} still waiting"
                + (f"; {len(self.problems)} problem(s)" if self.problems else ""))


class Reconciler:
    def __init__(self, client: DataverseClient, cipher: TokenCipher, history: MessageHistory,
                 inbound: InboundProcessor, status: StatusProcessor, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._client = client
        self._cipher = cipher
        self._history = history
        self._inbound = inbound
        self._status = status
        self._clock = clock

    def run(self, since: timedelta, *, max_messages: int = 1000, progress: Progress | None = None) -> ReconcileReport:
        report = ReconcileReport()
        now = self._clock()
        configurations = [Configuration.from_row(row) for row in self._client.query(
            SMSB_CONFIGURATION.entity_set, select=CONFIGURATION_COLUMNS,
            filter=F.eq(SMSB_CONFIGURATION.columns.statecode, int(RowState.ACTIVE)))]
        for configuration in configurations:
            if not configuration.mobile_number or not configuration.auth_token_sealed:
                continue
            report.configurations += 1
            try:
                self._recover_inbound(configuration, now - since, max_messages, report, progress)
            except (TwilioBridgeError, MessagingError, DataverseError) as exc:
                report.problems.append(f"{configuration.name}: {type(exc).__name__}: {exc}")
        self._refresh_outbound(now, since, max_messages, report, progress)
        try:
            self._repair_media(now, max_messages, report, progress)
        except DataverseError as exc:
            report.problems.append(f"pictures: {type(exc).__name__}: {exc}")
        log.info("reconciliation: %s", report.summary())
        return report

    def _credentials(self, configuration: Configuration) -> TwilioCredentials:
        token = self._cipher.decrypt(configuration.auth_token_sealed or "", configuration.id)
        return TwilioCredentials(configuration.account_sid, token)

    def _recover_inbound(self, configuration: Configuration, since: datetime, limit: int, report: ReconcileReport,
                         progress: Progress | None) -> None:
        received = list(self._history.received(self._credentials(configuration), configuration.mobile_number or "",
                                               since, limit=limit))
        report.received_at_twilio += len(received)
        lacking = missing(received, self._filed_sids(m.message.message_sid for m in received))
        report.missing += len(lacking)
        for done, item in enumerate(lacking, 1):
            envelope = InboundEnvelope(configuration.id, item.date_sent or self._clock(), str(uuid.uuid4()),
                                       item.message)
            outcome = self._inbound.process(envelope)
            report.recovered += 1 if outcome.stored else 0
            if progress:
                progress(f"recovering texts to {configuration.mobile_number}", done, len(lacking))

    def _filed_sids(self, sids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(sids))
        filed: set[str] = set()
        for start in range(0, len(wanted), _SID_CHUNK):
            chunk = wanted[start:start + _SID_CHUNK]
            for row in self._client.query(SMSB_MESSAGE.entity_set, select=[_M.smsb_sid],
                                          filter=F.any_of(_M.smsb_sid, chunk)):
                filed.add(str(row.get(_M.smsb_sid)))
        return filed

    def _refresh_outbound(self, now: datetime, since: timedelta, limit: int, report: ReconcileReport,
                          progress: Progress | None) -> None:
        unsettled = F.any_of(_M.smsb_status, [int(s) for s in UNSETTLED])
        configuration_of = lookup_value(_M.smsb_configuration)
        rows = list(self._client.query(
            SMSB_MESSAGE.entity_set,
            select=[_M.smsb_messageid, _M.smsb_sid, configuration_of],
            filter=(F.eq(_M.smsb_direction, int(Direction.OUTGOING)) & unsettled & F.not_null(_M.smsb_sid)
                    & F.lt(_M.createdon, now - SETTLE_AFTER) & F.gt(_M.createdon, now - since - SETTLE_AFTER)),
            top=limit,
        ))
        configurations: dict[uuid.UUID, TwilioCredentials] = {}
        for done, row in enumerate(rows, 1):
            configuration_id = row.guid(configuration_of)
            if configuration_id is None:
                continue
            try:
                credentials = configurations.get(configuration_id) or self._credentials_for(configuration_id)
                configurations[configuration_id] = credentials
                callback = self._history.current_status(credentials, str(row[_M.smsb_sid]))
                outcome = self._status.process(StatusEnvelope(configuration_id, now, str(uuid.uuid4()), callback,
                                                              row.guid(_M.smsb_messageid)))
            except (TwilioBridgeError, MessagingError, DataverseError) as exc:
                report.problems.append(f"message {row.get(_M.smsb_sid)}: {type(exc).__name__}: {exc}")
                continue
            report.statuses_checked += 1
            report.statuses_updated += 1 if outcome.applied else 0
            if progress:
                progress("refreshing statuses of sent texts", done, len(rows))

    def _credentials_for(self, configuration_id: uuid.UUID) -> TwilioCredentials:
        row = self._client.retrieve(SMSB_CONFIGURATION.entity_set, configuration_id, select=CONFIGURATION_COLUMNS)
        return self._credentials(Configuration.from_row(row))

    # -- pictures without their file ---------------------------------------------------------------------------
    def _repair_media(self, now: datetime, limit: int, report: ReconcileReport, progress: Progress | None) -> None:
        columns = SMSB_MESSAGEMEDIA.columns
        rows = list(self._client.query(
            SMSB_MESSAGEMEDIA.entity_set,
            select=media.REPAIR_COLUMNS,
            filter=(F.eq(columns.smsb_filestatus, int(MediaFileStatus.AWAITING_FILE))
                    & F.lt(columns.createdon, now - REPAIR_AFTER)),
            expand=[_MESSAGE_OF_MEDIA], orderby=[f"{columns.createdon} asc"], top=limit,
        ))
        files = self._inbound.media_files
        done = 0
        for configuration_id, items in by_configuration(_awaiting(row) for row in rows).items():
            outcomes = [MediaReport()]
            configuration = self._configuration(configuration_id)
            for item in items:
                if configuration is None:
                    files.give_up(item, "its message has no Configuration any more to fetch it with", outcomes[0])
                elif not item.message_sid:
                    files.give_up(item, "its message has no Twilio SID to fetch it by", outcomes[0])
            if configuration is not None:
                outcomes.append(files.finish(configuration, functools.partial(self._inbound.credentials, configuration),
                                             [item for item in items if item.message_sid], in_queue=False,
                                             now=now))
            for outcome in outcomes:
                report.media_repaired += outcome.stored
                report.media_unavailable += outcome.unavailable
                report.media_waiting += outcome.waiting
                report.problems.extend(outcome.problems)
            done += len(items)
            if progress:
                progress("repairing pictures without their file", done, len(rows))

    def _configuration(self, configuration_id: uuid.UUID | None) -> Configuration | None:
        if configuration_id is None:
            return None
        try:
            row = self._client.retrieve(SMSB_CONFIGURATION.entity_set, configuration_id,
                                        select=CONFIGURATION_COLUMNS)
        except NotFound:
            return None
        return Configuration.from_row(row)


def _awaiting(row: Row) -> tuple[uuid.UUID | None, AwaitingFile]:
    """A picture still awaiting its file, with the Configuration of its message."""
    message = row.get(SMSB_MESSAGEMEDIA.navigation.smsb_message)
    if not isinstance(message, Row):
        message = Row.from_json({})
    stored = MediaStatus.from_row(row)
    return message.guid(lookup_value(_M.smsb_configuration)), AwaitingFile(
        row_id=stored.id or uuid.UUID(int=0),
        message_id=message.guid(_M.smsb_messageid) or uuid.UUID(int=0),
        message_sid=str(message.get(_M.smsb_sid) or ""),
        media_sid=stored.media_sid,
        created_on=stored.created_on,
    )
