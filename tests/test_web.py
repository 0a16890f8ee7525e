"""The staff page in a real browser: Debian's headless chromium, driven by Playwright, against `planner serve`.

Screenshots of the main views are kept in tests/artefacts/ (not committed) for a person to look at, with the
timings of the 20,000-person plan in tests/artefacts/web-timings.json.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect, sync_playwright

from api.keys import Role, add_key
from planner.generate import generate_json
from planner.parsing import parse_request
from planner.roster import write_csv_folder
from tests.test_service_e2e import FIXTURES, Launcher, Server

ARTEFACTS = Path(__file__).resolve().parent / "artefacts"
CHROMIUM = os.environ.get("PLANNER_TEST_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER_VARIABLE = "PLANNER_REQUIRE_BROWSER"
# The manifest exports the page offers (MANIFEST_FORMATS and FORMAT_INFO in api/static/app.js), each format with
# its button label and file extension: the test downloads each and compares it with the API's own answer.
MANIFEST_EXPORTS = {
    "json": ("JSON", "json"),
    "csv": ("CSV", "csv"),
    "xlsx": ("Excel", "xlsx"),
    "pdf": ("PDF", "pdf"),
    "paxlst": ("PAXLST", "edi"),
}
# Generous on a shared 2-core machine; the figures measured are written to web-timings.json.
FIRST_RENDER_SECONDS = 3.0
INTERACTION_SECONDS = 1.0
# Each action and expectation waits at most this long: the contract example plans in under a second, but the
# machine may be busy.
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def launcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launcher]:
    """One service on SQLite for the module's tests (the page does not care which database the service has)."""
    workdir = tmp_path_factory.mktemp("web")
    keys_file = workdir / "keys.json"
    token = add_key(keys_file, "web-planner", Role.PLANNER)
    launcher = Launcher(f"sqlite:///{workdir / 'planner.db'}", keys_file, token, workdir)
    try:
        yield launcher
    finally:
        launcher.close()


@pytest.fixture(scope="module")
def server(launcher: Launcher) -> Server:
    return launcher.start(workers=1)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian chromium; without it the browser tests are skipped, unless CI requires them."""
    if not Path(CHROMIUM).exists():
        message = f"browser tests need chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get(REQUIRE_BROWSER_VARIABLE):
            pytest.fail(message)
        pytest.skip(message)
    ARTEFACTS.mkdir(exist_ok=True)
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"the page raised: {errors}"


def sign_in(page: Page, server: Server, key: str) -> None:
    page.goto(str(server.client.base_url))
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=ARTEFACTS / f"web-{name}.png", full_page=full_page)


def test_staff_plan_the_contract_example_and_download_its_manifest(
    page: Page, server: Server, launcher: Launcher, tmp_path: Path
) -> None:
    sign_in(page, server, launcher.token)
    expect(page.get_by_role("heading", name="New plan")).to_be_visible()
    shoot(page, "1-signed-in")

    page.get_by_label("Roster or plan request file").set_input_files(FIXTURES / "contract-example.json")
    page.get_by_label("Time limit (seconds)").fill("30")
    page.get_by_role("button", name="Upload and plan").click()
    progress = page.locator("#progress-text")
    expect(progress).to_contain_text("Finished: 3 of 8 people placed; no plan can place more priority.")
    expect(page.locator("#summary")).to_contain_text("3 of 8")
    expect(page.locator("#flights-table tbody tr")).to_have_count(2)
    shoot(page, "2-plan-finished")

    page.get_by_role("button", name="Open flight RPN-101").click()
    expect(page.get_by_role("heading", name="Flight RPN-101")).to_be_focused()
    passengers = page.locator("#manifest-table tbody tr")
    expect(passengers).to_have_count(3)
    expect(passengers.locator("th")).to_have_text(["P-0001", "P-0002", "P-0003"])
    # People aboard per segment of the milk run AEX → HRL → GUA → SAP, and the chart drawn from the same numbers.
    segments = page.locator("#segments-table tbody tr")
    expect(segments.locator("th")).to_have_text(["AEX → HRL", "HRL → GUA", "GUA → SAP"])
    expect(segments.locator("td:nth-child(2)")).to_have_text(["2", "3", "1"])
    chart = page.locator("#seat-chart svg")
    expect(chart.locator("rect > title")).to_contain_text(["12 seats", "2 people", "1 escort officers", "2 reserved"])
    expect(chart.locator("text").filter(has_text="/12")).to_have_text(["6/12", "7/12", "5/12"])
    page.locator("#flight-detail").scroll_into_view_if_needed()
    shoot(page, "3-flight-RPN-101", full_page=False)

    job_id = page.locator("#plan-id").inner_text()
    offered = page.locator("#flight-downloads button").filter(has_text="Manifest")
    expect(offered).to_have_text([f"Manifest ({label})" for label, _ in MANIFEST_EXPORTS.values()])
    for export, (label, extension) in MANIFEST_EXPORTS.items():
        with page.expect_download() as download:
            page.get_by_role("button", name=f"Manifest ({label})").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.name == f"manifest-RPN-101.{extension}"
        expected = server.client.get(f"/v1/plans/{job_id}/manifests/RPN-101", params={"format": export})
        assert comparable(export, saved.read_bytes()) == comparable(export, expected.content), export
    with page.expect_download() as download:
        page.get_by_role("button", name="Plan (JSON)").click()
    plan = json.loads(Path(download.value.path()).read_bytes())
    assert [m["flight_id"] for m in plan["manifests"]] == ["RPN-101"]

    page.get_by_label("Reason", exact=True).select_option("LEGAL_HOLD")
    rows = page.locator("#unplaced-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator("th")).to_have_text("P-0006")
    expect(rows.locator("td").first).to_have_text("LEGAL_HOLD")
    expect(page.locator("#unplaced-count")).to_have_text("1 of 5 people left off with reason LEGAL_HOLD.")
    page.locator("#unplaced").scroll_into_view_if_needed()
    shoot(page, "4-unplaced-legal-hold", full_page=False)


def test_an_unknown_key_is_refused_with_a_message(page: Page, server: Server) -> None:
    sign_in(page, server, "not-a-key")
    expect(page.get_by_role("alert")).to_have_text("The service does not know this key.")
    expect(page.get_by_role("heading", name="New plan")).to_be_hidden()


def test_a_refused_upload_names_the_bad_fields(page: Page, server: Server, launcher: Launcher, tmp_path: Path) -> None:
    request = json.loads((FIXTURES / "contract-example.json").read_text(encoding="utf-8"))
    request["flights"][0]["seats"] = -1
    bad = tmp_path / "bad-request.json"
    bad.write_text(json.dumps(request), encoding="utf-8")
    sign_in(page, server, launcher.token)
    page.get_by_label("Roster or plan request file").set_input_files(bad)
    page.get_by_role("button", name="Upload and plan").click()
    expect(page.locator("#upload-status")).to_contain_text("The upload was refused")
    expect(page.locator("#upload-errors li")).to_contain_text(["flights.0.seats"])


def test_a_roster_workbook_is_planned_like_its_json(page: Page, server: Server, launcher: Launcher) -> None:
    sign_in(page, server, launcher.token)
    page.get_by_label("Roster or plan request file").set_input_files(FIXTURES / "contract-example.xlsx")
    page.get_by_label("Time limit (seconds)").fill("30")
    page.get_by_role("button", name="Upload and plan").click()
    expect(page.locator("#progress-text")).to_contain_text("Finished: 3 of 8 people placed")


def test_a_rosters_csv_files_are_planned_together(
    page: Page, server: Server, launcher: Launcher, tmp_path: Path
) -> None:
    write_csv_folder(parse_request((FIXTURES / "contract-example.json").read_bytes()), tmp_path)
    sign_in(page, server, launcher.token)
    page.get_by_label("Roster or plan request file").set_input_files(sorted(tmp_path.glob("*.csv")))
    page.get_by_label("Time limit (seconds)").fill("30")
    page.get_by_role("button", name="Upload and plan").click()
    expect(page.locator("#progress-text")).to_contain_text("Finished: 3 of 8 people placed")


def test_a_workbook_with_a_bad_cell_is_refused_naming_the_cell(
    page: Page, server: Server, launcher: Launcher, tmp_path: Path
) -> None:
    workbook = load_workbook(FIXTURES / "contract-example.xlsx")
    workbook["flights"]["C2"] = "many"  # the seats of RPN-101
    bad = tmp_path / "bad-roster.xlsx"
    workbook.save(bad)
    sign_in(page, server, launcher.token)
    page.get_by_label("Roster or plan request file").set_input_files(bad)
    page.get_by_role("button", name="Upload and plan").click()
    expect(page.locator("#upload-status")).to_contain_text("The upload was refused")
    expect(page.locator("#upload-errors li")).to_contain_text(["flights row 2 column seats"])


def test_keyboard_alone_signs_in_and_reaches_the_upload(page: Page, server: Server, launcher: Launcher) -> None:
    page.goto(str(server.client.base_url))
    expect(page.get_by_label("API key")).to_be_focused()
    page.keyboard.type(launcher.token)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Roster or plan request file")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Time limit (seconds)")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Upload and plan")).to_be_focused()


@pytest.mark.slow
def test_progress_is_drawn_while_the_solve_runs(page: Page, server: Server, launcher: Launcher, tmp_path: Path) -> None:
    # A roster whose solve improves its plan and its bound several times within the time limit.
    roster = tmp_path / "three-thousand.json"
    roster.write_text(generate_json(3000, 60, 2, seed=2), encoding="utf-8")
    sign_in(page, server, launcher.token)
    page.get_by_label("Roster or plan request file").set_input_files(roster)
    page.get_by_label("Time limit (seconds)").fill("8")
    page.get_by_role("button", name="Upload and plan").click()
    progress = page.locator("#progress-text")
    expect(progress).to_contain_text("priority", timeout=120_000)
    running = progress.inner_text()
    expect(progress).to_contain_text("Finished", timeout=120_000)
    assert running.startswith("Running for"), running
    placed, bound = (page.locator("#progress-chart polyline").nth(i) for i in (1, 0))
    placed_points = (placed.get_attribute("points") or "").split()
    bound_points = (bound.get_attribute("points") or "").split()
    assert len(placed_points) >= 3, placed_points
    # SVG y grows downwards: the bound never rises, the placed priority never falls.
    assert [float(p.split(",")[1]) for p in bound_points] == sorted(float(p.split(",")[1]) for p in bound_points)
    assert [float(p.split(",")[1]) for p in placed_points] == sorted(
        (float(p.split(",")[1]) for p in placed_points), reverse=True
    )
    page.locator("#progress").scroll_into_view_if_needed()
    shoot(page, "5-progress", full_page=False)


@pytest.mark.slow
def test_twenty_thousand_people_pages_stay_responsive(
    page: Page, server: Server, launcher: Launcher, tmp_path: Path
) -> None:
    roster = tmp_path / "twenty-thousand.json"
    roster.write_text(generate_json(20000, 400, 4, seed=1), encoding="utf-8")
    sign_in(page, server, launcher.token)
    page.get_by_label("Roster or plan request file").set_input_files(roster)
    page.get_by_label("Time limit (seconds)").fill("10")
    page.get_by_role("button", name="Upload and plan").click()
    progress = page.locator("#progress-text")
    expect(progress).to_contain_text("Running", timeout=120_000)
    expect(progress).to_contain_text("Finished", timeout=180_000)
    job_id = page.locator("#plan-id").inner_text()
    job = server.client.get(f"/v1/plans/{job_id}").json()
    unplaced = job["summary"]["stats"]["people"] - job["summary"]["stats"]["placed"]
    page.locator("#progress").scroll_into_view_if_needed()
    shoot(page, "6-twenty-thousand-finished", full_page=False)

    # Time to first render: from opening the finished plan to the first rows of people left off on screen.
    first_render = time_in_page(page, f'[aria-label="Open plan {job_id}"]', until="#unplaced-table tbody tr")
    expect(page.locator("#unplaced-count")).to_have_text(f"{unplaced:,} of {unplaced:,} people left off.")
    expect(page.locator("#unplaced-table tbody tr th")).to_have_count(50)
    expect(page.locator("#flights-table tbody tr")).to_have_count(25)
    page.locator("#flights").scroll_into_view_if_needed()
    shoot(page, "7-twenty-thousand-flights", full_page=False)

    # Filtering all of them by a reason, and paging on, are as quick.
    code = page.locator("#reason-filter option").nth(1).get_attribute("value")
    assert code
    filtered = time_in_page(page, f'#reasons button[aria-label^="{code}:"]')
    expect(page.locator("#unplaced-count")).to_contain_text(f"with reason {code}")
    next_page = time_in_page(page, '[aria-label="Next people"]')
    expect(page.locator("#unplaced-pager")).to_contain_text("51–100 of")
    flights_page = time_in_page(page, '[aria-label="Next flights"]')
    expect(page.locator("#flights-pager")).to_contain_text("26–50 of 400 flights")
    page.locator("#unplaced").scroll_into_view_if_needed()
    shoot(page, "8-twenty-thousand-unplaced-filtered", full_page=False)

    timings = {
        "people": 20000,
        "unplaced": unplaced,
        "first_render_of_unplaced_seconds": round(first_render, 3),
        "filter_by_reason_seconds": round(filtered, 3),
        "next_page_of_unplaced_seconds": round(next_page, 3),
        "next_page_of_flights_seconds": round(flights_page, 3),
    }
    (ARTEFACTS / "web-timings.json").write_text(json.dumps(timings, indent=2) + "\n", encoding="utf-8")
    assert first_render < FIRST_RENDER_SECONDS, timings
    assert max(filtered, next_page, flights_page) < INTERACTION_SECONDS, timings


def time_in_page(page: Page, click: str, until: str | None = None) -> float:
    """Seconds from a click on the element `click` selects until the page has changed (and holds an element that
    `until` selects) and painted the next frame: measured by the page's own clock, not by polling from here."""
    elapsed: float = page.evaluate(
        """([click, until, limit]) => new Promise((resolve, reject) => {
            const started = performance.now();
            const observer = new MutationObserver(() => {
                if (until !== null && !document.querySelector(until)) return;
                observer.disconnect();
                requestAnimationFrame(() => resolve((performance.now() - started) / 1000));
            });
            observer.observe(document.body, { childList: true, subtree: true, characterData: true });
            setTimeout(() => { observer.disconnect(); reject(new Error(`no change within ${limit} ms`)); }, limit);
            document.querySelector(click).click();
        })""",
        [click, until, WAIT_MS],
    )
    return elapsed


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    light, dark = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_colours_meet_wcag_aa_contrast() -> None:
    """Every text colour of the page against the backgrounds it is drawn on: at least 4.5:1."""
    css = (Path(__file__).resolve().parent.parent / "api" / "static" / "app.css").read_text(encoding="utf-8")
    colours = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6});", css))
    pairs = [
        (text, ground)
        for text in ("ink", "muted", "accent-dark", "danger", "ok", "warn")
        for ground in ("paper", "wash")
    ]
    pairs += [("paper", "accent"), ("paper", "accent-dark"), ("paper", "danger")]
    low = {pair: round(contrast(colours[pair[0]], colours[pair[1]]), 2) for pair in pairs}
    assert all(ratio >= 4.5 for ratio in low.values()), low
    # The seat chart's and the progress chart's colours carry text and meaning on white too.
    for colour in ("#1f5fa8", "#a34a00", "#1b6e34", "#5c5c5c", "#595959"):
        assert contrast(colour, "#ffffff") >= 4.5, colour


def comparable(export: str, content: bytes) -> object:
    """What two downloads of one manifest share: an XLSX's cells (its zip is stamped with the time of writing),
    a PAXLST's segments but the interchange envelope (stamped with the time it was prepared), else every byte."""
    if export == "xlsx":
        sheet = load_workbook(io.BytesIO(content)).active
        assert sheet is not None
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    if export == "paxlst":
        return [
            segment for segment in content.split(b"'") if segment.strip()[:3] not in {b"UNB", b"UNH", b"UNT", b"UNZ"}
        ]
    return content
