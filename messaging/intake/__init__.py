"""Webhooks at the door: Twilio's (which Configuration, proof that Twilio sent them, the envelope to queue) and
Dataverse's (the jobs an event calls for). Nothing here writes to Dataverse."""

from messaging.intake.dataverse import jobs_for
from messaging.intake.twilio import DeferralRation, IncomingRequest, WebhookIntake

__all__ = ["DeferralRation", "IncomingRequest", "WebhookIntake", "jobs_for"]
