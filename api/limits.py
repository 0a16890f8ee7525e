"""A cap on the size of request bodies, enforced before any of a body is parsed."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response

__all__ = ["BodyLimitMiddleware"]


class BodyTooLarge(HTTPException):
    """Raised from `receive` to stop the app reading; an HTTPException so that FastAPI passes it through."""

    def __init__(self) -> None:
        super().__init__(413)


class BodyLimitMiddleware:
    """Answer 413 (problem+json) to a body over `max_bytes`: by Content-Length up front, else while it streams."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must not be negative")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with a counting `receive`, or refuse it outright when it declares too much."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self.refuse(scope, receive, send)
            return
        await LimitedRequest(self, scope, receive, send).run()

    async def refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the 413 problem."""
        detail = f"The request body is larger than the limit of {self.max_bytes} bytes."
        response = problem_response(413, "Content Too Large", detail, headers={"Connection": "close"})
        await response(scope, receive, send)


class LimitedRequest:
    """One request whose body is counted as the app reads it, replaced by a 413 once it passes the limit."""

    def __init__(self, limit: BodyLimitMiddleware, scope: Scope, receive: Receive, send: Send) -> None:
        self.limit = limit
        self.scope = scope
        self.receive_outer = receive
        self.send_outer = send
        self.received = 0
        self.is_over = False
        self.has_started = False
        self.has_refused = False

    async def run(self) -> None:
        """Run the app; once the body is over the limit, whatever the app answers becomes the 413."""
        try:
            await self.limit.app(self.scope, self.receive, self.send)
        except Exception:
            if not self.is_over or self.has_started:
                raise
        if self.is_over and not self.has_refused and not self.has_started:
            await self.refuse()

    async def receive(self) -> Message:
        """The next body chunk, counted; past the limit, no more is read from the client."""
        if self.is_over:
            raise BodyTooLarge
        message = await self.receive_outer()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit.max_bytes:
                self.is_over = True
                raise BodyTooLarge
        return message

    async def send(self, message: Message) -> None:
        """Forward the app's response, unless the body went over the limit: then the 413 goes instead."""
        if self.is_over and not self.has_started:
            if not self.has_refused:
                await self.refuse()
            return
        if message["type"] == "http.response.start":
            self.has_started = True
        await self.send_outer(message)

    async def refuse(self) -> None:
        """Send the 413 in place of the app's answer."""
        self.has_refused = True
        await self.limit.refuse(self.scope, self.receive_outer, self.send_outer)


def content_length(scope: Scope) -> int | None:
    """The declared body size; None when absent or unreadable (the server then streams and we count)."""
    value = Headers(scope=scope).get("content-length")
    try:
        return None if value is None else int(value)
    except ValueError:
        return None
