"""Deterministic generator of realistic, wholly synthetic plan requests for tests, demos and benchmarks.

Everything comes from the tables below and one `random.Random(seed)`: the same arguments give the same
request, byte for byte. Airports, offsets and country codes are real; every person is invented by
combining common names at random. The shape (hubs, destinations, nationality mix, milk-run routes)
follows a week of published removal-flight flows; no row of that data is read or reproduced.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, Literal, TypeVar

from planner.memory import paused_gc
from planner.request import PlanRequest

__all__ = ["AS_OF", "generate_json", "generate_request"]

Json = dict[str, Any]
T = TypeVar("T")

# Central standard time: the planning office is in Louisiana, and December has no daylight saving.
AS_OF = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-6)))
# The first flight day is a few days out, as charters are booked ahead.
LEAD_DAYS = 2

# --- Airports: IATA -> (UTC offset in minutes, latitude, longitude). Offsets are December's, fixed.

US_HUBS: dict[str, tuple[int, float, float]] = {
    "AEX": (-360, 31.33, -92.55),
    "BRO": (-360, 25.91, -97.43),
    "HRL": (-360, 26.23, -97.65),
    "IAH": (-360, 29.98, -95.34),
    "SAT": (-360, 29.53, -98.47),
    "LRD": (-360, 27.54, -99.46),
    "MCI": (-360, 39.30, -94.71),
    "MSP": (-360, 44.88, -93.22),
    "GYY": (-360, 41.62, -87.41),
    "ELP": (-420, 31.81, -106.38),
    "IWA": (-420, 33.31, -111.66),
    "PHX": (-420, 33.43, -112.01),
    "DEN": (-420, 39.86, -104.67),
    "SAN": (-480, 32.73, -117.19),
    "LAS": (-480, 36.08, -115.15),
    "BFI": (-480, 47.53, -122.30),
    "MIA": (-300, 25.79, -80.29),
    "ATL": (-300, 33.64, -84.43),
    "EWR": (-300, 40.69, -74.17),
}

# Relative weekly volume through each staging hub (the border and Louisiana hubs dominate).
HUB_WEIGHTS: dict[str, float] = {
    "BRO": 60, "AEX": 60, "IWA": 50, "HRL": 25, "IAH": 25, "ELP": 20, "MIA": 15, "SAT": 13,
    "ATL": 11, "LRD": 9, "GYY": 6, "DEN": 5, "SAN": 5, "BFI": 4, "PHX": 4, "LAS": 3,
    "EWR": 3, "MSP": 2, "MCI": 2,
}  # fmt: skip

FOREIGN_AIRPORTS: dict[str, tuple[int, float, float]] = {
    "GUA": (-360, 14.58, -90.53),
    "SAP": (-360, 15.45, -87.92),
    "TGU": (-360, 14.06, -87.22),
    "SAL": (-360, 13.44, -89.06),
    "MGA": (-360, 12.14, -86.17),
    "MEX": (-360, 19.44, -99.07),
    "GDL": (-360, 20.52, -103.31),
    "VSA": (-360, 18.00, -92.82),
    "TAP": (-360, 14.79, -92.37),
    "BOG": (-300, 4.70, -74.15),
    "UIO": (-300, -0.13, -78.36),
    "GYE": (-300, -2.16, -79.88),
    "LIM": (-300, -12.02, -77.11),
    "PAP": (-300, 18.58, -72.29),
    "KIN": (-300, 17.94, -76.79),
    "HAV": (-300, 22.99, -82.41),
    "SDQ": (-240, 18.43, -69.67),
    "CCS": (-240, 10.60, -66.99),
    "CNF": (-180, -19.62, -43.97),
    "DSS": (0, 14.67, -17.07),
    "NKC": (0, 18.31, -15.97),
    "ACC": (0, 5.61, -0.17),
    "LOS": (60, 6.58, 3.32),
    "DLA": (60, 4.01, 9.72),
    "OTP": (120, 44.57, 26.09),
    "BGW": (180, 33.26, 44.24),
    "MGQ": (180, 2.01, 45.30),
    "ISB": (300, 33.55, 72.83),
    "DEL": (330, 28.56, 77.10),
    "DAC": (360, 23.84, 90.40),
    "SGN": (420, 10.82, 106.65),
    "PEK": (480, 40.08, 116.59),
    "CAN": (480, 23.39, 113.30),
    "MNL": (480, 14.51, 121.02),
}

# Refuelling stops for legs beyond a charter jet's range; nobody boards or deplanes there.
TECHNICAL_STOPS: dict[str, tuple[int, float, float]] = {
    "SNN": (0, 52.70, -8.92),
    "DXB": (240, 25.25, 55.36),
}

AIRPORTS = US_HUBS | FOREIGN_AIRPORTS | TECHNICAL_STOPS


@dataclass(frozen=True, slots=True)
class Country:
    """A country people are returned to: how many, where they land, which names they carry."""

    weight: float
    airports: tuple[str, ...]
    names: str
    neighbours: tuple[str, ...] = ()


# Weights follow the published mix: Guatemala, Honduras, Mexico and El Salvador make up most returns.
COUNTRIES: dict[str, Country] = {
    "GTM": Country(30, ("GUA",), "es", ("HND", "SLV")),
    "HND": Country(20, ("SAP", "TGU"), "es", ("GTM", "SLV", "NIC")),
    "MEX": Country(20, ("MEX", "GDL", "VSA", "TAP"), "es", ("GTM",)),
    "SLV": Country(9, ("SAL",), "es", ("HND", "GTM", "NIC")),
    "DOM": Country(2.5, ("SDQ",), "es", ("HTI",)),
    "NIC": Country(2, ("MGA",), "es", ("HND", "SLV")),
    "COL": Country(2, ("BOG",), "es", ("ECU",)),
    "ECU": Country(1.5, ("UIO", "GYE"), "es", ("COL", "PER")),
    "HTI": Country(1.2, ("PAP",), "fr", ("DOM",)),
    "VEN": Country(1.2, ("CCS",), "es", ("COL",)),
    "IND": Country(1.0, ("DEL",), "hi"),
    "BRA": Country(0.8, ("CNF",), "pt"),
    "JAM": Country(0.8, ("KIN",), "en", ("HTI",)),
    "PER": Country(0.6, ("LIM",), "es", ("ECU",)),
    "CHN": Country(0.6, ("PEK", "CAN"), "zh"),
    "CUB": Country(0.5, ("HAV",), "es"),
    "SEN": Country(0.4, ("DSS",), "fr", ("MRT",)),
    "MRT": Country(0.4, ("NKC",), "ar", ("SEN",)),
    "VNM": Country(0.3, ("SGN",), "vi"),
    "IRQ": Country(0.3, ("BGW",), "ar"),
    "GHA": Country(0.3, ("ACC",), "en", ("NGA",)),
    "NGA": Country(0.3, ("LOS",), "en", ("GHA",)),
    "ROU": Country(0.3, ("OTP",), "ro"),
    "BGD": Country(0.3, ("DAC",), "hi"),
    "PAK": Country(0.3, ("ISB",), "hi"),
    "PHL": Country(0.3, ("MNL",), "tl"),
    "CMR": Country(0.2, ("DLA",), "fr"),
    "SOM": Country(0.2, ("MGQ",), "ar"),
}
# Nationalities people hold that the request deliberately gives no destination rules (rule 4).
UNRULED_COUNTRIES: dict[str, float] = {"ERI": 0.15, "MMR": 0.05}
UNRULED_NAMES = {"ERI": "ar", "MMR": "en"}

NAMES: dict[str, tuple[str, str, str]] = {
    # group: (male given names, female given names, surnames)
    "es": (
        "JOSE LUIS CARLOS JUAN MIGUEL MATEO KEVIN JORGE MARVIN EDWIN DAVID SANTIAGO ANGEL OSCAR",
        "MARIA ANA LUCIA ROSA SOFIA CARMEN GLORIA YESENIA KARLA DAYANA CAMILA VALERIA",
        "PEREZ LOPEZ GARCIA HERNANDEZ MARTINEZ RAMIREZ GONZALEZ MEJIA ORELLANA CRUZ REYES FLORES MORALES"
        " AGUILAR CASTILLO VASQUEZ ROMERO ORTIZ MENDOZA ESCOBAR",
    ),
    "pt": ("JOAO PEDRO LUCAS GABRIEL RAFAEL", "ANA JULIA BEATRIZ LARISSA FERNANDA", "SILVA SOUZA OLIVEIRA SANTOS LIMA"),
    "fr": (
        "JEAN PIERRE WILSON MAMADOU PAUL",
        "MARIE ROSE NATHALIE AMINATA CLAIRE",
        "JOSEPH PIERRE LOUIS DIALLO NDIAYE FALL CHARLES",
    ),
    "en": (
        "JOHN MICHAEL ANDRE KWAME EMMANUEL",
        "GRACE SARAH KEISHA ABENA MARY",
        "BROWN CAMPBELL MENSAH OKAFOR WILLIAMS",
    ),
    "ar": (
        "AHMED MOHAMED ALI OMAR YUSUF ABDI",
        "FATIMA AISHA MARYAM ZAINAB HAWA",
        "HASSAN ABDULLAH IBRAHIM SALEH OSMAN HUSSEIN",
    ),
    "hi": (
        "RAHUL AMIT SANJAY IMRAN ARIF RAJ",
        "PRIYA SUNITA NADIA FARZANA ANJALI",
        "SINGH KUMAR PATEL KHAN RAHMAN SHARMA",
    ),
    "zh": ("WEI JUN HAO LEI MING", "LI NA FANG JING XIU", "WANG LI ZHANG LIU CHEN YANG"),
    "vi": ("MINH TUAN HUNG DUC", "LAN HOA THU MAI", "NGUYEN TRAN LE PHAM HOANG"),
    "ro": ("ANDREI MIHAI IONUT ADRIAN", "ELENA IOANA ANDREEA MARIA", "POPESCU IONESCU DUMITRU STAN"),
    "tl": ("JOSE MARK JOHN RODEL", "MARIA JOY CRISTINA ANGELICA", "SANTOS REYES CRUZ BAUTISTA DELA CRUZ"),
}


@dataclass(frozen=True, slots=True)
class Aircraft:
    """A charter type: mission seats, cost per block hour and the longest leg it flies."""

    name: str
    seats: tuple[int, int]
    hourly: int
    range_km: int
    weight: float


SHORT_HAUL = (
    Aircraft("MD-83", (125, 140), 8500, 4000, 25),
    Aircraft("B737-800", (150, 180), 10000, 5000, 30),
    Aircraft("B737-400", (125, 145), 9000, 4000, 15),
    Aircraft("A320", (140, 170), 9500, 5000, 15),
    Aircraft("E190", (88, 100), 7000, 3500, 8),
    Aircraft("ERJ-145", (30, 50), 5500, 2600, 7),
)
LONG_HAUL = (
    Aircraft("B767-300ER", (160, 180), 16000, 10500, 3),
    Aircraft("B757-200", (150, 176), 13000, 7000, 1),
)
# A leg longer than this gets a refuelling stop even on the long-haul types.
MAX_LEG_KM = 10500
# Share of missions that only get part of the cabin (shared charters): these are where seats bind.
SHARED_MISSION = 0.1
LANDING_FEE = 1500

HOLD_NOTES: dict[str, tuple[str, ...]] = {
    "stay_of_removal": ("judicial stay granted by district court", "administrative stay pending review"),
    "pending_appeal": ("appeal filed with the board", "petition for review at circuit court"),
    "pending_motion": ("motion to reopen pending", "motion to reconsider pending"),
}

# Accepted-document variations, weighted: most countries take passports and emergency travel documents.
DOCUMENT_RULES: tuple[tuple[tuple[str, ...], float], ...] = (
    (("passport", "emergency_travel_document"), 60),
    (("passport", "emergency_travel_document", "laissez_passer"), 15),
    (("passport",), 10),
    (("passport", "emergency_travel_document", "national_id"), 10),
    (("passport", "emergency_travel_document", "laissez_passer", "national_id"), 5),
)
WEEKDAY_RULES: tuple[tuple[tuple[int, ...], float], ...] = (
    ((1, 2, 3, 4, 5, 6, 7), 50),
    ((1, 2, 3, 4, 5), 30),
    ((1, 2, 3, 4), 10),
    ((2, 4), 5),
    ((1, 3, 5), 5),
)
WINDOW_RULES: tuple[tuple[tuple[str, str] | None, float], ...] = (
    (None, 55),
    (("08:00", "18:00"), 15),
    (("07:00", "17:00"), 10),
    (("06:00", "20:00"), 8),
    (("09:00", "15:00"), 7),
    (("22:00", "06:00"), 2),
    (("10:00", "22:00"), 3),
)
NOTICE_RULES: tuple[tuple[int, float], ...] = ((0, 25), (1, 25), (2, 20), (3, 12), (5, 8), (7, 6), (10, 4))
VALIDITY_RULES: tuple[tuple[int, float], ...] = ((0, 55), (15, 10), (30, 20), (60, 10), (90, 5))
PEOPLE_CAPS = (20, 30, 50, 80, 100, 135)

# Document profiles of a person: (what they hold, weight). "foreign" is issued by another country.
DOCUMENT_PROFILES: tuple[tuple[str, float], ...] = (
    ("passport", 60),
    ("passport+national_id", 8),
    ("etd", 10),
    ("laissez_passer", 3),
    ("near_expiry_passport", 3),
    ("expired_passport", 5),
    ("expired_passport+etd", 2),
    ("national_id", 3.5),
    ("none", 4),
    ("foreign_passport", 1.5),
)
RISKS: tuple[tuple[str, float], ...] = (("low", 60), ("medium", 30), ("high", 10))
PRIORITIES: tuple[tuple[int, float], ...] = ((1, 80), (2, 15), (3, 5))
FAMILY_SIZES: tuple[tuple[int, float], ...] = ((2, 35), (3, 30), (4, 25), (5, 10))
# Chance a group slot starts a family: with a mean size of 3.1, about 10% of people are in families.
FAMILY_START = 0.035
SIBLINGS_ONLY = 0.03
LONE_MINOR = 0.005
# Chance a person stages where flights home actually pick up, rather than anywhere.
STAGED_ON_ROUTE = 0.9
# Chance a flight is booked regardless of the destination's weekdays and window (rule 9 then fails).
MISFIT_SCHEDULE = 0.07


class Picker(Generic[T]):
    """Weighted choice by bisection over cumulative weights: fast enough for 100,000 people."""

    def __init__(self, table: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _ in table]
        self.cumulative = list(itertools.accumulate(weight for _, weight in table))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> T:
        """Draw one value."""
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


NATIONALITY = Picker([(code, c.weight) for code, c in COUNTRIES.items()] + list(UNRULED_COUNTRIES.items()))
HUB = Picker(list(HUB_WEIGHTS.items()))
DOCUMENT_PROFILE = Picker(DOCUMENT_PROFILES)
RISK = Picker(RISKS)
PRIORITY = Picker(PRIORITIES)
FAMILY_SIZE = Picker(FAMILY_SIZES)
SHORT_AIRCRAFT = Picker([(a, a.weight) for a in SHORT_HAUL])
LONG_AIRCRAFT = Picker([(a, a.weight) for a in LONG_HAUL])
NOTICE = Picker(NOTICE_RULES)
WINDOW = Picker(WINDOW_RULES)
ACCEPTED_DOCUMENTS = Picker(DOCUMENT_RULES)
VALIDITY = Picker(VALIDITY_RULES)
WEEKDAYS = Picker(WEEKDAY_RULES)
NAME_LISTS = {group: tuple(tuple(part.split(" ")) for part in parts) for group, parts in NAMES.items()}


# Siblings are minors travelling without an adult; a lone minor is a child with no family group at all.
GroupKind = Literal["single", "lone_minor", "family", "siblings"]


@dataclass(frozen=True, slots=True)
class Group:
    """People who are generated together: a family of several, or one person alone."""

    nationality: str
    size: int
    kind: GroupKind


@dataclass(frozen=True, slots=True)
class Route:
    """Airports in flying order: US pickups, then refuelling stops, then foreign drop-offs."""

    airports: tuple[str, ...]
    pickups: int
    first_drop: int
    countries: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Mission:
    """A generated flight: its route, when it leaves, and its contract JSON."""

    route: Route
    departs: dt.datetime
    doc: Json


def generate_request(people: int, flights: int, weeks: int = 1, seed: int = 0) -> PlanRequest:
    """A valid synthetic request with exactly `people` people and `flights` flights over `weeks` weeks."""
    with paused_gc():
        return PlanRequest.model_validate_json(json.dumps(build_document(people, flights, weeks, seed)))


def generate_json(people: int, flights: int, weeks: int = 1, seed: int = 0) -> str:
    """The same request as `generate_request`, as contract JSON with one destination, flight or person a line."""
    with paused_gc():
        return render_document(build_document(people, flights, weeks, seed))


# One encoder for every record: json.dumps with any non-default option builds a new one per call.
ENCODER = json.JSONEncoder(ensure_ascii=False)


def render_document(document: Json) -> str:
    """Indented JSON that keeps each record on its own line: readable, diffable, and C-encoder fast."""
    lines = ["{"]
    for index, (key, value) in enumerate(document.items()):
        comma = "," if index < len(document) - 1 else ""
        if isinstance(value, list) and value:
            items = ",\n".join(f"  {ENCODER.encode(item)}" for item in value)
            lines.append(f" {ENCODER.encode(key)}: [\n{items}\n ]{comma}")
        else:
            lines.append(f" {ENCODER.encode(key)}: {ENCODER.encode(value)}{comma}")
    lines.append("}")
    return "\n".join(lines)


def build_document(people: int, flights: int, weeks: int, seed: int) -> Json:
    """The request as plain JSON-ready data, in contract form."""
    if people < 0 or flights < 0 or weeks < 1:
        raise ValueError("people and flights must be at least 0, and weeks at least 1")
    rng = random.Random(seed)
    groups = draw_groups(rng, people)
    demand = Counter(group.nationality for group in groups for _ in range(group.size))
    primaries = allocate_flights(demand, flights)
    per_country = Counter(primaries)
    served = [code for code in COUNTRIES if per_country[code] or demand[code]]
    destinations = {code: draw_destination(rng, code, per_country[code] / weeks, weeks) for code in served}
    missions = draw_missions(rng, primaries, destinations, weeks)
    return {
        "as_of": AS_OF.isoformat(),
        "policy": {"officer_ratio": {"low": 5, "medium": 2, "high": 1}, "medical_ratio": 10},
        "destinations": list(destinations.values()),
        "flights": [mission.doc for mission in missions],
        "people": draw_people(rng, groups, pickup_pickers(missions), weeks),
    }


# --- Groups and flight allocation


def draw_groups(rng: random.Random, people: int) -> list[Group]:
    """Split the roster into families and single people, each of one nationality."""
    groups: list[Group] = []
    remaining = people
    while remaining > 0:
        nationality = NATIONALITY(rng)
        if remaining >= 2 and rng.random() < FAMILY_START:
            size = min(FAMILY_SIZE(rng), remaining)
            kind: GroupKind = "siblings" if rng.random() < SIBLINGS_ONLY else "family"
        else:
            size, kind = 1, "lone_minor" if rng.random() < LONE_MINOR else "single"
        groups.append(Group(nationality, size, kind))
        remaining -= size
    return groups


def allocate_flights(demand: Counter[str], flights: int) -> list[str]:
    """The destination country of each flight: every country with people gets one first, the rest by demand."""
    countries = [code for code in COUNTRIES if demand[code]] or list(COUNTRIES)
    weights = {code: demand[code] or COUNTRIES[code].weight for code in countries}
    counts = dict.fromkeys(countries, 0)
    # Flights go where people are: the biggest nationalities are covered first when flights are few.
    for code in sorted(countries, key=lambda c: -weights[c])[:flights]:
        counts[code] = 1
    rest = flights - sum(counts.values())
    total = sum(weights.values())
    quotas = {code: rest * weights[code] / total for code in countries}
    for code in countries:
        counts[code] += int(quotas[code])
    left = flights - sum(counts.values())
    for code in sorted(countries, key=lambda c: int(quotas[c]) - quotas[c])[:left]:
        counts[code] += 1
    return [code for code in countries for _ in range(counts[code])]


# --- Destination rules


def draw_destination(rng: random.Random, code: str, flights_per_week: float, weeks: int) -> Json:
    """A country's acceptance rules, varied the way real bilateral arrangements vary."""
    is_major = COUNTRIES[code].weight >= 9
    # Notice is capped so that at least the last couple of days of the horizon stay bookable.
    notice = min(NOTICE(rng), LEAD_DAYS + 7 * weeks - 3)
    window = WINDOW(rng)
    # A country returning thousands a week takes full planes; a small one may cap each flight low.
    caps = PEOPLE_CAPS[3:] if is_major else PEOPLE_CAPS
    weekly_cap = None
    if flights_per_week >= 2 and rng.random() < 0.15:
        weekly_cap = max(1, round(flights_per_week * rng.uniform(0.5, 0.9)))
    return {
        "country": code,
        # The big four have standing agreements; a few smaller countries suspend returns now and then.
        "accepting": is_major or rng.random() >= 0.05,
        "requires_verified_nationality": rng.random() < 0.8,
        "accepted_documents": list(ACCEPTED_DOCUMENTS(rng)),
        "min_document_validity_days": VALIDITY(rng),
        "arrival_airports": list(COUNTRIES[code].airports),
        "arrival_weekdays": list(WEEKDAYS(rng)),
        "arrival_window": None if window is None else {"start": window[0], "end": window[1]},
        "notice_days": notice,
        "max_people_per_flight": rng.choice(caps) if rng.random() < 0.2 else None,
        "max_flights_per_week": weekly_cap,
        "accepts_unaccompanied_minors": rng.random() < 0.15,
    }


# --- Routes

PICKUP_COUNTS = Picker([(1, 40), (2, 42), (3, 18)])
SECOND_DROP = 0.25
MIN_HOP_KM = 150
LONG_HAUL_KM = 5000


@cache
def distance_km(a: str, b: str) -> float:
    """Great-circle distance between two airports."""
    _, lat1, lon1 = AIRPORTS[a]
    _, lat2, lon2 = AIRPORTS[b]
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cosine = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0 * math.acos(max(-1.0, min(1.0, cosine)))


def plan_route(rng: random.Random, primary: str, destinations: dict[str, Json]) -> Route:
    """A milk run: one to three US pickups, refuelling if needed, then one or two drop-offs nearby."""
    country = COUNTRIES[primary]
    drops = [rng.choice(country.airports)]
    countries = [primary]
    if rng.random() < SECOND_DROP:
        options = [code for code in country.neighbours if code in destinations]
        options += [primary] if len(country.airports) > 1 else []
        if options:
            second = rng.choice(options)
            drops.append(rng.choice([a for a in COUNTRIES[second].airports if a != drops[0]]))
            countries.append(second)
    pickups = draw_pickups(rng, drops[0])
    technical = add_technical_stops(pickups[-1], drops[0])
    airports = tuple(pickups + technical + drops)
    return Route(airports, len(pickups), len(pickups) + len(technical), tuple(dict.fromkeys(countries)))


def draw_pickups(rng: random.Random, target: str) -> list[str]:
    """Staging hubs well apart, in the order that makes the shortest run to the way out of the US."""
    gateway = (add_technical_stops("AEX", target) or [target])[0]
    wanted = PICKUP_COUNTS(rng)
    # Ocean crossings are costly enough that they start after at most two pickups.
    if distance_km("AEX", target) > LONG_HAUL_KM:
        wanted = min(wanted, 2)
    chosen: list[str] = []
    for _ in range(4 * wanted):
        hub = HUB(rng)
        # Neighbouring hubs (Harlingen and Brownsville) are served by bus, not by a 20-minute hop.
        if all(distance_km(hub, other) > MIN_HOP_KM for other in chosen):
            chosen.append(hub)
        if len(chosen) == wanted:
            break
    return list(min(itertools.permutations(chosen), key=lambda order: path_km([*order, gateway])))


def path_km(airports: Sequence[str]) -> float:
    """Length of a path through the airports in order."""
    return sum(distance_km(a, b) for a, b in itertools.pairwise(airports))


def add_technical_stops(origin: str, target: str) -> list[str]:
    """Refuelling stops splitting a leg longer than any charter type flies."""
    if distance_km(origin, target) <= MAX_LEG_KM:
        return []
    best = min(TECHNICAL_STOPS, key=lambda stop: max(distance_km(origin, stop), distance_km(stop, target)))
    if max(distance_km(origin, best), distance_km(best, target)) >= distance_km(origin, target):
        return []
    return [*add_technical_stops(origin, best), best, *add_technical_stops(best, target)]


# --- Schedules


def block_minutes(a: str, b: str) -> int:
    """Gate-to-gate time of a leg at jet cruising speed, rounded up to 5 minutes."""
    return 5 * math.ceil((25 + distance_km(a, b) / 13.0) / 5)


def relative_times(rng: random.Random, route: Route) -> list[tuple[int | None, int | None]]:
    """(arrive, depart) minutes after the first departure for every stop; None where the contract has no time."""
    times: list[tuple[int | None, int | None]] = [(None, 0)]
    clock = 0
    last = len(route.airports) - 1
    for index in range(1, last + 1):
        clock += block_minutes(route.airports[index - 1], route.airports[index])
        if index == last:
            times.append((clock, None))
            break
        arrive = clock
        # Loading people takes longer than refuelling or deplaning.
        ground = rng.randrange(45, 95, 5) if index < route.pickups else rng.randrange(50, 85, 5)
        clock += ground
        times.append((arrive, clock))
    return times


def window_intervals(window: Json | None) -> list[tuple[int, int]]:
    """Minutes of the local day an arrival may fall in (a window past midnight gives two intervals)."""
    if window is None:
        return [(7 * 60, 21 * 60)]
    start, end = (int(window[key][:2]) * 60 + int(window[key][3:]) for key in ("start", "end"))
    return [(start, end)] if start <= end else [(start, 24 * 60 - 5), (0, end)]


def intersect(intervals: list[tuple[int, int]], low: int, high: int) -> list[tuple[int, int]]:
    """The parts of the intervals within [low, high]."""
    parts = [(max(a, low), min(b, high)) for a, b in intervals]
    return [(a, b) for a, b in parts if a <= b]


def draw_arrival_minute(rng: random.Random, window: Json | None, earliest: int) -> int:
    """Local minute of the day of the first drop-off: in the window, daytime, not forcing a pre-dawn start."""
    allowed = window_intervals(window)
    earliest = 5 * math.ceil(earliest / 5)
    choices = intersect(allowed, max(earliest, 7 * 60), 17 * 60) or intersect(allowed, earliest, 24 * 60) or allowed
    slots = [(a, (b - a) // 5 + 1) for a, b in choices]
    pick = rng.randrange(sum(count for _, count in slots))
    for start, count in slots:
        if pick < count:
            return start + 5 * pick
        pick -= count
    raise AssertionError("unreachable: pick is below the slot total")


def offset_of(airport: str) -> dt.timezone:
    """The airport's fixed UTC offset as a timezone."""
    return dt.timezone(dt.timedelta(minutes=AIRPORTS[airport][0]))


def schedule(rng: random.Random, route: Route, rules: Json, weeks: int) -> list[tuple[int | None, int | None]]:
    """Absolute (arrive, depart) times as UTC epoch minutes, meeting the primary country's rules when possible."""
    times = relative_times(rng, route)
    drop = route.airports[route.first_drop]
    before = times[route.first_drop][0]
    assert before is not None
    is_misfit = rng.random() < MISFIT_SCHEDULE
    origin_offset, drop_offset = AIRPORTS[route.airports[0]][0], AIRPORTS[drop][0]
    # Short hops leave no earlier than 05:00 local; long hauls leave whenever the arrival suits.
    earliest = 5 * 60 + before + drop_offset - origin_offset if before < 10 * 60 else 0
    minute = draw_arrival_minute(rng, None if is_misfit else rules["arrival_window"], earliest)
    days = [AS_OF.date() + dt.timedelta(days=LEAD_DAYS + k) for k in range(7 * weeks)]
    weekdays = rules["arrival_weekdays"]
    allowed = days if is_misfit else [day for day in days if day.isoweekday() in weekdays] or days
    start = rng.randrange(len(allowed))
    notice_end = epoch_minutes(AS_OF) + rules["notice_days"] * 24 * 60
    departs = [
        epoch_minutes(dt.datetime.combine(day, dt.time(), offset_of(drop)) + dt.timedelta(minutes=minute)) - before
        for day in allowed[start:] + allowed[:start]
    ]
    # Past the notice if any day allows it; otherwise as late as the horizon goes, and rule 10 will say so.
    first_depart = next((depart for depart in departs if depart >= notice_end), max(departs))
    return [(None if a is None else first_depart + a, None if d is None else first_depart + d) for a, d in times]


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def epoch_minutes(moment: dt.datetime) -> int:
    """Whole minutes since the Unix epoch."""
    return int((moment - EPOCH).total_seconds()) // 60


def render_time(minutes: int, airport: str) -> str:
    """An epoch minute as an ISO timestamp in the airport's own offset."""
    return (EPOCH + dt.timedelta(minutes=minutes)).astimezone(offset_of(airport)).isoformat()


# --- Flights


def choose_aircraft(rng: random.Random, route: Route) -> Aircraft:
    """A type that can fly the route's longest leg; long-haul jets for ocean crossings."""
    longest = max(distance_km(a, b) for a, b in itertools.pairwise(route.airports))
    if longest > LONG_HAUL_KM or route.first_drop > route.pickups:
        return LONG_AIRCRAFT(rng)
    for _ in range(10):
        aircraft = SHORT_AIRCRAFT(rng)
        if aircraft.range_km >= longest:
            return aircraft
    return SHORT_HAUL[1]


def price(rng: random.Random, route: Route, aircraft: Aircraft) -> int:
    """Charter cost: block hours at the type's rate plus landing fees, give or take a broker's margin."""
    minutes = sum(block_minutes(a, b) for a, b in itertools.pairwise(route.airports))
    base = minutes / 60 * aircraft.hourly + LANDING_FEE * (len(route.airports) - 1)
    return 100 * round(base * rng.uniform(0.9, 1.15) / 100)


def draw_mission(rng: random.Random, primary: str, destinations: dict[str, Json], weeks: int) -> Mission:
    """One flight towards `primary`, with its seats, cost and timed stops (numbered later, by departure)."""
    route = plan_route(rng, primary, destinations)
    aircraft = choose_aircraft(rng, route)
    seats = rng.randint(*aircraft.seats)
    if aircraft in SHORT_HAUL and rng.random() < SHARED_MISSION:
        seats = rng.randint(20, min(60, seats))
    is_long = aircraft in LONG_HAUL
    reserved = rng.randint(5, 8) if is_long else rng.randint(2, 6)
    times = schedule(rng, route, destinations[primary], weeks)
    stops: list[Json] = []
    for airport, (arrive, depart) in zip(route.airports, times, strict=True):
        stop: Json = {"airport": airport}
        if arrive is not None:
            stop["arrive"] = render_time(arrive, airport)
        if depart is not None:
            stop["depart"] = render_time(depart, airport)
        stops.append(stop)
    doc: Json = {
        "aircraft": aircraft.name,
        "seats": seats,
        "reserved_seats": reserved,
        "cost": price(rng, route, aircraft),
        "stops": stops,
    }
    first = times[0][1]
    assert first is not None
    return Mission(route, EPOCH + dt.timedelta(minutes=first), doc)


def draw_missions(rng: random.Random, primaries: list[str], destinations: dict[str, Json], weeks: int) -> list[Mission]:
    """Every flight, numbered in departure order as a schedule reads."""
    missions = [draw_mission(rng, primary, destinations, weeks) for primary in primaries]
    # The index breaks ties so that equal departures keep a fixed order.
    order = sorted(range(len(missions)), key=lambda i: (missions[i].departs, i))
    width = max(4, len(str(len(missions))))
    return [
        Mission(missions[i].route, missions[i].departs, {"id": f"RPN-{number:0{width}d}"} | missions[i].doc)
        for number, i in enumerate(order, start=1)
    ]


def pickup_pickers(missions: list[Mission]) -> dict[str, Picker[str]]:
    """Per drop-off country, the hubs its flights pick up at, weighted by how many flights call there."""
    calls: dict[str, Counter[str]] = {}
    for mission in missions:
        route = mission.route
        for country in route.countries:
            calls.setdefault(country, Counter()).update(route.airports[: route.pickups])
    return {country: Picker(list(counter.items())) for country, counter in calls.items()}


# --- People
# These run once per person, so draws use `random()` directly: `randrange` and `choice` cost several times more.

AS_OF_ORDINAL = AS_OF.date().toordinal()
ADULT_AGE = 18


def below(rng: random.Random, n: int) -> int:
    """A uniform integer in [0, n)."""
    return int(rng.random() * n)


def pick(rng: random.Random, values: Sequence[T]) -> T:
    """A uniform choice."""
    return values[int(rng.random() * len(values))]


@cache
def iso_day(ordinal: int) -> str:
    """The ISO date of a proleptic Gregorian ordinal (a few thousand distinct days recur across people)."""
    return dt.date.fromordinal(ordinal).isoformat()


@cache
def birth_ordinals(age: int) -> tuple[int, int]:
    """(latest ordinal, number of days) of birth dates giving exactly `age` completed years on as_of."""
    today = AS_OF.date()
    latest = today.replace(year=today.year - age)
    earliest = today.replace(year=today.year - age - 1) + dt.timedelta(days=1)
    return latest.toordinal(), (latest - earliest).days + 1


def draw_people(rng: random.Random, groups: list[Group], pickups: dict[str, Picker[str]], weeks: int) -> list[Json]:
    """Every person, group by group; a family shares nationality, surname, case and staging hub."""
    width = max(6, len(str(sum(group.size for group in groups))))
    family_width = max(4, len(str(sum(group.size > 1 for group in groups))))
    people: list[Json] = []
    family_number = 0
    for group in groups:
        names = NAME_LISTS[name_group(group.nationality)]
        staging = draw_staging(rng, group.nationality, pickups)
        family_id = None
        if group.size > 1:
            family_number += 1
            family_id = f"FAM-{family_number:0{family_width}d}"
        # A family's removal case is one case: the order and its weight are the family's.
        shared: Json = {
            "surname": draw_surname(rng, names[2]),
            "final_order": rng.random() < 0.92,
            "priority": PRIORITY(rng),
        }
        for age, sex in draw_members(rng, group):
            person: Json = {"id": f"P-{len(people) + 1:0{width}d}"}
            person |= draw_person(rng, group.nationality, age, sex, names)
            person |= shared
            person["staging_airport"] = staging
            person["ready_from"] = draw_ready_from(rng, weeks)
            person["family_id"] = family_id
            people.append(order_person(person))
    return people


def name_group(nationality: str) -> str:
    """Which name list a nationality draws from."""
    country = COUNTRIES.get(nationality)
    return country.names if country is not None else UNRULED_NAMES[nationality]


def draw_staging(rng: random.Random, nationality: str, pickups: dict[str, Picker[str]]) -> str:
    """A staging hub, usually one that flights to the person's country call at."""
    picker = pickups.get(nationality)
    if picker is not None and rng.random() < STAGED_ON_ROUTE:
        return picker(rng)
    return HUB(rng)


def draw_surname(rng: random.Random, surnames: tuple[str, ...]) -> str:
    """One surname, or two in the Spanish manner now and then."""
    first = pick(rng, surnames)
    if rng.random() < 0.3:
        return f"{first} {pick(rng, surnames)}"
    return first


def draw_members(rng: random.Random, group: Group) -> list[tuple[int, str]]:
    """(age on as_of, sex) of every member: families have one or two adults and children."""
    if group.kind == "single":
        return [(int(rng.triangular(18, 66, 27)), draw_adult_sex(rng))]
    if group.kind == "lone_minor":
        return [(rng.randint(14, 17), pick(rng, "FM"))]
    if group.kind == "siblings":
        return [(rng.randint(6, 17), pick(rng, "FM")) for _ in range(group.size)]
    adults = 2 if group.size >= 3 and rng.random() < 0.5 else 1
    parent = rng.randint(22, 48)
    members = [(parent, "F" if adults == 2 or rng.random() < 0.65 else "M")]
    if adults == 2:
        members.append((min(65, parent + rng.randint(-3, 6)), "M"))
    oldest_child = min(17, parent - 16)
    members += [(rng.randint(0, oldest_child), pick(rng, "FM")) for _ in range(group.size - adults)]
    return members


def draw_adult_sex(rng: random.Random) -> str:
    """Mostly men among single adults, as in removal statistics; X now and then."""
    draw = rng.random()
    return "M" if draw < 0.78 else "F" if draw < 0.995 else "X"


def draw_birth_date(rng: random.Random, age: int) -> str:
    """A birth date giving exactly `age` completed years on the local date of as_of."""
    latest, days = birth_ordinals(age)
    return iso_day(latest - below(rng, days))


def draw_given_names(rng: random.Random, names: tuple[str, ...]) -> str:
    """One given name, or two as is common on Latin American documents."""
    first = pick(rng, names)
    if rng.random() < 0.35:
        second = pick(rng, names)
        if second != first:
            return f"{first} {second}"
    return first


def draw_ready_from(rng: random.Random, weeks: int) -> str | None:
    """Usually null; now and then a day within the horizon before which the person cannot board."""
    if rng.random() >= 0.1:
        return None
    return iso_day(AS_OF_ORDINAL + 1 + below(rng, 7 * weeks))


def draw_person(rng: random.Random, nationality: str, age: int, sex: str, names: tuple[tuple[str, ...], ...]) -> Json:
    """One synthetic person's own facts; the caller adds ids and what the group shares."""
    given = names[1] if sex == "F" else names[0] if sex == "M" else names[below(rng, 2)]
    return {
        "given_names": draw_given_names(rng, given),
        "birth_date": draw_birth_date(rng, age),
        "sex": sex,
        "nationality": nationality,
        "nationality_verified": rng.random() < 0.85,
        "holds": draw_holds(rng),
        "documents": draw_documents(rng, nationality),
        # Children are escorted with their parents, not assessed as flight risks.
        "risk": RISK(rng) if age >= ADULT_AGE else "low",
        "fit_to_fly": rng.random() >= 0.03,
        "medical_escort": rng.random() < 0.08,
    }


PERSON_KEYS = (
    "id", "given_names", "surname", "birth_date", "sex", "nationality", "nationality_verified", "final_order",
    "holds", "documents", "staging_airport", "ready_from", "risk", "fit_to_fly", "medical_escort", "family_id",
    "priority",
)  # fmt: skip


def order_person(person: Json) -> Json:
    """The person's keys in contract order, for JSON a reader can scan."""
    return {key: person[key] for key in PERSON_KEYS}


HOLD_KINDS = tuple(HOLD_NOTES)


def draw_holds(rng: random.Random) -> list[Json]:
    """Usually none; about one person in fourteen has a legal hold."""
    if rng.random() >= 0.07:
        return []
    kind = pick(rng, HOLD_KINDS)
    return [{"kind": kind, "note": pick(rng, HOLD_NOTES[kind])}]


def expiry(rng: random.Random, low: int, high: int) -> str:
    """A date between `low` and `high` days (inclusive) after the as_of date."""
    return iso_day(AS_OF_ORDINAL + low + below(rng, high - low + 1))


def serial(rng: random.Random, digits: int) -> int:
    """A number of exactly `digits` digits."""
    low: int = 10 ** (digits - 1)
    return low + below(rng, 9 * low)


def draw_document(rng: random.Random, kind: str, issuer: str) -> Json:
    """One travel document with a synthetic number and a plausible validity for its type."""
    if kind == "passport":
        number, expires = f"{issuer[0]}{serial(rng, 8)}", expiry(rng, 120, 3600)
    elif kind == "near_expiry_passport":
        kind, number, expires = "passport", f"{issuer[0]}{serial(rng, 8)}", expiry(rng, 0, 75)
    elif kind == "expired_passport":
        kind, number, expires = "passport", f"{issuer[0]}{serial(rng, 8)}", expiry(rng, -1500, -1)
    elif kind == "emergency_travel_document":
        # Emergency travel documents are issued for the trip and lapse within months.
        number, expires = f"ETD-{serial(rng, 6)}", expiry(rng, 20, 180)
    elif kind == "laissez_passer":
        number, expires = f"LP-{serial(rng, 6)}", expiry(rng, 30, 365)
    else:
        number, expires = str(serial(rng, 13)), expiry(rng, 365, 3650)
    return {"type": kind, "number": number, "issuing_country": issuer, "expires": expires}


PROFILE_DOCUMENTS: dict[str, tuple[str, ...]] = {
    "passport": ("passport",),
    "passport+national_id": ("passport", "national_id"),
    "etd": ("emergency_travel_document",),
    "laissez_passer": ("laissez_passer",),
    "near_expiry_passport": ("near_expiry_passport",),
    "expired_passport": ("expired_passport",),
    "expired_passport+etd": ("expired_passport", "emergency_travel_document"),
    "national_id": ("national_id",),
    "none": (),
    "foreign_passport": ("passport",),
}
ISSUERS = tuple(COUNTRIES)


def draw_documents(rng: random.Random, nationality: str) -> list[Json]:
    """The documents a person holds: usually a valid passport or ETD of their nationality."""
    profile = DOCUMENT_PROFILE(rng)
    issuer = nationality
    if profile == "foreign_passport":
        issuer = pick(rng, [code for code in ISSUERS if code != nationality])
    return [draw_document(rng, kind, issuer) for kind in PROFILE_DOCUMENTS[profile]]
