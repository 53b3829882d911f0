"""Feishu (飞书): messages from the company's app to a member (auth/v3/tenant_access_token/internal
with app_id/app_secret, then im/v1/messages?receive_id_type=... with a Bearer token and an
interactive card whose `content` is a JSON string) and the custom group bot (bot/v2/hook/...,
signed with `timestamp` (s) and `sign` = base64 HMAC-SHA256 keyed by "<timestamp>\\n<secret>"
over an empty message, both in the body).

Answers carry `code` (Feishu also answers HTTP 400 with it): 0 is success; 99991400 and 11232
(rate limits) and 1000004/1500 (internal) are worth another try; 99991661/99991663/99991668 mean
a new tenant token; 19021 is a signature refusal."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from .http import ChannelError, Message, TokenCache, call_json, check_code, with_query, with_token

API = "https://open.feishu.cn"
BUSY = {99991400, 11232, 1000004, 1500}
TOKEN_CODES = {99991661, 99991663, 99991668}
RECEIVE_ID_TYPES = ("user_id", "open_id", "union_id", "email")


def bot_sign(secret: str, timestamp: str) -> str:
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def card(message: Message) -> dict:
    elements: list[dict] = [{"tag": "div", "text": {"tag": "lark_md", "content": message.text}}]
    if message.url:
        elements.append(
            {
                "tag": "action",
                "actions": [
                    {
                        "tag": "button",
                        "text": {"tag": "plain_text", "content": message.link_text or "查看详情"},
                        "type": "primary",
                        "url": message.url,
                    }
                ],
            }
        )
    return {
        "config": {"wide_screen_mode": True},
        "header": {"title": {"tag": "plain_text", "content": message.title}},
        "elements": elements,
    }


class FeishuApp:
    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        receive_id_type: str = "user_id",
        api_base: str = "",
        timeout: float = 10,
    ):
        if not (app_id and app_secret):
            raise ChannelError(
                "Feishu app is not configured (app id, secret)", retryable=False, code="config"
            )
        if receive_id_type not in RECEIVE_ID_TYPES:
            raise ChannelError(f"unknown receive_id_type {receive_id_type}", retryable=False, code="config")
        self.app_id, self.app_secret, self.receive_id_type = app_id, app_secret, receive_id_type
        self.api = (api_base or API).rstrip("/")
        self.timeout = timeout
        self.tokens = TokenCache("feishu", self.api, app_id, app_secret)

    def _fetch_token(self) -> tuple[str, int]:
        answer = call_json(
            "POST",
            f"{self.api}/open-apis/auth/v3/tenant_access_token/internal",
            body={"app_id": self.app_id, "app_secret": self.app_secret},
            timeout=self.timeout,
        )
        check_code(answer, field="code", busy=BUSY)
        return answer["tenant_access_token"], int(answer.get("expire", 7200))

    @staticmethod
    def payload(*, to: str, message: Message) -> dict:
        return {
            "receive_id": to,
            "msg_type": "interactive",
            "content": json.dumps(card(message), ensure_ascii=False),
        }

    def send(self, *, to: str, message: Message) -> str:
        body = self.payload(to=to, message=message)

        def post(token: str) -> str:
            url = with_query(f"{self.api}/open-apis/im/v1/messages", receive_id_type=self.receive_id_type)
            answer = call_json(
                "POST", url, body=body, headers={"Authorization": f"Bearer {token}"}, timeout=self.timeout
            )
            check_code(answer, field="code", busy=BUSY, token_codes=TOKEN_CODES)
            return str((answer.get("data") or {}).get("message_id", ""))

        return with_token(self.tokens, self._fetch_token, post)


class FeishuRobot:
    def __init__(self, *, url: str, secret: str = "", timeout: float = 10):
        if not url:
            raise ChannelError("no Feishu group bot URL", retryable=False, code="config")
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, *, message: Message) -> str:
        body: dict = {"msg_type": "interactive", "card": card(message)}
        if self.secret:
            timestamp = str(int(time.time()))
            body = {"timestamp": timestamp, "sign": bot_sign(self.secret, timestamp), **body}
        answer = call_json("POST", self.url, body=body, timeout=self.timeout)
        check_code(answer, field="code", busy=BUSY)
        return ""
