"""Local stand-ins for WeCom, DingTalk and Feishu: real HTTP servers in a thread that check what
the real APIs check (credentials, access tokens, agent ids, robot signatures and timestamps, the
message shapes) and answer with the real error codes, so a wrong request fails here as it would
there. Each records the messages it accepted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeApi:
    """Routes (method, path) to `handle_<name>` methods; each returns (status, json)."""

    routes: dict[tuple[str, str], str] = {}

    def __init__(self):
        self.accepted: list[dict] = []  # the message bodies the API accepted
        self.calls: list[tuple[str, str]] = []  # (method, path) of every request
        self.tokens: dict[str, float] = {}  # token -> expiry
        self.scripted: list[tuple[int, dict]] = []  # answers to give before checking anything
        self.token_lifetime = 7200
        self._ids = itertools.count(1)
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                api.calls.append((method, parts.path))
                name = api.routes.get((method, parts.path))
                if api.scripted and name and not name.startswith("token"):
                    status, answer = api.scripted.pop(0)
                elif name is None:
                    status, answer = 404, {"errcode": 404, "errmsg": "not found"}
                else:
                    try:
                        body = json.loads(raw) if raw else {}
                    except ValueError:
                        body = None
                    status, answer = getattr(api, name)(query=query, body=body, headers=self.headers)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def issue_token(self) -> str:
        token = f"tok-{next(self._ids)}"
        self.tokens[token] = time.time() + self.token_lifetime
        return token

    def token_ok(self, token: str | None) -> bool:
        return bool(token) and self.tokens.get(token, 0) > time.time()

    def expire_all_tokens(self):
        self.tokens.clear()

    def token_requests(self) -> int:
        return sum(1 for _m, path in self.calls if "token" in path)


class FakeWeCom(FakeApi):
    routes = {
        ("GET", "/cgi-bin/gettoken"): "token",
        ("POST", "/cgi-bin/message/send"): "app_send",
        ("POST", "/cgi-bin/webhook/send"): "robot_send",
    }

    def __init__(self, *, corp_id="ww-corp", corp_secret="wecom-secret-123", agent_id=1000002):
        super().__init__()
        self.corp_id, self.corp_secret, self.agent_id = corp_id, corp_secret, agent_id
        self.robot_key = "rk-1"
        self.members = {"ZhouJie"}

    def token(self, *, query, body, headers):
        if query.get("corpid") != self.corp_id:
            return 200, {"errcode": 40013, "errmsg": "invalid corpid"}
        if query.get("corpsecret") != self.corp_secret:
            return 200, {"errcode": 40001, "errmsg": "invalid credential"}
        return 200, {"errcode": 0, "errmsg": "ok", "access_token": self.issue_token(), "expires_in": 7200}

    def app_send(self, *, query, body, headers):
        if not self.token_ok(query.get("access_token")):
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        if not isinstance(body, dict) or body.get("agentid") != self.agent_id:
            return 200, {"errcode": 40056, "errmsg": "invalid agentid"}
        kind = body.get("msgtype")
        if kind == "textcard":
            card = body.get("textcard") or {}
            linked = str(card.get("url", "")).startswith("http")
            if not (card.get("title") and card.get("description") and linked):
                return 200, {"errcode": 44004, "errmsg": "textcard needs title, description and url"}
        elif kind != "text" or not (body.get("text") or {}).get("content"):
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        unknown = [u for u in str(body.get("touser", "")).split("|") if u not in self.members]
        if unknown:
            return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(unknown), "msgid": ""}
        self.accepted.append(body)
        return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": f"msg-{len(self.accepted)}"}

    def robot_send(self, *, query, body, headers):
        if query.get("key") != self.robot_key:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        if not isinstance(body, dict) or body.get("msgtype") not in {"text", "markdown"}:
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        if not (body.get(body["msgtype"]) or {}).get("content"):
            return 200, {"errcode": 40008, "errmsg": "empty content"}
        self.accepted.append(body)
        return 200, {"errcode": 0, "errmsg": "ok"}


def dingtalk_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class FakeDingTalk(FakeApi):
    routes = {
        ("GET", "/gettoken"): "token",
        ("POST", "/topapi/message/corpconversation/asyncsend_v2"): "app_send",
        ("POST", "/robot/send"): "robot_send",
    }

    def __init__(self, *, app_key="ding-key", app_secret="ding-secret-456", agent_id=2001):
        super().__init__()
        self.app_key, self.app_secret, self.agent_id = app_key, app_secret, agent_id
        self.robot_token, self.robot_secret = "rt-1", "SEC0123456789abcdef"

    def token(self, *, query, body, headers):
        if query.get("appkey") != self.app_key or query.get("appsecret") != self.app_secret:
            return 200, {"errcode": 40089, "errmsg": "invalid appkey or appsecret"}
        return 200, {"errcode": 0, "errmsg": "ok", "access_token": self.issue_token(), "expires_in": 7200}

    def app_send(self, *, query, body, headers):
        if not self.token_ok(query.get("access_token")):
            return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
        if not isinstance(body, dict) or body.get("agent_id") != self.agent_id:
            return 200, {"errcode": 400035, "errmsg": "invalid agent_id"}
        if not body.get("userid_list"):
            return 200, {"errcode": 400002, "errmsg": "userid_list is empty"}
        msg = body.get("msg") or {}
        if msg.get("msgtype") == "action_card":
            card = msg.get("action_card") or {}
            if not (card.get("title") and card.get("markdown") and card.get("single_title")):
                return 200, {"errcode": 400002, "errmsg": "action_card incomplete"}
            if not str(card.get("single_url", "")).startswith("http"):
                return 200, {"errcode": 400002, "errmsg": "single_url invalid"}
        elif msg.get("msgtype") != "text":
            return 200, {"errcode": 400002, "errmsg": "invalid msgtype"}
        self.accepted.append(body)
        return 200, {"errcode": 0, "errmsg": "ok", "task_id": 256271667526, "request_id": "req-1"}

    def robot_send(self, *, query, body, headers):
        if query.get("access_token") != self.robot_token:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
        if not timestamp.isdigit() or abs(int(timestamp) / 1000 - time.time()) > 3600:
            return 200, {"errcode": 310000, "errmsg": "timestamp is invalid"}
        if not hmac.compare_digest(sign, dingtalk_sign(self.robot_secret, timestamp)):
            return 200, {"errcode": 310000, "errmsg": "sign not match"}
        kind = (body or {}).get("msgtype")
        if kind not in {"text", "markdown", "actionCard"} or not body.get(kind):
            return 200, {"errcode": 40035, "errmsg": "invalid msgtype"}
        self.accepted.append(body)
        return 200, {"errcode": 0, "errmsg": "ok"}


SIGN_FAIL = {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}


def feishu_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class FakeFeishu(FakeApi):
    routes = {
        ("POST", "/open-apis/auth/v3/tenant_access_token/internal"): "token",
        ("POST", "/open-apis/im/v1/messages"): "app_send",
        ("POST", "/open-apis/bot/v2/hook/hook-1"): "robot_send",
    }

    def __init__(self, *, app_id="cli_a1", app_secret="feishu-secret-789"):
        super().__init__()
        self.app_id, self.app_secret = app_id, app_secret
        self.robot_secret = "feishu-bot-secret"
        self.users = {"ou_zhou"}

    def token(self, *, query, body, headers):
        given = (body.get("app_id"), body.get("app_secret")) if isinstance(body, dict) else None
        if given != (self.app_id, self.app_secret):
            return 400, {"code": 10014, "msg": "app secret invalid"}
        return 200, {"code": 0, "msg": "ok", "tenant_access_token": self.issue_token(), "expire": 7200}

    def app_send(self, *, query, body, headers):
        auth = headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not self.token_ok(auth[7:]):
            return 400, {"code": 99991663, "msg": "Invalid access token for authorization."}
        if query.get("receive_id_type") not in {"user_id", "open_id", "union_id", "email", "chat_id"}:
            return 400, {"code": 230001, "msg": "invalid receive_id_type"}
        if not isinstance(body, dict) or body.get("receive_id") not in self.users:
            return 400, {"code": 230013, "msg": "Bot has NO availability to this user."}
        if body.get("msg_type") != "interactive" or not isinstance(body.get("content"), str):
            return 400, {"code": 230001, "msg": "content must be a JSON string"}
        try:
            content = json.loads(body["content"])
        except ValueError:
            return 400, {"code": 230001, "msg": "content is not JSON"}
        if not (content.get("header") or {}).get("title", {}).get("content"):
            return 400, {"code": 230099, "msg": "card without a title"}
        self.accepted.append({**body, "content": content})
        return 200, {"code": 0, "msg": "success", "data": {"message_id": f"om_{len(self.accepted)}"}}

    def robot_send(self, *, query, body, headers):
        body = body if isinstance(body, dict) else {}
        timestamp, sign = str(body.get("timestamp", "")), body.get("sign", "")
        if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > 3600:
            return 200, SIGN_FAIL
        if not hmac.compare_digest(str(sign), feishu_sign(self.robot_secret, timestamp)):
            return 200, SIGN_FAIL
        if body.get("msg_type") not in {"text", "post", "interactive"}:
            return 200, {"code": 19002, "msg": "params error, msg_type need"}
        self.accepted.append(body)
        return 200, {"code": 0, "msg": "success", "data": {}}
