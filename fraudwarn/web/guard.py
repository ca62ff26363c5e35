"""One ASGI middleware for what every request passes: host, token, origin, load and size.

Order matters and is fixed here: a forged Host (DNS rebinding) is refused first, then a
missing token, a cross-site form post, overload (503 at once, never an unbounded queue)
and an oversized body (413, from Content-Length or while the body streams in).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fraudwarn.web.settings import Settings, is_loopback

COOKIE = "fraudwarn_token"
UPLOAD_PATHS = ("/api/v1/jobs", "/batch")
#: Multipart framing and form fields around the file itself.
UPLOAD_SLACK = 64 << 10
OPEN_PATHS = ("/api/v1/health",)
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'self'; connect-src 'self'")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # "no-referrer" makes Chrome send Origin: null on form posts
    "x-frame-options": "SAMEORIGIN",
    "cross-origin-opener-policy": "same-origin",
}


class _TooLarge(Exception):
    pass


ErrorRenderer = Callable[[str, int, str], Response]


def default_error(path: str, status: int, detail: str) -> Response:
    return JSONResponse({"detail": detail}, status_code=status)


class Guard:
    def __init__(self, app: ASGIApp, settings: Settings, render_error: ErrorRenderer = default_error) -> None:
        self.app = app
        self.settings = settings
        self.render_error = render_error
        self.in_flight = 0
        self.rejected = 0  # overload answers so far (the load test reads it from /api/v1/health)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        headers = Headers(scope=scope)
        s = self.settings

        async def refuse(status: int, detail: str, extra: dict[str, str] | None = None) -> None:
            resp = self.render_error(path, status, detail)
            for k, v in (extra or {}).items():
                resp.headers[k] = v
            await resp(scope, receive, _with_headers(send))

        if s.loopback and not _loopback_host(headers.get("host", "")):
            await refuse(403, "请求的主机名不是本机地址：工作台只接受 127.0.0.1 或 localhost 的访问。")
            return
        if s.token and not path.startswith("/static/") and path not in OPEN_PATHS and not self._authorised(headers):
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            given = query.get("token", "")
            if method == "GET" and not path.startswith("/api/") and given and _same(given, s.token):
                rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
                resp = RedirectResponse(path + ("?" + rest if rest else ""), status_code=303)
                resp.set_cookie(COOKIE, s.token, httponly=True, samesite="strict")
                await resp(scope, receive, _with_headers(send))
                return
            await refuse(401, "需要访问令牌：请在请求头加 Authorization: Bearer <令牌>，"
                              "或在浏览器中打开 /?token=<令牌>（令牌即 fraudwarn serve --token 的值）。",
                         {"www-authenticate": "Bearer"})
            return
        if method not in ("GET", "HEAD", "OPTIONS"):
            origin = headers.get("origin")
            if origin is not None and (origin == "null" or urlsplit(origin).netloc != headers.get("host")):
                await refuse(403, "跨站请求被拒绝：只接受来自工作台本身页面的提交。")
                return
        counted = not path.startswith("/static/")
        if counted and self.in_flight >= s.max_concurrent:
            self.rejected += 1
            await refuse(503, f"服务器繁忙：同时处理的请求已达上限（{s.max_concurrent}），请稍后重试。",
                         {"retry-after": "1"})
            return
        limit = s.max_body_bytes
        if method == "POST" and path in UPLOAD_PATHS:
            limit = s.upload_limit_bytes + UPLOAD_SLACK
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await refuse(413, _too_large_text(limit))
            return
        received = 0
        started = overflow = False

        async def limited_receive() -> Message:
            nonlocal received, overflow
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    overflow = True
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if overflow and not started:
                return  # the app's answer to a cut-off body (FastAPI says 400) is replaced by 413 below
            if message["type"] == "http.response.start":
                started = True
            await _with_headers(send)(message)

        if counted:
            self.in_flight += 1
        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            pass
        finally:
            if counted:
                self.in_flight -= 1
        if overflow and not started:
            await refuse(413, _too_large_text(limit))

    def _authorised(self, headers: Headers) -> bool:
        token = self.settings.token or ""
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer " and _same(auth[7:].strip(), token):
            return True
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is simply no token
            return False
        return COOKIE in cookie and _same(cookie[COOKIE].value, token)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _loopback_host(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if host.startswith("["):
        name = host[: host.find("]") + 1]
    return is_loopback(name)


def _too_large_text(limit: int) -> str:
    size = f"{limit / (1 << 20):.0f} MB" if limit >= 1 << 20 else f"{limit / 1024:.0f} KB"
    return f"请求太大：超过 {size} 的限制。请减少一次提交的内容，或拆分文件后再上传。"


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            h = MutableHeaders(scope=message)
            for k, v in SECURITY_HEADERS.items():
                if k not in h:
                    h[k] = v
            if "content-security-policy" not in h:
                h["content-security-policy"] = CSP
        await send(message)

    return wrapped
