"""The one-click unsubscribe page (RFC 8058), a small WSGI app on Werkzeug.

POST /TOKEN with `List-Unsubscribe=One-Click` is what mail providers send when a person
presses their Unsubscribe button: no cookies, no page, an answer in one request. GET /TOKEN
is a person following the link: a page in the message's language with one button, because
link scanners fetch links too and must not unsubscribe anyone.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from outreach.services.unsubscribe import Answer, Outcome

Action = Callable[[str, datetime], Answer]

_TEXTS = {
    "en": {
        "ask": "Stop hearing from {brand}?", "button": "Unsubscribe",
        "done": "You are unsubscribed. {brand} will not write to you again.",
        "already": "You were already unsubscribed. {brand} will not write to you again.",
        "invalid": "This link is not valid. Reply to the message with \"unsubscribe\" instead.",
        "expired": "This link has expired. Reply to the message with \"unsubscribe\" instead.",
    },
    "ja": {
        "ask": "{brand}からの連絡を停止しますか？", "button": "配信停止",
        "done": "配信を停止しました。{brand}から今後ご連絡することはありません。",
        "already": "すでに配信停止済みです。{brand}から今後ご連絡することはありません。",
        "invalid": "このリンクは無効です。メールに「配信停止」とご返信ください。",
        "expired": "このリンクは有効期限切れです。メールに「配信停止」とご返信ください。",
    },
    "ko": {
        "ask": "{brand}의 연락을 더 이상 받지 않으시겠습니까?", "button": "수신거부",
        "done": "수신거부가 완료되었습니다. {brand}에서 다시 연락드리지 않겠습니다.",
        "already": "이미 수신거부되었습니다. {brand}에서 다시 연락드리지 않겠습니다.",
        "invalid": "유효하지 않은 링크입니다. 메일에 \"수신거부\"라고 회신해 주세요.",
        "expired": "만료된 링크입니다. 메일에 \"수신거부\"라고 회신해 주세요.",
    },
}  # fmt: skip
_KEYS = {Outcome.UNSUBSCRIBED: "done", Outcome.ALREADY: "already",
         Outcome.INVALID: "invalid", Outcome.EXPIRED: "expired"}  # fmt: skip
_STATUS = {Outcome.UNSUBSCRIBED: 200, Outcome.ALREADY: 200, Outcome.INVALID: 400,
           Outcome.EXPIRED: 410}  # fmt: skip


def make_wsgi_app(
    look_up: Action, unsubscribe: Action, clock: Callable[[], datetime]
) -> Callable[..., Iterable[bytes]]:
    """The WSGI application: `look_up` for GET (changes nothing), `unsubscribe` for POST."""
    from werkzeug.wrappers import Request, Response

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        token = request.path.rstrip("/").rsplit("/", 1)[-1]
        if request.method == "POST":
            answer = unsubscribe(token, clock())
            body = _page(answer, _texts(answer)[_KEYS[answer.outcome]])
        elif request.method in ("GET", "HEAD"):
            answer = look_up(token, clock())
            body = _page(answer, _form(answer) if answer.outcome is Outcome.UNSUBSCRIBED
                         else _texts(answer)[_KEYS[answer.outcome]])  # fmt: skip
        else:
            response = Response("method not allowed", status=405, headers={"Allow": "GET, POST"})
            return response(environ, start_response)
        response = Response(body, status=_STATUS[answer.outcome],
                            content_type="text/html; charset=utf-8")  # fmt: skip
        # Nothing about a person may be kept by a proxy or shown to the next visitor.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response(environ, start_response)

    return application


def serve(application: Callable[..., Iterable[bytes]], host: str, port: int) -> None:
    """Serve until interrupted (Werkzeug's threaded server; put HTTPS in front of it)."""
    from werkzeug.serving import run_simple

    run_simple(host, port, application, threaded=True, use_reloader=False)


def _texts(answer: Answer) -> dict[str, str]:
    texts = _TEXTS.get(answer.language, _TEXTS["en"])
    brand = answer.brand or "us"
    return {key: value.replace("{brand}", html.escape(brand)) for key, value in texts.items()}


def _form(answer: Answer) -> str:
    texts = _texts(answer)
    # The form posts exactly what RFC 8058 clients send, so both paths are one.
    return (f"<p>{texts['ask']}</p><form method=post>"
            "<input type=hidden name=List-Unsubscribe value=One-Click>"
            f"<button type=submit>{texts['button']}</button></form>")  # fmt: skip


def _page(answer: Answer, content: str) -> str:
    lang = answer.language if answer.language in _TEXTS else "en"
    if not content.startswith("<"):
        content = f"<p>{content}</p>"
    return (f"<!doctype html><html lang={lang}><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width'><title>Unsubscribe</title>"
            f"<body style='font-family:sans-serif;max-width:32em;margin:3em auto'>{content}"
            "</body></html>")  # fmt: skip
