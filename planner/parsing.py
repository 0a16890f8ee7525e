"""Reading a plan request from JSON, with every problem named by its location and no personal data."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import jiter
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
    """Validate request JSON against the contract, or raise RequestError listing every problem.

    A key given twice in one object is a problem too: JSON leaves its meaning open, and read as the last
    value wins, `"holds": [...], "holds": []` would clear a legal hold without anyone seeing it.
    """
    try:
        with paused_gc():
            request = PlanRequest.model_validate_json(text)
        if not has_repeated_keys(text):
            return request
        problems: list[Problem] = []
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
    problems += [p for p in repeated_key_problems(text) if p not in problems]
    raise RequestError(tuple(problems)) from None


def has_repeated_keys(text: str | bytes) -> bool:
    """Whether any object of the JSON gives a key twice: one more pass of a Rust parser (0.8 s on 100,000 people)."""
    try:
        jiter.from_json(text.encode() if isinstance(text, str) else text, catch_duplicate_keys=True)
    except ValueError:
        return True
    return False


class Pairs(dict[str, object]):
    """A JSON object that remembers the keys it was given more than once."""

    repeated: tuple[str, ...] = ()


def keep_pairs(pairs: list[tuple[str, object]]) -> Pairs:
    found = Pairs(pairs)
    counts = Counter(key for key, _ in pairs)
    found.repeated = tuple(key for key, count in counts.items() if count > 1)
    return found


def repeated_key_problems(text: str | bytes) -> list[Problem]:
    """Every key given twice in one object, by its location (read again only when the fast check found one)."""
    try:
        raw = json.loads(text, object_pairs_hook=keep_pairs)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return []  # reported as invalid JSON already
    return [(loc, "given more than once in the same object; give each key once") for loc in repeated_locs(raw, ())]


def repeated_locs(value: object, loc: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, Pairs):
        for key in value.repeated:
            yield (*loc, key)
        for key, item in value.items():
            yield from repeated_locs(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from repeated_locs(item, (*loc, index))


def _problem_of(detail: object) -> Problem:
    assert isinstance(detail, dict)
    loc = tuple(detail["loc"])
    message = str(detail["msg"])
    if detail["type"] == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}; the contract does not define it"
    return loc, message
