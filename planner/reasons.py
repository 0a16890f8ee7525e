"""Reason codes: the contract's for a person left off the plan, and a replan's for a change it made."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PERSON_LEVEL", "RULE_OF_CODE", "ChangeCode", "ReasonCode"]


class ReasonCode(StrEnum):
    NO_FINAL_ORDER = "NO_FINAL_ORDER"
    LEGAL_HOLD = "LEGAL_HOLD"
    NOT_FIT_TO_FLY = "NOT_FIT_TO_FLY"
    NO_DESTINATION_RULE = "NO_DESTINATION_RULE"
    DESTINATION_NOT_ACCEPTING = "DESTINATION_NOT_ACCEPTING"
    NATIONALITY_UNVERIFIED = "NATIONALITY_UNVERIFIED"
    NO_ACCEPTED_DOCUMENT = "NO_ACCEPTED_DOCUMENT"
    DOCUMENT_EXPIRED = "DOCUMENT_EXPIRED"
    UNACCOMPANIED_MINOR = "UNACCOMPANIED_MINOR"
    FAMILY_MEMBER_INELIGIBLE = "FAMILY_MEMBER_INELIGIBLE"
    NO_ELIGIBLE_FLIGHT = "NO_ELIGIBLE_FLIGHT"
    NOT_SELECTED = "NOT_SELECTED"


PERSON_LEVEL = frozenset(
    {
        ReasonCode.NO_FINAL_ORDER,
        ReasonCode.LEGAL_HOLD,
        ReasonCode.NOT_FIT_TO_FLY,
        ReasonCode.NO_DESTINATION_RULE,
        ReasonCode.DESTINATION_NOT_ACCEPTING,
        ReasonCode.NATIONALITY_UNVERIFIED,
        ReasonCode.NO_ACCEPTED_DOCUMENT,
        ReasonCode.DOCUMENT_EXPIRED,
        ReasonCode.UNACCOMPANIED_MINOR,
    }
)


# The contract's rule (1-7) that each person-level code reports.
RULE_OF_CODE = {
    ReasonCode.NO_FINAL_ORDER: 1,
    ReasonCode.LEGAL_HOLD: 2,
    ReasonCode.NOT_FIT_TO_FLY: 3,
    ReasonCode.NO_DESTINATION_RULE: 4,
    ReasonCode.DESTINATION_NOT_ACCEPTING: 4,
    ReasonCode.NATIONALITY_UNVERIFIED: 5,
    ReasonCode.NO_ACCEPTED_DOCUMENT: 6,
    ReasonCode.DOCUMENT_EXPIRED: 6,
    ReasonCode.UNACCOMPANIED_MINOR: 7,
}


class ChangeCode(StrEnum):
    """Why a replan moved someone, or dropped someone who is no longer in the request.

    The replanning contract leaves these codes open ("for moved, what forced it"); a dropped person
    otherwise carries their ReasonCode reasons.
    """

    FLIGHT_REMOVED = "FLIGHT_REMOVED"  # the previous flight is not in the new request
    PREVIOUS_FLIGHT_INELIGIBLE = "PREVIOUS_FLIGHT_INELIGIBLE"  # rules 8-12 now fail there
    FAMILY_CHANGED = "FAMILY_CHANGED"  # the family group can no longer fly as it was placed
    MOVED_FOR_PRIORITY = "MOVED_FOR_PRIORITY"  # still allowed, moved so that more priority is placed
    NOT_IN_REQUEST = "NOT_IN_REQUEST"  # placed before, absent from the new request's people
