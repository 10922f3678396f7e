"""The product's Dataverse names for the runtime, generated from ``solution/tables`` (``python -m solution.names``).

``schema.names`` holds one frozen dataclass per table (``SMSB_MESSAGE.entity_set``,
``SMSB_MESSAGE.columns.smsb_status``, ``SMSB_MESSAGE.navigation.smsb_session`` for ``smsb_session@odata.bind``) and
one ``Choice`` enum per choice column (``SmsbMessageSmsbStatus.DELIVERED``, with its ``label``). The runtime imports
it instead of reading ``solution/``.
"""

__all__ = ["names"]
