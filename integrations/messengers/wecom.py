"""WeCom (企业微信): app messages to a member (gettoken + message/send with agentid and touser,
a text card with a button) and the group robot (webhook/send?key=..., markdown).

Answers carry `errcode`: 0 is success; -1 (system busy) and 45009/45033 (rate limits) are worth
another try; 40014/42001/41001 mean the access token must be fetched again. message/send also
answers 0 while listing the addressee in `invaliduser` when WeCom does not know them."""

from __future__ import annotations

from html import escape

from .http import ChannelError, Message, TokenCache, call_json, check_code, with_query, with_token

API = "https://qyapi.weixin.qq.com"
BUSY = {-1, 45009, 45033}
TOKEN_CODES = {40014, 42001, 41001}


class WeComApp:
    def __init__(
        self, *, corp_id: str, corp_secret: str, agent_id: str, api_base: str = "", timeout: float = 10
    ):
        if not (corp_id and corp_secret and agent_id):
            raise ChannelError(
                "WeCom app is not configured (corp id, secret, agent id)", retryable=False, code="config"
            )
        self.corp_id, self.corp_secret, self.agent_id = corp_id, corp_secret, agent_id
        self.api = (api_base or API).rstrip("/")
        self.timeout = timeout
        self.tokens = TokenCache("wecom", self.api, corp_id, corp_secret)

    def _fetch_token(self) -> tuple[str, int]:
        url = with_query(f"{self.api}/cgi-bin/gettoken", corpid=self.corp_id, corpsecret=self.corp_secret)
        answer = call_json("GET", url, timeout=self.timeout)
        check_code(answer, field="errcode", busy=BUSY)
        return answer["access_token"], int(answer.get("expires_in", 7200))

    def payload(self, *, to: str, message: Message) -> dict:
        if message.url:
            return {
                "touser": to,
                "msgtype": "textcard",
                "agentid": int(self.agent_id),
                "textcard": {
                    "title": message.title[:128],
                    "description": escape(message.text)[:512],
                    "url": message.url,
                    "btntxt": message.link_text or "详情",
                },
            }
        return {
            "touser": to,
            "msgtype": "text",
            "agentid": int(self.agent_id),
            "text": {"content": f"{message.title}\n{message.text}"},
        }

    def send(self, *, to: str, message: Message) -> str:
        body = self.payload(to=to, message=message)

        def post(token: str) -> str:
            url = with_query(f"{self.api}/cgi-bin/message/send", access_token=token)
            answer = call_json("POST", url, body=body, timeout=self.timeout)
            check_code(answer, field="errcode", busy=BUSY, token_codes=TOKEN_CODES)
            if to in str(answer.get("invaliduser", "")).split("|"):
                raise ChannelError(
                    f"WeCom does not know the member {to}", retryable=False, code="invaliduser"
                )
            return str(answer.get("msgid", ""))

        return with_token(self.tokens, self._fetch_token, post)


class WeComRobot:
    """A group robot's webhook URL carries its key; there is no signature."""

    def __init__(self, *, url: str, timeout: float = 10):
        if not url:
            raise ChannelError("no WeCom group robot URL", retryable=False, code="config")
        self.url, self.timeout = url, timeout

    @staticmethod
    def payload(message: Message) -> dict:
        lines = [f"**{message.title}**", message.text]
        if message.url:
            lines.append(f"[{message.link_text or '详情'}]({message.url})")
        return {"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}}

    def send(self, *, message: Message) -> str:
        answer = call_json("POST", self.url, body=self.payload(message), timeout=self.timeout)
        check_code(answer, field="errcode", busy=BUSY)
        return ""
