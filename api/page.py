"""The staff web page: `/` serves index.html, `/static/` its script and style; no build step, no API of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["STATIC", "install_page"]

STATIC: Final = Path(__file__).with_name("static")
# The page loads only its own files and talks only to this service; no inline script or style.
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

page = APIRouter(include_in_schema=False)


@page.get("/")
def index() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


def install_page(app: FastAPI) -> None:
    """Serve the page at `/` and its files under `/static/`."""
    app.include_router(page)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
