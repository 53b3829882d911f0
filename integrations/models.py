"""Notifications and their deliveries, reminder bookkeeping, webhook subscriptions and deliveries.

Glossary: 通知 = notification, 提醒 = reminder, 升级 = escalation, 企业微信 = WeCom,
钉钉 = DingTalk, 飞书 = Feishu, 群机器人 = group robot, 应用消息 = app message.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS, VisibleQuerySet


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")
    FEISHU = "feishu", _("Feishu")


# The messenger channels (企业微信 / 钉钉 / 飞书): an app message to the person's own account there.
MESSENGERS = (Channel.WECOM, Channel.DINGTALK, Channel.FEISHU)


class NotificationQuerySet(VisibleQuerySet):
    owner_field = "recipient"

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """What a person was told; the in-app list and badge read this table."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    template = models.CharField(_("event"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        default_permissions = ACTIONS
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="integ_notif_inbox")]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """Which channels a person wants for an event ("*" = every event without its own row)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    template = models.CharField(_("event"), max_length=64, default="*")
    channels = models.JSONField(_("channels"), default=list)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "template"], name="integ_pref_user_template")]

    def __str__(self) -> str:
        return f"{self.user}: {self.template} → {', '.join(self.channels)}"


class Delivery(models.Model):
    """One attempt chain to send a notification over e-mail, SMS or a messenger, or a post to a
    messenger's group robot; the delivery log."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (no address)")

    # (none: a post to a messenger's group robot, with what it says in `payload`)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    payload = models.JSONField(default=dict, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=255, blank=True)
    text = models.TextField(
        _("text sent"), blank=True, help_text=_("the SMS text, in the recipient's language")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    external_id = models.CharField(_("gateway message id"), max_length=128, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="integ_delivery_due")]

    def __str__(self) -> str:
        return f"{self.channel} to {self.address}: {self.status}"


class DeliveryAttempt(models.Model):
    """One try of a delivery: when, how long, and what the gateway or messenger answered."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    ok = models.BooleanField(_("succeeded"), default=False)
    retryable = models.BooleanField(_("will be retried"), default=False)
    error_code = models.CharField(_("error code"), max_length=32, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {'ok' if self.ok else self.error_code or 'failed'}"


class ChannelAccount(models.Model):
    """A person's own account id in a messenger (the WeCom / DingTalk userid, the Feishu user id),
    which app messages are addressed to."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_accounts"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    account_id = models.CharField(_("account id"), max_length=128)

    class Meta:
        verbose_name = _("messenger account")
        verbose_name_plural = _("messenger accounts")
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="integ_channel_account_once"),
            models.UniqueConstraint(fields=["channel", "account_id"], name="integ_channel_account_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.channel} {self.account_id}"


class ConnectorSetting(models.Model):
    """The settings of one outside connector (SMS gateway, mail server, WeCom, DingTalk, Feishu)
    as an administrator entered them. `secrets` is write-only: set, replaced or cleared, never shown
    or audited; `values` holds the rest."""

    connector = models.CharField(_("connector"), max_length=16, unique=True)
    enabled = models.BooleanField(_("switched on"), default=False)
    values = models.JSONField(_("settings"), default=dict)
    secrets = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("connector setting")
        verbose_name_plural = _("connector settings")

    def __str__(self) -> str:
        return self.connector


class ReminderLog(models.Model):
    """A reminder that went out; the unique key makes every reminder go out once, even with two
    beat processes running the same sweep at the same moment."""

    kind = models.CharField(max_length=32)
    subject = models.CharField(max_length=64, help_text="what it is about, e.g. 'task:42'")
    occurrence = models.CharField(max_length=64, help_text="which due event, e.g. the due time")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "occurrence"], name="integ_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} {self.occurrence}"


class WebhookSubscriptionQuerySet(VisibleQuerySet):
    owner_field = "created_by"


class WebhookSubscription(models.Model):
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=128)
    events = models.JSONField(_("events"), default=list, help_text=_('event types, or ["*"] for all'))
    active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = WebhookSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        default_permissions = ACTIONS
        # The administration area's "Integrations" section (webhooks, API tokens): delegated to IT.
        permissions = [("manage_webhooks", _("Can administer webhooks and API tokens"))]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"

    def wants(self, event: str) -> bool:
        return self.active and ("*" in self.events or event in self.events)


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        RETRYING = "retrying", _("Retrying")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=64)
    event_id = models.CharField(max_length=64, help_text="idempotency key sent to the receiver")
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="integ_webhook_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id}: {self.status}"


class PersonalPlanQuerySet(VisibleQuerySet):
    owner_field = "owner"


class PersonalPlan(models.Model):
    """A person's own plan (个人计划) with a reminder at a chosen time."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_plans"
    )
    title = models.CharField(_("plan"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    remind_at = models.DateTimeField(_("remind me at"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PersonalPlanQuerySet.as_manager()

    class Meta:
        ordering = ["remind_at", "id"]
        verbose_name = _("personal plan")
        verbose_name_plural = _("personal plans")
        default_permissions = ACTIONS
        indexes = [models.Index(fields=["done", "remind_at"], name="integ_plan_due")]

    def __str__(self) -> str:
        return self.title


class MailingQuerySet(VisibleQuerySet):
    owner_field = "created_by"


class Mailing(models.Model):
    """A mass e-mail or SMS (群发) to a snapshot of recipients taken when it was sent."""

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    source = models.CharField(_("recipients from"), max_length=200, blank=True)
    # what the mailing is for, as its sender's app names it (e.g. "crm.campaign:12"), so that app can
    # show the mailings and their delivery/open counts on its own record without a link back here
    topic = models.CharField(_("topic"), max_length=100, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = MailingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.name


class MailingMessage(models.Model):
    """One recipient of a mailing: the address as it was when the mailing was sent."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (unsubscribed)")

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="messages")
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailing", "address"], name="integ_mailing_once")]
        indexes = [models.Index(fields=["status", "sent_at"], name="integ_mailing_msg_status")]

    def __str__(self) -> str:
        return f"{self.address}: {self.status}"


class OptOut(models.Model):
    """An address that asked for no more mass mailings (退订), kept apart from the CRM records so
    every copy of the address, on any contact or customer, is respected."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("unsubscribed address")
        verbose_name_plural = _("unsubscribed addresses")
        constraints = [models.UniqueConstraint(fields=["channel", "address"], name="integ_optout_once")]

    def __str__(self) -> str:
        return f"{self.channel}: {self.address}"


class TemplateOverride(models.Model):
    """An administrator's wording of a notification template in one language; without one, the
    shipped (translated) text is used. Reset to default = delete the row."""

    template = models.CharField(_("event"), max_length=64)
    language = models.CharField(_("language"), max_length=10)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    sms = models.CharField(_("SMS text"), max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        constraints = [
            models.UniqueConstraint(fields=["template", "language"], name="integ_template_override_once")
        ]

    def __str__(self) -> str:
        return f"{self.template} ({self.language})"
