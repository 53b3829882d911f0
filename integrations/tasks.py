"""Celery wrappers around the integrations services."""

from celery import shared_task

from . import due_reminders, mailings, reminders, services, webhooks


@shared_task(name="integrations.deliver_notification")
def deliver_notification(delivery_id: int) -> str:
    return services.delivery_attempt(delivery_id).status


@shared_task(name="integrations.deliver_webhook")
def deliver_webhook(delivery_id: int) -> str:
    return webhooks.webhook_attempt(delivery_id).status


@shared_task(name="integrations.sweep")
def sweep() -> dict:
    """Beat: reminders due now, and retries of deliveries whose backoff has passed."""
    result = reminders.send_task_reminders()
    result.update(due_reminders.send_due_reminders())
    result["delivery_retries"] = services.retry_due_deliveries()
    result["webhook_retries"] = webhooks.retry_due_webhooks()
    result["mailing_messages"] = mailings.mailings_send_due()
    return result


@shared_task(name="integrations.send_mailings")
def send_mailings() -> int:
    """The first minute's share of a new mailing; the sweep sends the rest, minute by minute."""
    return mailings.mailings_send_due()
