"""The review server: a Starlette app that serves the page, the items, the images by content id,
and takes decisions (each on disk before the answer).

Safe by default: the server binds 127.0.0.1 unless told otherwise, and then every request must
carry a random token (the URL printed at start has it, as Jupyter's does; the page keeps it in
a cookie). A request that changes something is a POST of JSON whose Origin, when the browser
sends one, is this server's own: a page of another origin can neither send JSON here without a
preflight, which this server never grants, nor pass the origin check. The Host header must name
this server (no DNS rebinding). Images are served by content id only; the client names no path.
Every bad request gets a 4xx answer with one line of JSON (``{"error": ...}``) and changes nothing.
"""

from __future__ import annotations

import io
import json
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image as PILImage
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from fmnist.review.ledger import Decision, Ledger, ReviewError

PAGE = Path(__file__).with_name("page.html")
TOKEN_COOKIE = "fmnist_review_token"
IMAGE_ID = re.compile(r"^[0-9a-f]{16}$")
MAX_BODY = 1_000_000  # bytes of a request's JSON


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def item_state(ledger: Ledger, key: str) -> dict[str, Any]:
    item = ledger.data.by_key[key]
    return {"reviewed": ledger.reviewed(item), "rows": ledger.state(item)}


def decision_answer(ledger: Ledger, decision: Decision) -> dict[str, Any]:
    return {
        "decision": decision.id,
        "progress": ledger.progress(),
        "items": {key: item_state(ledger, key) for key in decision.items},
    }


def png(pixels) -> bytes:
    """The image as it is, 28x28: the page enlarges it with its pixels kept (CSS pixelated)."""
    out = io.BytesIO()
    PILImage.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or :class:`ReviewError`: it must come as application/json from
    this server's own page (a form or a page of another origin is refused)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise ReviewError(415, "send the request body as application/json")
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.headers.get('host')}":
        raise ReviewError(403, f"a request from another origin ({origin}) is refused")
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise ReviewError(403, "a request from another site is refused")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ReviewError(413, f"request body over {MAX_BODY} bytes")
    try:
        value = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReviewError(400, f"malformed JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ReviewError(400, "the JSON body must be an object")
    return value


def text(body: dict[str, Any], key: str, default: str = "") -> str:
    value = body.get(key, default)
    if not isinstance(value, str):
        raise ReviewError(400, f"{key} must be a string, not {type(value).__name__}")
    return value


def build_app(
    ledger: Ledger,
    token: str | None = None,
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
    summary: Callable[[], dict[str, Any]] | None = None,
    notices: list[str] | None = None,
) -> Starlette:
    """The app for ``ledger``'s review; ``token``: required of every request when set;
    ``summary``: what the decisions change (computed on request); ``notices``: lines the page
    shows (e.g. that the audit is out of date), which the caller may append to later."""
    data = ledger.data
    page_html = PAGE.read_text()  # once, not on every request
    notices = notices if notices is not None else []
    hosts = set(allowed_hosts)

    async def page(request: Request) -> Response:
        response = HTMLResponse(page_html)
        if token and request.query_params.get("token") == token:
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
        )
        return response

    async def state(request: Request) -> Response:
        items = [{**item.to_json(), **item_state(ledger, item.key)} for item in data.items]
        return JSONResponse(
            {
                "classes": list(data.classes),
                "items": items,
                "progress": ledger.progress(),
                "corrections": str(ledger.path),
                "reviewer": ledger.reviewer,
                "notices": notices,
            }
        )

    async def item_detail(request: Request) -> Response:
        key = request.path_params["key"]
        if key not in data.by_key:
            raise ReviewError(404, f"no such item: {key}")
        item = data.by_key[key]
        images = {}
        for image in item.images:
            near = {
                "given": data.nearest(image.id, image.label) if image.label in data.classes else []
            }
            if item.suggested:
                near["suggested"] = data.nearest(image.id, item.suggested)
            images[image.id] = {"top": data.top_classes(image.id), "nearest": near}
        return JSONResponse({"key": key, "images": images, **item_state(ledger, key)})

    async def image(request: Request) -> Response:
        name = request.path_params["name"]
        if not IMAGE_ID.match(name) or name not in data.pixels:
            raise ReviewError(404, f"no such image: {name[:40]}")
        return Response(
            png(data.pixels[name]),
            media_type="image/png",
            headers={"Cache-Control": "max-age=31536000, immutable"},
        )

    async def decide(request: Request) -> Response:
        body = await json_body(request)
        keys = body.get("items")
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ReviewError(400, "items must be a list of item keys")
        decision = ledger.decide(
            keys,
            text(body, "action"),
            label=text(body, "label"),
            keep=text(body, "keep"),
            reason=text(body, "reason"),
            reviewer=text(body, "reviewer"),
        )
        return JSONResponse(decision_answer(ledger, decision))

    async def undo(request: Request) -> Response:
        body = await json_body(request)
        return JSONResponse(decision_answer(ledger, ledger.undo(text(body, "decision"))))

    async def summary_route(request: Request) -> Response:
        if summary is None:
            raise ReviewError(404, "no summary in this server")
        return JSONResponse(await run_in_threadpool(summary))

    async def review_error(request: Request, exc: ReviewError) -> Response:
        return error(exc.status, str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        return error(status, f"{getattr(exc, 'detail', '') or 'error'}: {request.url.path}")

    async def guard(request: Request, call_next):
        host = request.headers.get("host", "").rsplit(":", 1)[0].strip("[]")
        if host not in hosts:
            return error(400, f"host {host!r} is not this server's")
        if token:
            given = request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE, "")
            if not secrets.compare_digest(given, token):
                return error(403, "this server needs the token its URL carries (?token=...)")
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return Starlette(
        routes=[
            Route("/", page),
            Route("/api/state", state),
            Route("/api/item/{key:path}", item_detail),
            Route("/api/image/{name}.png", image),
            Route("/api/decide", decide, methods=["POST"]),
            Route("/api/undo", undo, methods=["POST"]),
            Route("/api/summary", summary_route),
        ],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=guard), Middleware(GZipMiddleware)],
        exception_handlers={ReviewError: review_error, 404: http_error, 405: http_error},
    )
