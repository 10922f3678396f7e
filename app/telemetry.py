"""Exporting the product's traces and counters to Application Insights when it is configured.

The product emits through the OpenTelemetry API only (`messaging/telemetry.py`, `dataverse/transport.py`); this
installs Azure Monitor's distribution as the SDK once per worker, and only when
`APPLICATIONINSIGHTS_CONNECTION_STRING` is set — otherwise every span and counter stays a no-op.
"""

from __future__ import annotations

import logging
import threading

from app.settings import Settings

__all__ = ["configure_telemetry"]

log = logging.getLogger("smsbridge.telemetry")
_lock = threading.Lock()
_configured = False


def configure_telemetry(settings: Settings) -> bool:
    """Install the exporter (idempotent); returns whether telemetry is on."""
    global _configured  # noqa: PLW0603 - the OpenTelemetry SDK is process-wide by design
    connection = settings.applicationinsights_connection_string
    if not connection:
        return False
    with _lock:
        if not _configured:
            from azure.monitor.opentelemetry import configure_azure_monitor

            # Logs keep flowing through the Functions host; only traces and metrics go through the exporter,
            # so a message body logged at DEBUG can never leave through a second path.
            configure_azure_monitor(connection_string=connection, enable_live_metrics=False, disable_logging=True)
            _configured = True
            log.info("telemetry exported to Application Insights")
    return True
