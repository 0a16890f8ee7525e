"""Reading a plan request from JSON, with every problem named by its location and no personal data."""

from __future__ import annotations

import json

from pydantic import ValidationError

from planner.memory import paused_gc
from planner.request import PlanRequest, Problem, duplicate_problems

__all__ = ["RequestError", "format_loc", "parse_request"]


class RequestError(Exception):
    """A request that breaks the contract; `problems` names every broken field at once."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        super().__init__(problems)
        self.problems = problems

    def __str__(self) -> str:
        lines = [f"{format_loc(loc) or '(request)'}: {message}" for loc, message in self.problems]
        return f"{len(lines)} problem(s) in the request:\n" + "\n".join(lines)


def format_loc(loc: tuple[str | int, ...]) -> str:
    """Render a location the way a reader writes it: `people[3].documents[0].expires`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def parse_request(text: str | bytes) -> PlanRequest:
    """Validate request JSON against the contract, or raise RequestError listing every problem."""
    try:
        with paused_gc():
            return PlanRequest.model_validate_json(text)
    except ValidationError as error:
        problems = [_problem_of(detail) for detail in error.errors(include_input=False, include_url=False)]
    # Only a failed request is read a second time: for the position of a JSON syntax error, and because
    # field errors stop pydantic before the request-wide checks, which then run on the raw JSON here.
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        # The position is useful; the offending text may be personal data, so it is not quoted.
        where = f" at line {error.lineno}, column {error.colno}" if isinstance(error, json.JSONDecodeError) else ""
        where = " (nested too deeply)" if isinstance(error, RecursionError) else where
        raise RequestError(((("body",), f"not valid JSON{where}"),)) from None
    problems += [p for p in duplicate_problems(raw) if p not in problems]
    raise RequestError(tuple(problems)) from None


def _problem_of(detail: object) -> Problem:
    assert isinstance(detail, dict)
    loc = tuple(detail["loc"])
    message = str(detail["msg"])
    if detail["type"] == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}; the contract does not define it"
    return loc, message
