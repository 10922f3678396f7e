"""Storing the files of inbound MMS pictures (the rules are in `inbound.pictures`): fetch from Twilio, upload into
the row's file column, mark the rows Stored in one `$batch`, delete Twilio's copy when the Configuration says so,
and give a picture that will never come up as Unavailable with one Error Log row."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from dataverse import DataverseError, NotFound
from messaging.errors import MessagingError
from messaging.inbound.pictures import AwaitingFile, MediaReport, Verdict, hopeless, verdict
from messaging.names import SMSB_MESSAGEMEDIA, Severity
from messaging.rows import media
from messaging.rows.configuration import Configuration
from messaging.rows.errorlog import ErrorSource, LoggedError
from messaging.store import Store
from twilio_bridge import DownloadedMedia, MediaDownloader, MediaDownloadFailed, TwilioCredentials

__all__ = ["MediaFiles"]

log = logging.getLogger("smsbridge.media")


class MediaFiles:
    def __init__(self, store: Store, downloader: MediaDownloader | None, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._downloader = downloader
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
                    fetched = downloader.download(credentials(),
                                                  item.url or _built_url(downloader, configuration, item))
                    self._store.upload(media.file_target(item.row_id), media.FILE, fetched.content,
                                       fetched.file_name)
                except MediaDownloadFailed as exc:
                    self._failed(item, exc, exc.reason, lasting=hopeless(exc), report=report,
                                 correlation_id=correlation_id, in_queue=in_queue, now=now)
                    continue
                except (DataverseError, MessagingError) as exc:
                    # Dataverse refused the file, or the Configuration's token cannot be had: not the picture's fault.
                    self._failed(item, exc, f"{type(exc).__name__}: {exc}", lasting=False, report=report,
                                 correlation_id=correlation_id, in_queue=in_queue, now=now)
                    continue
                stored.append((item, fetched))
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

    def give_up(self, item: AwaitingFile, reason: str, report: MediaReport, *,
                correlation_id: str | None = None) -> None:
        """Mark a row Unavailable, with one Error Log row saying why."""
        try:
            self._store.apply(media.unavailable(item.row_id))
        except NotFound:
            return
        report.unavailable += 1
        log.warning("media %s of %s unavailable: %s", item.media_sid, item.message_sid, reason)
        self._store.record(LoggedError(
            source=ErrorSource.INBOUND, name="Inbound picture could not be stored",
            details=(f"{item.media_sid or 'media'} of {item.message_sid}: {reason}. The text is stored; its Message "
                     "Media row is marked Unavailable."),
            severity=Severity.WARNING, correlation_id=correlation_id, twilio_sid=item.message_sid,
            related_entity=SMSB_MESSAGEMEDIA.logical_name, related_id=str(item.row_id),
        ))

    def _mark_stored(self, stored: list[tuple[AwaitingFile, DownloadedMedia]], report: MediaReport) -> None:
        writes = [media.stored(item.row_id, file_name=fetched.file_name, content_type=fetched.content_type,
                               size=fetched.size) for item, fetched in stored]
        answer = self._store.run(writes, continue_on_error=True)
        for write in writes:
            error = answer.error(write)
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


def _built_url(downloader: MediaDownloader, configuration: Configuration, item: AwaitingFile) -> str:
    if not item.media_sid:
        raise MediaDownloadFailed("the row has no Twilio Media SID to fetch the file by")
    return downloader.media_url(configuration.account_sid, item.message_sid, item.media_sid)
