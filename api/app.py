"""The planning service's FastAPI application: `create_app(settings)`, and `app` for uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pydantic.json_schema import models_json_schema

from api.errors import install_domain_handlers
from api.jobs import JobStore
from api.keys import load_keys
from api.limits import BodyLimitMiddleware
from api.page import install_page
from api.problems import install_problem_handlers
from api.routes import health, router
from api.runner import EmbeddedRunner, Runner
from api.settings import Settings
from api.store import create_engine_for, migrate
from planner.plan import Manifest, Plan
from planner.request import PlanRequest

__all__ = ["app", "create_app"]


def create_app(settings: Settings | None = None, runner: Callable[[Settings], Runner] = EmbeddedRunner) -> FastAPI:
    """The service: database migrated and workers started on startup, workers stopped on shutdown."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine_for(settings.database_url)
        migrate(engine)
        app.state.settings = settings
        app.state.store = JobStore(engine)
        app.state.keys = load_keys(settings.keys_file)
        app.state.runner = runner(settings)
        app.state.runner.start()
        try:
            yield
        finally:
            app.state.runner.stop()
            engine.dispose()

    app = FastAPI(
        title="manifest-planner",
        version="1",
        summary="Plans charter flight manifests under each destination country's acceptance rules.",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.body_limit_bytes)
    install_problem_handlers(app)
    install_domain_handlers(app)
    app.include_router(router)
    app.include_router(health)
    install_page(app)
    app.openapi = lambda: contract_openapi(app)  # type: ignore[method-assign]
    return app


def contract_openapi(app: FastAPI) -> dict[str, Any]:
    """The generated OpenAPI document, plus the planning contract's request, plan and manifest schemas."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        _, contract = models_json_schema(
            [(PlanRequest, "validation"), (Plan, "serialization"), (Manifest, "serialization")],
            ref_template="#/components/schemas/{model}",
        )
        schema.setdefault("components", {}).setdefault("schemas", {}).update(contract.get("$defs", {}))
        app.openapi_schema = schema
    return app.openapi_schema


app = create_app()
