"""DingTalk (钉钉): work notifications to a member (gettoken with appkey/appsecret, then
topapi/message/corpconversation/asyncsend_v2 with agent_id and userid_list, an action card with
one button) and the group robot (robot/send?access_token=..., signed with `timestamp` (ms) and
`sign` = urlencoded base64 HMAC-SHA256(secret, "<timestamp>\\n<secret>") in the query).

Answers carry `errcode`: 0 is success; -1 (busy) and 90002/90018/130101 (sending too fast) are
worth another try; 40014/42001 mean a new access token; 310000 is a signature or keyword refusal."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from .http import ChannelError, Message, TokenCache, call_json, check_code, with_query, with_token

API = "https://oapi.dingtalk.com"
BUSY = {-1, 90002, 90018, 130101}
TOKEN_CODES = {40014, 42001}


def robot_sign(secret: str, timestamp: str) -> str:
    """The robot's signature before URL-encoding (with_query encodes it)."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _markdown(message: Message) -> str:
    return f"#### {message.title}\n\n{message.text}"


class DingTalkApp:
    def __init__(
        self, *, app_key: str, app_secret: str, agent_id: str, api_base: str = "", timeout: float = 10
    ):
        if not (app_key and app_secret and agent_id):
            raise ChannelError(
                "DingTalk app is not configured (app key, secret, agent id)", retryable=False, code="config"
            )
        self.app_key, self.app_secret, self.agent_id = app_key, app_secret, agent_id
        self.api = (api_base or API).rstrip("/")
        self.timeout = timeout
        self.tokens = TokenCache("dingtalk", self.api, app_key, app_secret)

    def _fetch_token(self) -> tuple[str, int]:
        url = with_query(f"{self.api}/gettoken", appkey=self.app_key, appsecret=self.app_secret)
        answer = call_json("GET", url, timeout=self.timeout)
        check_code(answer, field="errcode", busy=BUSY)
        return answer["access_token"], int(answer.get("expires_in", 7200))

    def payload(self, *, to: str, message: Message) -> dict:
        if message.url:
            msg = {
                "msgtype": "action_card",
                "action_card": {
                    "title": message.title,
                    "markdown": _markdown(message),
                    "single_title": message.link_text or "查看详情",
                    "single_url": message.url,
                },
            }
        else:
            msg = {"msgtype": "text", "text": {"content": f"{message.title}\n{message.text}"}}
        return {"agent_id": int(self.agent_id), "userid_list": to, "msg": msg}

    def send(self, *, to: str, message: Message) -> str:
        body = self.payload(to=to, message=message)

        def post(token: str) -> str:
            url = with_query(f"{self.api}/topapi/message/corpconversation/asyncsend_v2", access_token=token)
            answer = call_json("POST", url, body=body, timeout=self.timeout)
            check_code(answer, field="errcode", busy=BUSY, token_codes=TOKEN_CODES)
            return str(answer.get("task_id", ""))

        return with_token(self.tokens, self._fetch_token, post)


class DingTalkRobot:
    def __init__(self, *, url: str, secret: str = "", timeout: float = 10):
        if not url:
            raise ChannelError("no DingTalk group robot URL", retryable=False, code="config")
        self.url, self.secret, self.timeout = url, secret, timeout

    @staticmethod
    def payload(message: Message) -> dict:
        if message.url:
            return {
                "msgtype": "actionCard",
                "actionCard": {
                    "title": message.title,
                    "text": _markdown(message),
                    "btnOrientation": "0",
                    "singleTitle": message.link_text or "查看详情",
                    "singleURL": message.url,
                },
            }
        return {"msgtype": "markdown", "markdown": {"title": message.title, "text": _markdown(message)}}

    def send(self, *, message: Message) -> str:
        url = self.url
        if self.secret:
            timestamp = str(int(time.time() * 1000))
            url = with_query(url, timestamp=timestamp, sign=robot_sign(self.secret, timestamp))
        answer = call_json("POST", url, body=self.payload(message), timeout=self.timeout)
        check_code(answer, field="errcode", busy=BUSY)
        return ""
