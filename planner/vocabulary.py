"""Enumerations the request and the plan both use, kept apart so that neither module imports the other's models."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DocumentType"]


class DocumentType(StrEnum):
    PASSPORT = "passport"
    EMERGENCY_TRAVEL_DOCUMENT = "emergency_travel_document"
    LAISSEZ_PASSER = "laissez_passer"
    NATIONAL_ID = "national_id"
