"""Several inbound texts filed together: one read `$batch` for all that the group lacks, one write `$batch` with
one change set per text, each text's result its own.

The write `$batch` continues past a failed change set (`Prefer: odata.continue-on-error`), so a text that cannot
be filed blocks no other: its change set alone is rolled back and its invocation raises as it would alone. A change
set that met a row it meant to create (another worker filed the conversation, the session or the text itself) is
handed back to its invocation to file alone (`Alone`): the single path re-reads and finds the text filed before,
or files it with a smaller plan. In-app notifications, which without coalescing ride behind the change set and run
only if it committed, are here in the text's change set: posted if and only if the text is filed; a change set that
fails for another reason than a row already there is then filed alone, where a notification that cannot be posted
is only a warning. The conversations are read back in the write `$batch`, after their change sets, as the single
path does. A group of one is filed as one text always was.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from dataverse import AlreadyExists, PreconditionFailed
from messaging.inbound.grouping import Need, Waiting, plan_read
from messaging.inbound.matching import choose_customer
from messaging.inbound.outcome import Alone, Filed, InboundOutcome
from messaging.inbound.pictures import awaiting_files
from messaging.inbound.processor import InboundProcessor
from messaging.inbound.reader import GroupAnswer, conversation_get
from messaging.inbound.rules import Filing, Known, Text, first_contact, plan_filing
from messaging.plans import Changeset
from messaging.rows.conversation import StoredConversation
from messaging.store import Item

__all__ = ["GroupFiler", "Result"]

log = logging.getLogger("smsbridge.inbound")

Result = Filed | Alone | Exception


@dataclass
class _Planned:
    index: int
    text: Text
    known: Known
    filing: Filing
    outcome: InboundOutcome


class GroupFiler:
    def __init__(self, processor: InboundProcessor) -> None:
        self._processor = processor

    def waiting(self, text: Text) -> Waiting:
        """The text as the grouping sees it (`grouping.choose_group`)."""
        return Waiting(text.conversation_id, text.session_id(text.conversation_id), text.message_id,
                       text.received_at, self._processor.settled(text))

    def file(self, texts: Sequence[Text]) -> list[Result]:
        """Each text's result, in the order given (the order the change sets run in)."""
        if len(texts) == 1:
            try:
                return [self._processor.file(texts[0])]
            except Exception as exc:  # noqa: BLE001 - the text's own failure, raised in its invocation
                return [exc]
        results: list[Result | None] = [None] * len(texts)
        outcomes = [InboundOutcome(message_id=text.message_id, group_size=len(texts)) for text in texts]
        answer, round_trips = self._read(texts)
        planned: list[_Planned] = []
        members: dict[uuid.UUID, tuple[uuid.UUID, ...]] = {}
        latest: dict[uuid.UUID, Known] = {}  # each conversation as the texts planned so far leave it
        for index, text in enumerate(texts):
            known = latest.get(text.conversation_id) or self._known(text, index, answer, outcomes[index])
            if known is None:
                results[index] = Alone(text)
                continue
            team = text.configuration.team_id if text.configuration.send_app_notifications else None
            audience: tuple[uuid.UUID, ...] = ()
            if team is not None:
                base = members.get(team)
                if base is None:
                    base = answer.members.get(team) or self._processor.directory.cached_team_members(team) or ()
                    members[team] = base
                audience = self._processor.audience(known.snapshot, team, base, outcomes[index])
            session = text.session_id(known.snapshot.id)
            filing = plan_filing(text, known, audience,
                                 create_conversation=not self._processor.exists(known.snapshot.id),
                                 create_session=session not in answer.sessions and not self._processor.exists(session))
            planned.append(_Planned(index, text, known, filing, outcomes[index]))
            previous = known.snapshot.last_activity
            later = text.received_at if previous is None else max(previous, text.received_at)
            latest[text.conversation_id] = replace(known, snapshot=replace(known.snapshot, last_activity=later))
        round_trips += self._write(planned, results)
        for entry in planned:
            entry.outcome.round_trips += round_trips
        return [result if result is not None else RuntimeError("a text of the group was not filed")
                for result in results]

    # -- reading -----------------------------------------------------------------------------------------------
    def _read(self, texts: Sequence[Text]) -> tuple[GroupAnswer, int]:
        processor = self._processor
        needs = []
        for text in texts:
            team = text.configuration.team_id if text.configuration.send_app_notifications else None
            needs.append(Need(
                text.conversation_id, text.session_id(text.conversation_id),
                known=processor.held(text.conversation_id) is not None,
                conversation_exists=processor.exists(text.conversation_id),
                session_exists=processor.exists(text.session_id(text.conversation_id)), matchable=text.sender.parsed,
                team=team if team is not None and not processor.directory.cached_team_members(team) else None))
        plan = plan_read(needs)
        round_trips = 0
        wanted = {rt.entity: rt.version for index in plan.matches for rt in texts[index].record_types}
        tables = {}
        if wanted:
            loaded = processor.tables.load(wanted)
            round_trips += loaded.round_trips
            tables = dict(loaded.tables)
        answer = processor.reader.read_group(plan, texts, tables)
        for team, found in answer.members.items():
            processor.directory.remember_team_members(team, found)
        for session in answer.sessions:
            processor.found(session)
        return answer, round_trips + answer.round_trips

    def _known(self, text: Text, index: int, answer: GroupAnswer, outcome: InboundOutcome) -> Known | None:
        """The conversation to file the text on: held, read now, or a first contact; None when it is known to
        exist yet was not found (deleted meanwhile: the single path forgets it and matches again)."""
        processor = self._processor
        held = processor.held(text.conversation_id)
        if held is not None:
            return held
        stored = answer.conversations.get(text.conversation_id)
        if stored is not None:
            known = processor.known(stored, text, outcome)
            processor.found(text.conversation_id, known)
            return known
        if processor.exists(text.conversation_id):
            return None
        searched = answer.searched.get(index)
        if searched is None and text.sender.parsed:
            return None  # not matched in this group (its number's first text is another's): never guess
        if text.sender.parsed:
            customer, reason = choose_customer(text.number, searched or ())
        else:
            customer, reason = None, f"The sender '{text.number}' is not a phone number that can be matched"
        return first_contact(text, customer, reason)

    # -- writing -----------------------------------------------------------------------------------------------
    def _write(self, planned: list[_Planned], results: list[Result | None]) -> int:
        if not planned:
            return 0
        processor = self._processor
        fresh = {entry.text.conversation_id: conversation_get(entry.text.conversation_id) for entry in planned}
        # Each text's notifications commit with its rows: posted only if the text is filed.
        changesets = {entry.index: Changeset((*entry.filing.changeset.writes, *entry.filing.notifications))
                      for entry in planned}
        items: list[Item] = [*changesets.values(), *fresh.values()]
        answer = processor.store.run(items, continue_on_error=True)
        committed: list[_Planned] = []
        for entry in planned:
            error = answer.error(changesets[entry.index])
            if error is None and not answer.found_there(changesets[entry.index]):
                committed.append(entry)
            elif error is None or isinstance(error, AlreadyExists | PreconditionFailed) or entry.filing.notifications:
                # Met rows it meant to create, or failed with notifications that alone may be at fault: filed alone,
                # the way that tells the two apart (notifications after the rows, a failed one only a warning).
                results[entry.index] = Alone(entry.text)
            else:
                results[entry.index] = error
        for entry in committed:
            row = answer.row(fresh[entry.text.conversation_id]) if answer.error(
                fresh[entry.text.conversation_id]) is None else None
            entry.outcome.attempts = 1
            notified = [None] * len(entry.filing.notifications)
            processor.committed(entry.text, entry.known, entry.filing, notified=notified, outcome=entry.outcome,
                                fresh=StoredConversation.from_row(row) if row is not None else None)
            results[entry.index] = Filed(entry.text, entry.outcome,
                                         tuple(awaiting_files(entry.text.message, entry.text.message_id)))
        return answer.round_trips
