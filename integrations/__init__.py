"""Integrations: notifications (in-app, e-mail, SMS), reminders and escalations, webhooks."""
