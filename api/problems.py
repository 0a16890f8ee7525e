"""Every HTTP error as an RFC 9457 problem (`application/problem+json`), mapped in this one module.

Routes raise `ProblemError` (or let a `planner.parsing.RequestError` escape) and
`install_problem_handlers` turns that, FastAPI's own validation errors, Starlette's 404 and 405 and
any unexpected exception into a problem body. No body echoes what the client sent: validation
problems carry only each field's location and a message, because inputs may be personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match

from planner.parsing import RequestError

__all__ = [
    "ABOUT_BLANK",
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_RESPONSES",
    "VALIDATION_PROBLEM",
    "FieldError",
    "Problem",
    "ProblemError",
    "ProblemResponse",
    "field_errors",
    "install_problem_handlers",
    "problem_response",
    "problem_responses",
    "problem_type",
]

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
# RFC 9457 4.2.1: with this type the title is the status phrase and the status says it all.
ABOUT_BLANK = "about:blank"


def problem_type(name: str) -> str:
    """The URN of one of this service's problem types, e.g. `urn:manifest-planner:problem:validation`."""
    return f"urn:manifest-planner:problem:{name}"


VALIDATION_PROBLEM = problem_type("validation")

Loc = list[str | int]


class FieldError(BaseModel):
    """One bad field of a request: where it is and what is wrong, never its value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    loc: Loc
    msg: str


class Problem(BaseModel):
    """An RFC 9457 problem details object; `errors` lists the bad fields of a 422."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = ABOUT_BLANK
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemResponse(JSONResponse):
    """A JSON response served as `application/problem+json`."""

    media_type = PROBLEM_MEDIA_TYPE


class ProblemError(Exception):
    """Raised anywhere in a request to answer with a problem; knows HTTP, nothing of planning."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        type: str = ABOUT_BLANK,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        instance: str | None = None,
    ) -> None:
        self.problem = Problem(
            type=type,
            title=title,
            status=status,
            detail=detail,
            instance=instance,
            errors=None if errors is None else list(errors),
        )
        self.headers = dict(headers or {})
        super().__init__(f"{status} {title}: {detail}")


def field_errors(problems: Iterable[tuple[Sequence[Any], str]]) -> list[FieldError]:
    """Field errors from (location, message) pairs; location parts other than ints become strings."""
    return [
        FieldError(loc=[part if isinstance(part, int) else str(part) for part in loc], msg=msg) for loc, msg in problems
    ]


def render(problem: Problem, headers: Mapping[str, str] | None = None) -> ProblemResponse:
    """The response for a problem, without the members that are not set."""
    content = problem.model_dump(mode="json", exclude_none=True)
    return ProblemResponse(content, status_code=problem.status, headers=dict(headers or {}))


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    type: str = ABOUT_BLANK,
    errors: Sequence[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    instance: str | None = None,
) -> ProblemResponse:
    """A problem response built in place, for code that answers rather than raises (middleware)."""
    error = ProblemError(status, title, detail, type=type, errors=errors, headers=headers, instance=instance)
    return render(error.problem, error.headers)


def phrase(status: int) -> str:
    """The status phrase of a code, the title of an `about:blank` problem."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# Starlette raises 404 and 405 with the bare phrase as detail; a sentence helps more.
DEFAULT_DETAILS = {
    404: "Nothing is at this path.",
    405: "This path does not take this method; the Allow header lists the methods it takes.",
}


async def on_problem_error(request: Request, exc: Exception) -> Response:
    """A ProblemError raised by a route or dependency, as it asked."""
    assert isinstance(exc, ProblemError)
    return render(exc.problem, exc.headers)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's and FastAPI's HTTPException (unknown route, wrong method, ...), keeping its headers."""
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status < 200 or status in (204, 304):
        return Response(status_code=status, headers=exc.headers)
    headers = dict(exc.headers or {})
    if status == 405:
        headers["Allow"] = ", ".join(sorted(allowed_methods(request)))
    title = phrase(status)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else DEFAULT_DETAILS.get(status, title)
    return problem_response(status, title, detail, headers=headers)


def allowed_methods(request: Request) -> set[str]:
    """Every method some route takes at this path; Starlette's own Allow names only the first route's."""
    allowed: set[str] = set()
    for route in flat_routes(request.app.router.routes):
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            allowed |= set(getattr(route, "methods", None) or ())
    return allowed


def flat_routes(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """Routes with included routers opened up (FastAPI 0.165 wraps each in an object of its own)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from flat_routes(inner.routes)
        else:
            yield route


async def on_validation_error(request: Request, exc: Exception) -> Response:
    """FastAPI's request validation (query, path, headers, body): each problem's loc and msg, never its input."""
    assert isinstance(exc, RequestValidationError)
    errors = field_errors((error["loc"], validation_message(error)) for error in exc.errors())
    return invalid_request(errors)


def validation_message(error: Mapping[str, Any]) -> str:
    """The message of one validation error; for bad JSON, with the parser's reason, which quotes no input."""
    message = str(error["msg"])
    reason = (error.get("ctx") or {}).get("error")
    if error.get("type") == "json_invalid" and isinstance(reason, str):
        return f"{message}: {reason}"
    return message


async def on_request_error(request: Request, exc: Exception) -> Response:
    """A plan request that breaks the contract, each problem at its place in the body."""
    assert isinstance(exc, RequestError)
    # Locations are prefixed with "body" like FastAPI's own, so that they never mix with query parameters;
    # RequestError already names a body that is not JSON at all ("body",).
    locs = ((loc if loc[:1] == ("body",) else ("body", *loc), msg) for loc, msg in exc.problems)
    return invalid_request(field_errors(locs))


def invalid_request(errors: list[FieldError]) -> ProblemResponse:
    """The 422 problem listing every bad field."""
    detail = f"{len(errors)} problem(s) in the request; `errors` names each bad field."
    return problem_response(422, "Invalid request", detail, type=VALIDATION_PROBLEM, errors=errors)


async def on_unexpected(request: Request, exc: Exception) -> Response:
    """Any other exception: logged with its traceback, answered with a 500 that says nothing of it."""
    # Method and path only: headers carry the API key, and bodies and query strings may carry personal data.
    logger.error("unexpected %s in %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
    detail = "The service failed to answer this request; the error is logged."
    return problem_response(500, phrase(500), detail)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error response of `app` a problem: ProblemError, HTTP errors, validation errors, the rest."""
    app.add_exception_handler(ProblemError, on_problem_error)
    app.add_exception_handler(HTTPException, on_http_exception)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(RequestError, on_request_error)
    # Starlette runs the Exception handler outside all middleware and still re-raises, so servers log it too.
    app.add_exception_handler(Exception, on_unexpected)


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its `$defs` inlined, so it needs no entry in the OpenAPI components."""
    schema = model.model_json_schema(mode="serialization")
    definitions: dict[str, Any] = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


RESPONSE_DESCRIPTIONS = {
    401: "No API key, or one the service does not know (see WWW-Authenticate)",
    403: "The key's role may not do this",
    404: "Nothing with this id, or nothing at this path",
    409: "The request conflicts with the current state of the resource",
    413: "The request body is larger than the service accepts",
    422: "The request breaks its schema; `errors` names each bad field",
    500: "The service failed",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for these statuses, each an `application/problem+json` Problem."""
    # Inline rather than `model=Problem`: FastAPI would file a model under the route's own media type.
    content = {PROBLEM_MEDIA_TYPE: {"schema": inline_schema(Problem)}}
    return {
        status: {"description": RESPONSE_DESCRIPTIONS.get(status, phrase(status)), "content": content}
        for status in statuses
    }


PROBLEM_RESPONSES = problem_responses(401, 403, 404, 409, 413, 422)
