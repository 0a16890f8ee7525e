"""A flight's passengers as a UN/EDIFACT PAXLST message (Advance Passenger Information), per the WCO/IATA guide.

One interchange holds one message for the whole flight: its itinerary is every stop in order (LOC+125 first
departure, LOC+92 each stop between, LOC+87 final arrival, each with its local DTM+189 departure and DTM+232
arrival), and each passenger carries their own LOC+178 port of embarkation and LOC+179 port of debarkation.
Text is upper case in the UNOA character set, transliterated where needed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata

from unidecode import unidecode

from planner.exports.route import passenger_order
from planner.plan import Manifest, Passenger
from planner.request import DocumentType, Flight

__all__ = ["DOCUMENT_CODES", "RECIPIENT", "SENDER", "manifest_paxlst", "unoa"]

SENDER = "MANIFESTPLANNER"
RECIPIENT = "APIS"
SERVICE_STRING = "UNA:+.? '"
# DOC 1001 codes of the guide: P passport, I identity card, F an approved non-standard travel document;
# the third component keeps which one (an emergency travel document or a laissez-passer).
DOCUMENT_CODES = {
    DocumentType.PASSPORT: ("P", ""),
    DocumentType.NATIONAL_ID: ("I", ""),
    DocumentType.EMERGENCY_TRAVEL_DOCUMENT: ("F", "EMERGENCY TRAVEL DOCUMENT"),
    DocumentType.LAISSEZ_PASSER: ("F", "LAISSEZ PASSER"),
}
NOT_UNOA = re.compile(r"[^A-Z0-9 .,\-()/='+:?!\"%&*;<>]")
RELEASED = re.compile(r"([?+:'])")


def unoa(text: str) -> str:
    """Text in the UNOA set: accents dropped, other scripts transliterated, upper case, the rest as spaces."""
    plain = unidecode(unicodedata.normalize("NFKC", text)).upper()
    return " ".join(NOT_UNOA.sub(" ", plain).split())


def element(value: str) -> str:
    """A data element or component: UNOA text with the separators and the release character released."""
    return RELEASED.sub(r"?\1", unoa(value))


def segment(tag: str, *elements: str | tuple[str, ...]) -> str:
    """`TAG+a+b:c'`; elements already escaped, a tuple being the components of a composite."""
    parts = [":".join(trimmed(e)) if isinstance(e, tuple) else e for e in elements]
    return "+".join([tag, *trimmed(tuple(parts))]) + "'"


def trimmed(parts: tuple[str, ...]) -> list[str]:
    """Without trailing empty parts, which EDIFACT leaves out (a stripped separator could be a released one)."""
    kept = list(parts)
    while kept and not kept[-1]:
        kept.pop()
    return kept


def yymmdd(day: dt.date) -> str:
    return f"{day:%y%m%d}"


def local_minute(moment: dt.datetime) -> str:
    """YYMMDDHHMM in the airport's own time (format 201)."""
    return f"{moment:%y%m%d%H%M}"


def manifest_paxlst(
    manifest: Manifest, flight: Flight, prepared: dt.datetime, sender: str = SENDER, recipient: str = RECIPIENT
) -> str:
    """The interchange, one segment a line; `prepared` is its UTC date and time of preparation."""
    stamp = prepared.astimezone(dt.UTC)
    reference = control_reference(manifest, stamp)
    body = [
        segment("UNH", "1", ("PAXLST", "D", "05B", "UN", "IATA"), element(f"{flight.id}/{flight.first_depart:%y%m%d}"),
                ("01", "F")),
        segment("BGM", "745"),
        segment("NAD", "MS", "", "", element(sender)),
        segment("TDT", "20", element(flight.id)),
        *itinerary(flight),
    ]  # fmt: skip
    for passenger in passenger_order(manifest, flight):
        body += passenger_segments(passenger)
    body.append(segment("CNT", ("42", str(len(manifest.passengers)))))
    body.append(segment("UNT", str(len(body) + 1), "1"))
    return "\n".join(
        [
            SERVICE_STRING,
            segment("UNB", ("UNOA", "4"), element(sender), element(recipient), (f"{stamp:%y%m%d}", f"{stamp:%H%M}"),
                    reference, "", "APIS"),
            *body,
            segment("UNZ", "1", reference),
        ]
    ) + "\n"  # fmt: skip


def control_reference(manifest: Manifest, stamp: dt.datetime) -> str:
    """Fourteen characters that differ between flights and preparation times (UNB and UNZ repeat it)."""
    digest = hashlib.sha256(f"{manifest.flight_id}\n{stamp.isoformat()}".encode()).hexdigest()
    return digest[:14].upper()


def itinerary(flight: Flight) -> list[str]:
    """LOC and DTM of every stop: first departure, stops between, final arrival."""
    last = len(flight.stops) - 1
    segments = []
    for index, stop in enumerate(flight.stops):
        qualifier = "125" if index == 0 else "87" if index == last else "92"
        segments.append(segment("LOC", qualifier, element(stop.airport)))
        if stop.arrive is not None:
            segments.append(segment("DTM", ("232", local_minute(stop.arrive), "201")))
        if stop.depart is not None:
            segments.append(segment("DTM", ("189", local_minute(stop.depart), "201")))
    return segments


def passenger_segments(passenger: Passenger) -> list[str]:
    """NAD+FL, sex, birth date, ports, nationality, reference, and the travel document of one passenger."""
    document = passenger.document
    code, name = DOCUMENT_CODES[document.type]
    return [
        segment("NAD", "FL", "", "", (element(passenger.surname), element(passenger.given_names))),
        segment("ATT", "2", "", element(passenger.sex)),
        segment("DTM", ("329", yymmdd(passenger.birth_date))),
        segment("LOC", "178", element(passenger.board)),
        segment("LOC", "179", element(passenger.deplane)),
        segment("NAT", "2", element(passenger.nationality)),
        segment("RFF", ("ABO", element(passenger.person_id))),
        segment("DOC", (code, "", "", name) if name else (code,), element(document.number)),
        segment("DTM", ("36", yymmdd(document.expires))),
        segment("LOC", "91", element(document.issuing_country)),
    ]
