"""Setting up: Configurations (seal the auth token, Validate against Twilio) and Record Types (check the table and
columns an admin typed). `sealing`, `validation` and `record_type_rules` decide over plain values; the services
read the rows, ask Twilio and Dataverse's metadata, and write the verdicts."""

from messaging.configuration.record_type_rules import PHONE_TYPES, TableColumns
from messaging.configuration.record_types import RecordTypeOutcome, RecordTypeService
from messaging.configuration.sealing import SealResult, seal
from messaging.configuration.service import (
    MESSAGES_ROUTE,
    STATUS_ROUTE,
    ConfigurationOutcome,
    ConfigurationService,
    ValidationResult,
)
from messaging.names import ValidationStatus

__all__ = [
    "MESSAGES_ROUTE",
    "PHONE_TYPES",
    "STATUS_ROUTE",
    "ConfigurationOutcome",
    "ConfigurationService",
    "RecordTypeOutcome",
    "RecordTypeService",
    "SealResult",
    "TableColumns",
    "ValidationResult",
    "ValidationStatus",
    "seal",
]
