"""SMS backends: a console backend (the default) and an HTTP SMS-gateway adapter.

The gateway adapter speaks a common JSON shape: POST {"to", "text", "sender"} with a bearer key,
expects 2xx and {"id": "<message id>"}. Timeouts and 5xx are retryable, 4xx are not.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    def __init__(self, message: str, *, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


class ConsoleSmsBackend:
    """Writes the message to the log: the embedded demo's and a developer's SMS gateway."""

    def send(self, *, to: str, text: str) -> str:
        message_id = uuid.uuid4().hex
        logger.info("SMS to %s: %s", to, text)
        return message_id


class HttpSmsGatewayBackend:
    def __init__(
        self,
        *,
        url: str | None = None,
        api_key: str | None = None,
        sender: str | None = None,
        timeout: float | None = None,
    ):
        self.url = url or settings.SMS_GATEWAY_URL
        self.api_key = api_key if api_key is not None else settings.SMS_GATEWAY_KEY
        self.sender = sender or settings.SMS_SENDER
        self.timeout = timeout or settings.SMS_TIMEOUT_SECONDS
        if not self.url:
            raise SmsError("SMS_GATEWAY_URL is not configured", retryable=False)

    def send(self, *, to: str, text: str) -> str:
        body = json.dumps({"to": to, "text": text, "sender": self.sender}).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL comes from settings, not from users
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.api_key}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = error.read()[:300].decode("utf-8", "replace")
            raise SmsError(f"gateway answered {error.code}: {detail}", retryable=error.code >= 500) from None
        except TimeoutError:
            raise SmsError(f"gateway did not answer within {self.timeout}s", retryable=True) from None
        except urllib.error.URLError as error:
            raise SmsError(f"gateway unreachable: {error.reason}", retryable=True) from None
        except ValueError as error:
            raise SmsError(f"gateway answered something that is not JSON: {error}", retryable=True) from None
        message_id = payload.get("id") if isinstance(payload, dict) else None
        if not message_id:
            raise SmsError(f"gateway accepted but gave no message id: {payload!r}", retryable=False)
        return str(message_id)


def sms_backend():
    """The gateway IT set up in the administration area when switched on, else the deployment's."""
    from .connector_settings import sms_settings

    config = sms_settings()
    if config is not None:
        return HttpSmsGatewayBackend(
            url=config.get("gateway_url"),
            api_key=config.get("api_key", ""),
            sender=config.get("sender") or None,
        )
    return import_string(settings.SMS_BACKEND)()
