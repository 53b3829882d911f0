"""Connector settings entered by IT in the administration area: the SMS gateway, the mail server
and the WeCom / DingTalk / Feishu apps and group robots.

Secrets are write-only: a service sets, replaces or clears them; pages show only "set · ends
with …4f2a"; the audit row names which secrets changed, never their values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.services import audit_record
from core.errors import NotPermitted, ValidationFailed
from core.memo import remembered

from .messengers.dingtalk import DingTalkApp, DingTalkRobot
from .messengers.feishu import RECEIVE_ID_TYPES, FeishuApp, FeishuRobot
from .messengers.http import ChannelError, Message
from .messengers.wecom import WeComApp, WeComRobot
from .models import MESSENGERS, Channel, ChannelAccount, ConnectorSetting

PERMISSION = "integrations.manage_webhooks"


@dataclass(frozen=True)
class SettingField:
    name: str
    label: str
    kind: str = "text"  # text, url, number, bool, select
    secret: bool = False
    required: bool = False  # when the connector is switched on
    choices: tuple = ()
    help: str = ""


@dataclass(frozen=True)
class Connector:
    key: str
    title: str
    description: str
    fields: tuple[SettingField, ...]
    channel: str = ""

    def field(self, name: str) -> SettingField:
        return next(f for f in self.fields if f.name == name)


_API_BASE_HELP = _("Leave empty for the public service; a private deployment or a proxy goes here.")
_ROBOT_QUEUE = SettingField(
    "robot_queue_tasks",
    _("Post tasks waiting in a group queue to the group robot"),
    kind="bool",
    help=_("Nobody is told one by one about a task offered to a whole group; the group chat is."),
)
_DEFAULT_ON = SettingField(
    "default_on",
    _("Send notifications here by default"),
    kind="bool",
    help=_("People who have not chosen their channels get their notifications here too."),
)

CONNECTORS: dict[str, Connector] = {
    c.key: c
    for c in (
        Connector(
            "sms",
            _("SMS gateway"),
            _("Text messages to mobile phones."),
            (
                SettingField("gateway_url", _("Gateway URL"), kind="url", required=True),
                SettingField("api_key", _("API key"), secret=True, required=True),
                SettingField("sender", _("Sender name")),
            ),
            channel=Channel.SMS,
        ),
        Connector(
            "mail",
            _("Mail server"),
            _("The SMTP server notifications and mailings are sent through."),
            (
                SettingField("host", _("SMTP host"), required=True),
                SettingField("port", _("Port"), kind="number", required=True),
                SettingField("username", _("User name")),
                SettingField("password", _("Password"), secret=True),
                SettingField("use_tls", _("Use TLS"), kind="bool"),
                SettingField("from_email", _("Sender address"), required=True),
            ),
            channel=Channel.EMAIL,
        ),
        Connector(
            "wecom",
            _("WeCom"),
            _("App messages to each person's WeCom, and a group robot."),
            (
                SettingField("corp_id", _("Corp ID"), required=True),
                SettingField("agent_id", _("Agent ID"), kind="number", required=True),
                SettingField("corp_secret", _("App secret"), secret=True, required=True),
                SettingField("robot_url", _("Group robot webhook URL"), kind="url", secret=True),
                _ROBOT_QUEUE,
                _DEFAULT_ON,
                SettingField("api_base", _("API address"), kind="url", help=_API_BASE_HELP),
            ),
            channel=Channel.WECOM,
        ),
        Connector(
            "dingtalk",
            _("DingTalk"),
            _("Work notifications to each person's DingTalk, and a group robot."),
            (
                SettingField("app_key", _("App key"), required=True),
                SettingField("agent_id", _("Agent ID"), kind="number", required=True),
                SettingField("app_secret", _("App secret"), secret=True, required=True),
                SettingField("robot_url", _("Group robot webhook URL"), kind="url", secret=True),
                SettingField("robot_secret", _("Group robot signing secret"), secret=True),
                _ROBOT_QUEUE,
                _DEFAULT_ON,
                SettingField("api_base", _("API address"), kind="url", help=_API_BASE_HELP),
            ),
            channel=Channel.DINGTALK,
        ),
        Connector(
            "feishu",
            _("Feishu"),
            _("Messages from the company's app to each person's Feishu, and a group bot."),
            (
                SettingField("app_id", _("App ID"), required=True),
                SettingField("app_secret", _("App secret"), secret=True, required=True),
                SettingField(
                    "receive_id_type",
                    _("People are identified by"),
                    kind="select",
                    choices=tuple((t, t) for t in RECEIVE_ID_TYPES),
                ),
                SettingField("robot_url", _("Group bot webhook URL"), kind="url", secret=True),
                SettingField("robot_secret", _("Group bot signing secret"), secret=True),
                _ROBOT_QUEUE,
                _DEFAULT_ON,
                SettingField("api_base", _("API address"), kind="url", help=_API_BASE_HELP),
            ),
            channel=Channel.FEISHU,
        ),
    )
}


def get_connector(key: str) -> Connector:
    try:
        return CONNECTORS[key]
    except KeyError:
        raise ValidationFailed(
            _g("There is no such connector."), fields={"connector": [_g("Unknown.")]}
        ) from None


def _require_manager(actor) -> None:
    if actor is not None and not (actor.is_superuser or actor.has_perm(PERMISSION)):
        raise NotPermitted(_g("You may not manage connectors."))


def secret_hint(value: str) -> str:
    """How a stored secret is shown: never the value, only that it is set and its last characters."""
    if not value:
        return ""
    tail = value[-4:] if len(value) >= 12 else ""
    return _g("set · ends with …%(tail)s") % {"tail": tail} if tail else _g("set")


def _clean(connector: Connector, values: dict, enabled: bool, stored_secrets: dict) -> dict:
    cleaned: dict = {}
    errors: dict[str, list[str]] = {}
    for spec in connector.fields:
        if spec.secret:
            continue
        raw = values.get(spec.name)
        if spec.kind == "bool":
            cleaned[spec.name] = bool(raw) and raw not in ("0", "false", "off")
            continue
        text = (raw or "").strip() if isinstance(raw, str) else ("" if raw is None else str(raw))
        if text and spec.kind == "url":
            parsed = urlparse(text)
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                errors[spec.name] = [_g("Enter a full http(s) URL.")]
        if text and spec.kind == "number" and not text.isdigit():
            errors[spec.name] = [_g("Enter a whole number.")]
        if text and spec.kind == "select" and text not in {c for c, _l in spec.choices}:
            errors[spec.name] = [_g("Choose one of the listed values.")]
        if spec.name == "from_email" and text and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
            errors[spec.name] = [_g("Enter an e-mail address.")]
        cleaned[spec.name] = text
    for spec in connector.fields:
        if spec.secret and spec.kind == "url" and stored_secrets.get(spec.name):
            parsed = urlparse(stored_secrets[spec.name])
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                errors[spec.name] = [_g("Enter a full http(s) URL.")]
    if enabled:
        for spec in connector.fields:
            present = stored_secrets.get(spec.name) if spec.secret else cleaned.get(spec.name)
            if spec.required and not present and spec.name not in errors:
                errors[spec.name] = [_g("Required to switch this connector on.")]
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(
            _g("%(field)s: %(error)s") % {"field": connector.field(first).label, "error": errors[first][0]},
            fields=errors,
        )
    return cleaned


@transaction.atomic
def connector_save(
    *,
    actor,
    connector: str,
    enabled: bool,
    values: dict,
    new_secrets: dict | None = None,
    clear_secrets: list[str] | None = None,
) -> ConnectorSetting:
    """Save a connector's settings. A secret is replaced when a new value is given, removed when
    listed in `clear_secrets`, else kept."""
    _require_manager(actor)
    spec = get_connector(connector)
    setting, _created = ConnectorSetting.objects.select_for_update().get_or_create(connector=spec.key)
    secret_names = {f.name for f in spec.fields if f.secret}
    secrets = dict(setting.secrets)
    replaced = sorted(n for n, v in (new_secrets or {}).items() if n in secret_names and v)
    cleared = sorted(
        n for n in (clear_secrets or []) if n in secret_names and n not in replaced and n in secrets
    )
    for name in replaced:
        secrets[name] = new_secrets[name].strip()
    for name in cleared:
        secrets.pop(name, None)
    cleaned = _clean(spec, values, enabled, secrets)
    before = {"enabled": setting.enabled, **setting.values}
    setting.enabled, setting.values, setting.secrets = enabled, cleaned, secrets
    setting.updated_at = timezone.now()
    setting.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    setting.save()
    after = {"enabled": enabled, **cleaned}
    changes = {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }
    if changes or replaced or cleared:
        extra = {"connector": spec.key}
        if replaced:
            extra["secrets_replaced"] = replaced
        if cleared:
            extra["secrets_cleared"] = cleared
        audit_record(action=AuditEvent.Action.CHANGE, actor=actor, obj=setting, changes=changes, extra=extra)
    return setting


def connector_config(key: str) -> dict | None:
    """A switched-on connector's settings with its secrets (for the adapters only), else None."""
    setting = ConnectorSetting.objects.filter(connector=key, enabled=True).first()
    return {**setting.values, **setting.secrets} if setting else None


def enabled_messengers() -> dict[str, dict]:
    """{channel: config} of the messengers switched on (read-only); remembered (core.memo) until a
    connector setting changes, so a task created or a notification sent costs no extra query."""

    def read():
        rows = ConnectorSetting.objects.filter(connector__in=MESSENGERS, enabled=True)
        return {row.connector: {**row.values, **row.secrets} for row in rows}

    return remembered("enabled_messengers", read, scope="connectors")


def _timeout() -> float:
    return float(settings.SMS_TIMEOUT_SECONDS)


def app_for(channel: str, config: dict | None):
    """The app-message adapter of a messenger from its settings."""
    if config is None:
        raise ChannelError(f"{channel} is not switched on", retryable=False, code="off")
    base = config.get("api_base", "")
    if channel == Channel.WECOM:
        return WeComApp(
            corp_id=config.get("corp_id", ""),
            corp_secret=config.get("corp_secret", ""),
            agent_id=config.get("agent_id", ""),
            api_base=base,
            timeout=_timeout(),
        )
    if channel == Channel.DINGTALK:
        return DingTalkApp(
            app_key=config.get("app_key", ""),
            app_secret=config.get("app_secret", ""),
            agent_id=config.get("agent_id", ""),
            api_base=base,
            timeout=_timeout(),
        )
    if channel == Channel.FEISHU:
        return FeishuApp(
            app_id=config.get("app_id", ""),
            app_secret=config.get("app_secret", ""),
            receive_id_type=config.get("receive_id_type") or "user_id",
            api_base=base,
            timeout=_timeout(),
        )
    raise ChannelError(f"{channel} is not a messenger", retryable=False, code="config")


def robot_for(channel: str, config: dict):
    url = config.get("robot_url", "")
    if channel == Channel.WECOM:
        return WeComRobot(url=url, timeout=_timeout())
    if channel == Channel.DINGTALK:
        return DingTalkRobot(url=url, secret=config.get("robot_secret", ""), timeout=_timeout())
    return FeishuRobot(url=url, secret=config.get("robot_secret", ""), timeout=_timeout())


def sms_settings() -> dict | None:
    return connector_config("sms")


def mail_connection():
    """(connection, sender) for the mail server set in the administration area, else the
    deployment's (settings.EMAIL_*)."""
    config = connector_config("mail")
    if config is None:
        return None, settings.DEFAULT_FROM_EMAIL
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=config["host"],
        port=int(config.get("port") or 25),
        username=config.get("username") or None,
        password=config.get("password") or None,
        use_tls=bool(config.get("use_tls")),
        timeout=_timeout(),
    )
    return connection, config.get("from_email") or settings.DEFAULT_FROM_EMAIL


def account_id(user, channel: str) -> str:
    row = (
        ChannelAccount.objects.filter(user=user, channel=channel).values_list("account_id", flat=True).first()
    )
    return row or ""


@dataclass(frozen=True)
class TestResult:
    target: str
    ok: bool
    detail: str


def connector_send_test(*, actor, connector: str, to: str = "") -> list[TestResult]:
    """Send a test message through a connector as saved (switched on or not), so IT sees the
    outside service answer before real notifications flow. `to`: a phone number (SMS), an address
    (mail) or an account id (messengers; default the sender's own). Audited, without secrets."""
    from django.core.mail import send_mail

    from .sms import HttpSmsGatewayBackend, SmsError

    _require_manager(actor)
    spec = get_connector(connector)
    setting = ConnectorSetting.objects.filter(connector=spec.key).first()
    config = {**setting.values, **setting.secrets} if setting else {}
    to = (to or "").strip()
    title = _g("Test message from Baton")
    text = _g("If you can read this, %(connector)s is set up correctly.") % {"connector": spec.title}
    results: list[TestResult] = []

    def attempt(target: str, send) -> None:
        try:
            reference = send()
        except (ChannelError, SmsError, OSError) as error:
            results.append(TestResult(target, False, str(error)[:300]))
        else:
            results.append(TestResult(target, True, reference or ""))

    if spec.key == "sms":
        if not to:
            raise ValidationFailed(
                _g("Enter a phone number to send the test to."), fields={"to": [_g("Required.")]}
            )
        if not config.get("gateway_url"):
            results.append(TestResult(to, False, _g("No gateway URL is set.")))
        else:
            backend = HttpSmsGatewayBackend(
                url=config["gateway_url"],
                api_key=config.get("api_key", ""),
                sender=config.get("sender") or None,
            )
            attempt(to, lambda: backend.send(to=to, text=f"{title}: {text}"))
    elif spec.key == "mail":
        to = to or getattr(actor, "email", "")
        if not to:
            raise ValidationFailed(
                _g("Enter an address to send the test to."), fields={"to": [_g("Required.")]}
            )
        if not config.get("host"):
            results.append(TestResult(to, False, _g("No SMTP host is set.")))
        else:
            connection = get_connection(
                "django.core.mail.backends.smtp.EmailBackend",
                host=config["host"],
                port=int(config.get("port") or 25),
                username=config.get("username") or None,
                password=config.get("password") or None,
                use_tls=bool(config.get("use_tls")),
                timeout=_timeout(),
            )
            attempt(
                to,
                lambda: str(
                    send_mail(
                        title,
                        text,
                        config.get("from_email") or settings.DEFAULT_FROM_EMAIL,
                        [to],
                        connection=connection,
                    )
                ),
            )
    else:
        message = Message(title=title, text=text)
        target = to or (account_id(actor, spec.channel) if actor is not None else "")
        if target:
            attempt(target, lambda: app_for(spec.channel, config).send(to=target, message=message))
        if config.get("robot_url"):
            attempt(_g("group robot"), lambda: robot_for(spec.channel, config).send(message=message))
        if not results:
            raise ValidationFailed(
                _g("Enter an account id to send the test to, or set a group robot URL."),
                fields={"to": [_g("Required.")]},
            )
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=actor,
        obj=setting,
        extra={
            "connector": spec.key,
            "test_message": [{"to": r.target, "ok": r.ok} for r in results],
        },
    )
    return results
