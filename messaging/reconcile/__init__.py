"""Reconciliation with Twilio's own records (timer, hourly): what Twilio has and Dataverse lacks is filed, exactly
once, through the normal inbound and status pipelines. `rules` decides over plain values; `reconciler` reads both
sides and runs the pipelines."""

from messaging.reconcile.reconciler import Reconciler, ReconcileReport

__all__ = ["ReconcileReport", "Reconciler"]
