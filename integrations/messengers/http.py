"""The HTTP side every messenger adapter shares: a JSON call that sorts failures into "try again
later" (network, timeouts, 5xx, 429, the API's own busy / rate-limit codes) and "give up", and an
access-token cache shared by the web and worker processes (the Django cache)."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache


class ChannelError(Exception):
    """A message that did not go out; `retryable` says whether a later attempt may succeed."""

    def __init__(self, message: str, *, retryable: bool, code: str = ""):
        super().__init__(message)
        self.retryable = retryable
        self.code = str(code)


class TokenExpired(ChannelError):
    """The API refused the cached access token: fetch a new one and try once more."""

    def __init__(self, message: str, code: str):
        super().__init__(message, retryable=True, code=code)


@dataclass(frozen=True)
class Message:
    """What a messenger shows: a title, a short text, and a button opening `url` (absolute)."""

    title: str
    text: str
    url: str = ""
    link_text: str = ""


def with_query(url: str, **params) -> str:
    joiner = "&" if urllib.parse.urlsplit(url).query else "?"
    return url + joiner + urllib.parse.urlencode(params)


def call_json(
    method: str, url: str, *, body: dict | None = None, headers: dict | None = None, timeout: float = 10
) -> dict:
    """Send `body` as JSON, return the JSON answer. An HTTP error whose body is the API's own JSON
    error (Feishu answers 400 with {"code": ...}) is returned for the adapter to read."""
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - URLs come from the administrator's connector settings
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as error:
        raw = error.read()[:2000]
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if isinstance(answer, dict) and ("code" in answer or "errcode" in answer) and error.code < 500:
            return answer
        transient = error.code >= 500 or error.code == 429
        detail = raw[:300].decode("utf-8", "replace")
        raise ChannelError(
            f"HTTP {error.code}: {detail}", retryable=transient, code=f"http_{error.code}"
        ) from None
    except TimeoutError:
        raise ChannelError(f"no answer within {timeout}s", retryable=True, code="timeout") from None
    except urllib.error.URLError as error:
        raise ChannelError(f"unreachable: {error.reason}", retryable=True, code="unreachable") from None
    except OSError as error:
        raise ChannelError(f"connection failed: {error}", retryable=True, code="connection") from None
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        raise ChannelError("the answer is not JSON", retryable=True, code="not_json") from None
    if not isinstance(answer, dict):
        raise ChannelError("the answer is not a JSON object", retryable=True, code="not_json")
    return answer


def check_code(answer: dict, *, field: str, busy: set[int], token_codes: set[int] = frozenset()) -> None:
    """errcode/code 0 is success; anything else is a failure, retryable only when it says busy or
    rate-limited, and a refused token is TokenExpired."""
    code = answer.get(field, answer.get("StatusCode", 0))
    try:
        code = int(code)
    except (TypeError, ValueError):
        raise ChannelError(
            f"unexpected answer: {answer!r}"[:300], retryable=False, code="unexpected"
        ) from None
    if code == 0:
        return
    message = str(answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or "")
    if code in token_codes:
        raise TokenExpired(f"{code}: {message}", code=str(code))
    raise ChannelError(f"{code}: {message}"[:500], retryable=code in busy, code=str(code))


class TokenCache:
    """An access token per app, kept until shortly before the API says it expires."""

    MARGIN_SECONDS = 300

    def __init__(self, kind: str, *identity: str):
        digest = hashlib.sha256("\x1f".join(identity).encode()).hexdigest()[:32]
        self.key = f"baton:messenger-token:{kind}:{digest}"

    def get(self, fetch: Callable[[], tuple[str, int]]) -> str:
        token = cache.get(self.key)
        if token:
            return token
        token, expires_in = fetch()
        cache.set(self.key, token, max(60, int(expires_in) - self.MARGIN_SECONDS))
        return token

    def forget(self) -> None:
        cache.delete(self.key)


def with_token(tokens: TokenCache, fetch: Callable[[], tuple[str, int]], send: Callable[[str], str]) -> str:
    """send(token); when the API refuses the token (expired early, secret rotated), once more
    with a fresh one."""
    try:
        return send(tokens.get(fetch))
    except TokenExpired:
        tokens.forget()
        return send(tokens.get(fetch))
