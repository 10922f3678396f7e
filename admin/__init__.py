"""Set-up of a Dataverse environment for SMS Bridge, as an admin runs it (and as the devstack runs it for you)."""

from admin.webhooks import WEBHOOK_STEPS, RegistrationReport, StepSpec, WebhookSetupError, register_webhooks

__all__ = ["WEBHOOK_STEPS", "RegistrationReport", "StepSpec", "WebhookSetupError", "register_webhooks"]
