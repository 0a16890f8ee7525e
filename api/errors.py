"""The job store's domain errors as problem responses, mapped in one place so handlers stay thin."""

from __future__ import annotations

from fastapi import FastAPI, Request

from api.jobs import IdempotencyConflict, InvalidCursor
from api.problems import FieldError, ProblemResponse, problem_response, problem_type

__all__ = ["install_domain_handlers"]


def install_domain_handlers(app: FastAPI) -> None:
    """Answer InvalidCursor with 422 and IdempotencyConflict with 409, as the HTTP contract says."""
    app.add_exception_handler(InvalidCursor, invalid_cursor)
    app.add_exception_handler(IdempotencyConflict, idempotency_conflict)


async def invalid_cursor(request: Request, error: Exception) -> ProblemResponse:
    # Like every 422 of the HTTP contract, it names the bad field in `errors`.
    message = "the cursor is not one this service gave out"
    field = FieldError(loc=["query", "cursor"], msg=message)
    return problem_response(422, "Invalid cursor", message, type=problem_type("invalid-cursor"), errors=[field])


async def idempotency_conflict(request: Request, error: Exception) -> ProblemResponse:
    return problem_response(
        409,
        "Idempotency key reused",
        "this Idempotency-Key was used with another request",
        type=problem_type("idempotency-conflict"),
    )
