"""The files of inbound MMS pictures (DESIGN 6.2): none is lost, none is deleted from Twilio before it is stored.

Every picture of a text gets its Message Media row in the changeset that files the text, marked *Awaiting File*
(`smsb_filestatus`). After the commit its file is fetched from Twilio, stored in the row's file column and the row
marked *Stored*; only then, when the Configuration says so (`smsb_deletetwiliomedia`), is Twilio's copy deleted.
A picture that cannot be had — Twilio refuses it (type, size) or no longer has it — is marked *Unavailable* with one
Error Log row. Anything else that goes wrong leaves the row Awaiting File, where it is picked up again:

- by the queue's retry of the text (the inbound worker finishes the rows of a text it finds already filed), and
- by reconciliation (hourly), which fetches the media again by MessageSid and MediaSid while Twilio still has it,
  for rows older than `REPAIR_AFTER` (the queue had its chance), and gives a row up as Unavailable once it has been
  waiting longer than `GIVE_UP_AFTER`.

`verdict` is the rule; `MediaFiles` does the I/O.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dataverse import DataverseClient, DataverseError, NotFound
from messaging.errorlog import ErrorLog, ErrorSource, LoggedError
from messaging.errors import MessagingError
from messaging.model import Configuration, MediaFileStatus, Severity
from twilio_bridge import DownloadedMedia, MediaDownloader, MediaDownloadFailed, TwilioCredentials

__all__ = ["GIVE_UP_AFTER", "REPAIR_AFTER", "AwaitingFile", "MediaFiles", "MediaReport", "Verdict", "verdict"]

log = logging.getLogger("smsbridge.media")

REPAIR_AFTER = timedelta(minutes=15)
GIVE_UP_AFTER = timedelta(days=7)
_NAME_LENGTH = 200
_CREDENTIAL_STATUSES = frozenset({401, 403})


class Verdict(enum.Enum):
    RETRY = "retry"  # leave the row Awaiting File; the queue (now) or reconciliation (later) tries again
    UNAVAILABLE = "unavailable"  # the file will never come: mark the row, tell an admin


def verdict(*, lasting: bool, waited: timedelta | None) -> Verdict:
    """What to do about a picture whose file could not be stored. `lasting`: the failure says Twilio will never
    hand this file over (it refused the type or size, or no longer has it); `waited`: how long the row has been
    waiting, when known."""
    if lasting:
        return Verdict.UNAVAILABLE
    if waited is not None and waited > GIVE_UP_AFTER:
        return Verdict.UNAVAILABLE
    return Verdict.RETRY


def hopeless(failure: MediaDownloadFailed) -> bool:
    """A download failure no retry can cure. Rejected credentials are not one: an admin can fix the token."""
    return not failure.is_transient and failure.status not in _CREDENTIAL_STATUSES


@dataclass(frozen=True)
class AwaitingFile:
    """A Message Media row whose file is not stored yet, and how to fetch it."""

    row_id: uuid.UUID
    message_id: uuid.UUID
    message_sid: str
    media_sid: str | None
    url: str | None = None  # the webhook's MediaUrl; else built from the SIDs
    created_on: datetime | None = None


@dataclass
class MediaReport:
    stored: int = 0
    unavailable: int = 0
    waiting: int = 0
    deleted_at_twilio: int = 0
    problems: list[str] = field(default_factory=list)


class MediaFiles:
    def __init__(self, client: DataverseClient, downloader: MediaDownloader | None, errors: ErrorLog, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._client = client
        self._downloader = downloader
        self._errors = errors
        self._clock = clock

    def finish(self, configuration: Configuration, credentials: Callable[[], TwilioCredentials],
               awaiting: Iterable[AwaitingFile], *, correlation_id: str | None = None,
               in_queue: bool = True, now: datetime | None = None) -> MediaReport:
        """Store the file of every row given. In the queue (`in_queue`) a failure that may pass is raised, for the
        queue to retry the text; in reconciliation it is reported and the row waits for the next run, or is given
        up once it has waited longer than `GIVE_UP_AFTER` at `now`."""
        report = MediaReport()
        now = now or self._clock()
        downloader = self._downloader
        if downloader is None:
            return report
        stored: list[tuple[AwaitingFile, DownloadedMedia]] = []
        try:
            for item in awaiting:
                try:
                    media = downloader.download(credentials(), item.url or _built_url(downloader, configuration, item))
                    self._client.upload_file("smsb_messagemedias", item.row_id, "smsb_file", media.content,
                                             media.file_name)
                except MediaDownloadFailed as exc:
                    self._failed(item, exc, exc.reason, lasting=hopeless(exc), report=report,
                                 correlation_id=correlation_id, in_queue=in_queue, now=now)
                    continue
                except (DataverseError, MessagingError) as exc:
                    # Dataverse refused the file, or the Configuration's token cannot be had: not the picture's fault.
                    self._failed(item, exc, f"{type(exc).__name__}: {exc}", lasting=False, report=report,
                                 correlation_id=correlation_id, in_queue=in_queue, now=now)
                    continue
                stored.append((item, media))
        except Exception:
            if stored:  # what this attempt did store need not be fetched again by the retry
                self._mark_stored(stored, report)
            raise
        if stored:
            self._mark_stored(stored, report)
            if configuration.delete_twilio_media:
                self.delete_at_twilio(configuration, credentials, [item for item, _ in stored], report,
                                      in_queue=in_queue)
        return report

    def delete_at_twilio(self, configuration: Configuration, credentials: Callable[[], TwilioCredentials],
                         items: Iterable[AwaitingFile], report: MediaReport, *, in_queue: bool = True) -> None:
        """Delete Twilio's copy of pictures whose file is stored (deleting one already gone is no error)."""
        downloader = self._downloader
        if downloader is None:
            return
        for item in items:
            try:
                downloader.delete(credentials(), item.url or _built_url(downloader, configuration, item))
                report.deleted_at_twilio += 1
            except MediaDownloadFailed as exc:
                if exc.is_transient and in_queue:
                    raise  # the retry finds the row Stored and deletes again
                report.problems.append(f"{item.media_sid}: not deleted at Twilio: {exc.reason}")
                log.warning("media %s of %s not deleted at Twilio: %s", item.media_sid, item.message_sid, exc.reason)

    # -- steps -------------------------------------------------------------------------------------------------
    def _mark_stored(self, stored: list[tuple[AwaitingFile, DownloadedMedia]], report: MediaReport) -> None:
        batch = self._client.batch()
        refs = [batch.update("smsb_messagemedias", item.row_id, {
            "smsb_name": media.file_name[:_NAME_LENGTH],
            "smsb_contenttype": media.content_type,
            "smsb_size": media.size,
            "smsb_filestatus": int(MediaFileStatus.STORED),
        }) for item, media in stored]
        result = self._client.execute_batch(batch, continue_on_error=True)
        for ref in refs:
            error = result.part(ref).error
            if error is None:
                report.stored += 1
            elif not isinstance(error, NotFound):  # a row deleted meanwhile needs nothing more
                # The file is stored; the row still says Awaiting File, so it is fetched and stored again later.
                raise error

    def _failed(self, item: AwaitingFile, exc: Exception, reason: str, *, lasting: bool, report: MediaReport,
                correlation_id: str | None, in_queue: bool, now: datetime) -> None:
        waited = now - item.created_on if item.created_on is not None else None
        if verdict(lasting=lasting, waited=waited) is Verdict.RETRY:
            if in_queue:
                raise exc
            report.waiting += 1
            report.problems.append(f"{item.media_sid or item.row_id} of {item.message_sid}: {reason}")
            return
        self.give_up(item, reason, report, correlation_id=correlation_id)

    def give_up(self, item: AwaitingFile, reason: str, report: MediaReport, *,
                correlation_id: str | None = None) -> None:
        """Mark a row Unavailable, with one Error Log row saying why."""
        try:
            self._client.update("smsb_messagemedias", item.row_id,
                                {"smsb_filestatus": int(MediaFileStatus.UNAVAILABLE)})
        except NotFound:
            return
        report.unavailable += 1
        log.warning("media %s of %s unavailable: %s", item.media_sid, item.message_sid, reason)
        self._errors.record(LoggedError(
            source=ErrorSource.INBOUND, name="Inbound picture could not be stored",
            details=(f"{item.media_sid or 'media'} of {item.message_sid}: {reason}. The text is stored; its Message "
                     "Media row is marked Unavailable."),
            severity=Severity.WARNING, correlation_id=correlation_id, twilio_sid=item.message_sid,
            related_entity="smsb_messagemedia", related_id=str(item.row_id),
        ))


def _built_url(downloader: MediaDownloader, configuration: Configuration, item: AwaitingFile) -> str:
    if not item.media_sid:
        raise MediaDownloadFailed("the row has no Twilio Media SID to fetch the file by")
    return downloader.media_url(configuration.account_sid, item.message_sid, item.media_sid)
