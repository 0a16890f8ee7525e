"""The plan (result) of the planning contract, as frozen pydantic models."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from pydantic.main import IncEx

from planner.reasons import ChangeCode, ReasonCode
from planner.vocabulary import DocumentType

__all__ = [
    "Change",
    "ChangeKind",
    "ChangeReason",
    "ChangeSummary",
    "Manifest",
    "Objective",
    "Passenger",
    "PassengerDocument",
    "Placement",
    "Plan",
    "Reason",
    "Segment",
    "Stats",
    "Status",
    "Unplaced",
]


class Frozen(BaseModel):
    """Base of every plan model: immutable; unknown keys rejected when a plan is read back."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid", populate_by_name=True)


class Status(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"


class Objective(Frozen):
    placed_priority: int
    placed_priority_bound: int
    cost: int


class Stats(Frozen):
    people: int
    placed: int
    flights_used: int
    solve_seconds: float


class Segment(Frozen):
    from_: str = Field(alias="from")
    to: str
    aboard: int
    seats_used: int


class PassengerDocument(Frozen):
    type: DocumentType
    number: str
    issuing_country: str
    expires: dt.date


class Passenger(Frozen):
    person_id: str
    surname: str
    given_names: str
    birth_date: dt.date
    sex: str
    nationality: str
    document: PassengerDocument
    board: str
    deplane: str
    family_id: str | None
    # Only present when the route visits an airport twice, as the contract asks.
    board_index: int | None = None
    deplane_index: int | None = None


class Manifest(Frozen):
    flight_id: str
    officers: int
    medical_officers: int
    reserved_seats: int
    segments: tuple[Segment, ...]
    passengers: tuple[Passenger, ...]

    def to_json(self) -> str:
        """The manifest as contract JSON."""
        return self.model_dump_json(by_alias=True, indent=2, exclude=absent_indexes(self))

    def absent_indexes(self) -> dict[int, set[str]]:
        """Passengers whose stop indexes are unset, which the contract leaves out rather than null."""
        return {
            index: {"board_index", "deplane_index"}
            for index, passenger in enumerate(self.passengers)
            if passenger.board_index is None
        }


def absent_indexes(manifest: Manifest) -> IncEx:
    """The `exclude` argument that drops unset stop indexes from a manifest dump."""
    drop = manifest.absent_indexes()
    return {"passengers": drop} if drop else {}


class Reason(Frozen):
    code: ReasonCode
    detail: str


class Unplaced(Frozen):
    person_id: str
    reasons: tuple[Reason, ...]


class ChangeKind(StrEnum):
    ADDED = "added"
    MOVED = "moved"
    DROPPED = "dropped"


class Placement(Frozen):
    """Where a person flies: the flight and the airport they deplane at."""

    flight_id: str
    deplane: str


class ChangeReason(Frozen):
    code: ReasonCode | ChangeCode
    detail: str


class Change(Frozen):
    """One person whose placement differs from the previous plan's (replanning contract)."""

    person_id: str
    change: ChangeKind
    from_: Placement | None = Field(alias="from")
    to: Placement | None
    reasons: tuple[ChangeReason, ...]


class ChangeSummary(Frozen):
    added: int
    moved: int
    dropped: int
    unchanged: int


class Plan(Frozen):
    status: Status
    objective: Objective
    stats: Stats
    manifests: tuple[Manifest, ...]
    unplaced: tuple[Unplaced, ...]
    # Only a replan (a request with `previous`) has these; a first plan leaves them out.
    changes: tuple[Change, ...] | None = None
    change_summary: ChangeSummary | None = None

    def to_json(self) -> str:
        """The plan as contract JSON: aliases for keys, stop indexes only where the route needs them."""
        excluded: dict[int, IncEx | bool] = {
            index: absent_indexes(m) for index, m in enumerate(self.manifests) if m.absent_indexes()
        }
        exclude: dict[str, IncEx | bool] = {"manifests": excluded} if excluded else {}
        if self.changes is None:
            exclude |= {"changes": True, "change_summary": True}
        return self.model_dump_json(by_alias=True, indent=2, exclude=exclude or None)
