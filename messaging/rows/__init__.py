"""One module per table the product writes: what it reads of the row (plain frozen values) and every write it makes
to it (`messaging.plans.Write`). Pure: nothing here sends a request; `messaging.store` does."""

from messaging.rows import configuration, conversation, errorlog, media, message, notification, outbox, session
from messaging.rows.owner import Owner

__all__ = ["Owner", "configuration", "conversation", "errorlog", "media", "message", "notification", "outbox",
           "session"]
