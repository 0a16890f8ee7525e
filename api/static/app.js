// The staff page of the planning service: sign in, upload, follow the solve, inspect flights and people left off,
// download exports. Plain browser JavaScript talking to the service's own /v1 API; no build step.
"use strict";

// ---- Formats: the one place to change when the service learns more of them ---------------------------------------
// Uploads: file extension -> the Content-Type POST /v1/plans is sent with (a roster workbook or contract JSON).
const UPLOAD_TYPES = {
  json: "application/json",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};
// Manifest exports offered for each flight, as ?format= values of GET /v1/plans/{id}/manifests/{flight}.
const MANIFEST_FORMATS = ["json", "csv", "xlsx", "pdf", "paxlst"];
const FORMAT_INFO = {
  json: { label: "JSON", extension: "json" },
  csv: { label: "CSV", extension: "csv" },
  xlsx: { label: "Excel", extension: "xlsx" },
  pdf: { label: "PDF", extension: "pdf" },
  paxlst: { label: "PAXLST", extension: "edi" },
};

// The colours of the seat chart, the same as planner/report.py draws for briefings.
const SEAT_PARTS = [
  { key: "aboard", label: "people", colour: "#1f5fa8" },
  { key: "officers", label: "escort officers", colour: "#a34a00" },
  { key: "medical_officers", label: "medical officers", colour: "#1b6e34" },
  { key: "reserved_seats", label: "reserved", colour: "#5c5c5c" },
];
const FINAL = new Set(["succeeded", "failed", "cancelled"]);
const KEY_STORAGE = "manifest-planner.api-key";
const POLL_MS = 1000;
const FLIGHTS_PER_PAGE = 25;
const PASSENGERS_PER_PAGE = 50;
const UNPLACED_PER_PAGE = 50;

const state = {
  key: null,
  planId: null,
  job: null,
  history: [],
  poller: null,
  flights: [],
  flightFilter: "all",
  flightPage: 0,
  flightId: null,
  manifest: null,
  manifestPage: 0,
  unplaced: [],
  reasonCounts: [],
  reason: "",
  search: "",
  unplacedPage: 0,
};

const $ = (selector) => document.querySelector(selector);

// ---- DOM helpers: text goes in as text, never as markup ----------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  setAttributes(node, attributes);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  setAttributes(node, attributes);
  node.append(...children);
  return node;
}

function setAttributes(node, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "onclick") node.addEventListener("click", value);
    else if (name === "text") node.textContent = value;
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
}

function svgText(x, y, content, attributes = {}) {
  return svg("text", { x, y, fill: "#1a1a1a", "font-size": 12, ...attributes }, document.createTextNode(content));
}

function titled(node, tooltip) {
  node.append(svg("title", {}, document.createTextNode(tooltip)));
  return node;
}

const number = new Intl.NumberFormat("en-GB");
const count = (n, noun) => `${fmt(n)} ${noun}${n === 1 ? "" : "s"}`;
const fmt = (value) => (value === null || value === undefined ? "—" : number.format(value));

// A contract timestamp shown in its own local time and offset, as the crews and the destination read it.
function localTime(stamp) {
  if (!stamp) return "—";
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(stamp);
  return match ? `${match[1]} ${match[2]} ${match[3] === "Z" ? "UTC" : match[3]}` : stamp;
}

// ---- The API -----------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${state.key}`, ...(options.headers || {}) };
  const response = await fetch(path, { ...options, headers });
  if (!response.ok) {
    let problem = {};
    try {
      problem = await response.json();
    } catch (_) {
      problem = { title: response.statusText };
    }
    if (response.status === 401 && state.key) signOut("The service no longer knows this key; sign in again.");
    throw new ApiError(response.status, problem);
  }
  return response;
}

const getJson = async (path) => (await api(path)).json();
const planPath = (suffix = "") => `/v1/plans/${encodeURIComponent(state.planId)}${suffix}`;

// Downloads go through fetch because the key travels in a header, then leave as a file named for what it holds.
async function download(path, filename, button) {
  button.disabled = true;
  try {
    const blob = await (await api(path)).blob();
    saveBlob(blob, filename);
  } catch (error) {
    alertError(error);
  } finally {
    button.disabled = false;
  }
}

function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function alertError(error) {
  $("#upload-status").textContent = `Error: ${error.message}`;
}

// ---- Signing in ----------------------------------------------------------------------------------------------------

async function signIn(key) {
  state.key = key;
  try {
    await loadRecent();
  } catch (error) {
    state.key = null;
    const reason =
      error.status === 403
        ? "This key may not read plans (an auditor's key?). Use a planner or viewer key."
        : error.status === 401
          ? "The service does not know this key."
          : `Could not sign in: ${error.message}`;
    $("#sign-in-error").textContent = reason;
    return;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  $("#sign-in-error").textContent = "";
  $("#sign-in").hidden = true;
  $("#workspace").hidden = false;
  $("#session").hidden = false;
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("plan");
  if (fromHash) openPlan(fromHash);
  else $("#roster-file").focus();
}

function signOut(message = "") {
  stopPolling();
  sessionStorage.removeItem(KEY_STORAGE);
  state.key = null;
  state.planId = null;
  $("#workspace").hidden = true;
  $("#session").hidden = true;
  $("#plan").hidden = true;
  $("#sign-in").hidden = false;
  $("#api-key").value = "";
  $("#sign-in-error").textContent = message;
  history.replaceState(null, "", location.pathname);
  $("#api-key").focus();
}

// ---- Recent plans --------------------------------------------------------------------------------------------------

async function loadRecent() {
  const page = await getJson("/v1/plans?limit=20");
  const body = $("#plans-table tbody");
  body.replaceChildren(
    ...page.items.map((job) => {
      const placed = job.summary ? `${fmt(job.summary.stats.placed)} / ${fmt(job.summary.stats.people)}` : "—";
      const row = el(
        "tr",
        { class: job.id === state.planId ? "current" : null },
        el("td", { text: new Date(job.submitted_at).toLocaleString("en-GB") }),
        el("td", {}, el("span", { class: `badge ${job.status}`, text: job.status })),
        el("td", { text: placed }),
        el("td", {}, el("button", { type: "button", class: "link", text: "Open", "aria-label": `Open plan ${job.id}`,
          onclick: () => openPlan(job.id) })),
      );
      return row;
    }),
  );
  if (!page.items.length) body.append(el("tr", {}, el("td", { colspan: 4, text: "No plans yet." })));
}

// ---- Upload --------------------------------------------------------------------------------------------------------

function describeUploads() {
  const extensions = Object.keys(UPLOAD_TYPES);
  $("#roster-file").setAttribute("accept", [...extensions, "csv"].map((ext) => `.${ext}`).join(","));
  $("#roster-file").setAttribute("multiple", "");
  $("#roster-formats").textContent =
    `${extensions.map((e) => e.toUpperCase()).join(" or ")}: a plan request as the planning contract describes it ` +
    "(e.g. fixtures/contract-example.json), a roster workbook filled from fixtures/templates/roster.xlsx, or " +
    "the roster's CSV files (people.csv, flights.csv, ...; fixtures/templates/csv/) chosen together.";
}

async function upload(event) {
  event.preventDefault();
  const chosen = Array.from($("#roster-file").files);
  const status = $("#upload-status");
  const errors = $("#upload-errors");
  errors.replaceChildren();
  if (!chosen.length) return;
  const extensions = chosen.map((f) => f.name.split(".").pop().toLowerCase());
  // A roster kept as CSV files goes up as one multipart form, one `files` part a sheet.
  const asCsv = extensions.every((ext) => ext === "csv");
  const file = chosen[0];
  const type = asCsv ? "multipart/form-data" : chosen.length === 1 ? UPLOAD_TYPES[extensions[0]] : undefined;
  if (!type) {
    status.textContent =
      `This page uploads one ${Object.keys(UPLOAD_TYPES).join(" or ")} file, or a roster's CSV files together.`;
    return;
  }
  let body = file;
  const headers = {};
  if (asCsv) {
    body = new FormData();
    for (const part of chosen) body.append("files", part, part.name);
  } else {
    headers["Content-Type"] = type;
  }
  const limit = $("#time-limit").value;
  const what = asCsv && chosen.length > 1 ? `${chosen.length} CSV files` : file.name;
  status.textContent = `Uploading ${what}…`;
  try {
    const job = await (
      await api(`/v1/plans?time_limit_seconds=${encodeURIComponent(limit)}`, {
        method: "POST",
        headers,
        body,
      })
    ).json();
    status.textContent = `Uploaded ${what}: plan ${job.id} is ${job.status}.`;
    openPlan(job.id);
  } catch (error) {
    const why = error.status === 403 ? "this key may look at plans but not submit them" : error.message;
    status.textContent = `The upload was refused: ${why}`;
    for (const problem of (error.problem && error.problem.errors) || []) {
      errors.append(el("li", {}, el("code", { text: (problem.loc || []).join(".") }), `: ${problem.msg}`));
    }
  }
}

// ---- One plan: progress --------------------------------------------------------------------------------------------

function openPlan(id) {
  stopPolling();
  Object.assign(state, {
    planId: id, job: null, history: [], flights: [], flightPage: 0, flightId: null, manifest: null,
    unplaced: [], reasonCounts: [], reason: "", search: "", unplacedPage: 0,
  });
  history.replaceState(null, "", `#plan=${encodeURIComponent(id)}`);
  $("#plan").hidden = false;
  $("#results").hidden = true;
  $("#flight-detail").hidden = true;
  $("#plan-id").textContent = id;
  $("#progress-text").textContent = "Loading…";
  $("#progress-chart").replaceChildren();
  for (const stale of ["#flights-table tbody", "#unplaced-table tbody", "#reasons", "#timeline", "#summary",
    "#flights-pager", "#unplaced-pager", "#unplaced-count"]) $(stale).replaceChildren();
  $("#reason-filter").value = "";
  $("#unplaced-search").value = "";
  $("#plan-title").focus();
  poll();
}

function stopPolling() {
  if (state.poller) clearTimeout(state.poller);
  state.poller = null;
}

async function poll() {
  const id = state.planId;
  let job;
  try {
    job = await getJson(planPath());
  } catch (error) {
    if (id === state.planId) $("#progress-text").textContent = `Cannot read plan ${id}: ${error.message}`;
    return;
  }
  if (id !== state.planId) return;
  state.job = job;
  recordProgress(job);
  renderProgress(job);
  if (FINAL.has(job.status)) {
    loadRecent().catch(() => {});
    loadResults(job);
  } else {
    state.poller = setTimeout(poll, POLL_MS);
  }
}

function recordProgress(job) {
  const p = job.progress;
  const objective = job.summary && job.summary.objective;
  const placed = objective ? objective.placed_priority : p.placed_priority;
  const bound = objective ? objective.placed_priority_bound : p.placed_priority_bound;
  const seconds = job.summary ? job.summary.stats.solve_seconds : p.elapsed_seconds;
  if (placed === null || placed === undefined || seconds === null || seconds === undefined) return;
  const last = state.history[state.history.length - 1];
  if (!last || last.seconds !== seconds || last.placed !== placed || last.bound !== bound) {
    state.history.push({ seconds, placed, bound });
  }
}

function renderProgress(job) {
  const p = job.progress;
  const text = {
    queued: "Queued: waiting for a free solver.",
    running:
      p.placed_priority === null
        ? "Running: looking for a first plan."
        : `Running for ${p.elapsed_seconds.toFixed(0)} s of ${job.time_limit_seconds} s: ` +
          `priority ${fmt(p.placed_priority)} placed, at most ${fmt(p.placed_priority_bound)} possible.`,
    succeeded: job.summary
      ? `Finished: ${fmt(job.summary.stats.placed)} of ${fmt(job.summary.stats.people)} people placed; ` +
        `${closeness(job.summary.objective)}.`
      : "Finished.",
    failed: `Failed: ${job.error ? job.error.detail || job.error.title : "no plan"}.`,
    cancelled: "Stopped on request" + (job.summary ? "; the best plan found by then is below." : "; no plan was found."),
  }[job.status] || job.status;
  $("#progress-text").textContent = text;
  $("#cancel-plan").hidden = FINAL.has(job.status);
  drawProgress();
}

// How close the placed priority is to the proven bound, in words.
function closeness(objective) {
  const gap = objective.placed_priority_bound - objective.placed_priority;
  return gap <= 0 ? "no plan can place more priority" : `at most ${fmt(gap)} more priority could be placed`;
}

function drawProgress() {
  const points = state.history;
  const width = 640, height = 200, left = 56, right = 16, top = 14, bottom = 36;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-label": progressLabel() });
  const maxX = Math.max(1, ...points.map((p) => p.seconds));
  const maxY = Math.max(1, ...points.map((p) => Math.max(p.placed, p.bound ?? 0)));
  const x = (s) => left + (s / maxX) * (width - left - right);
  const y = (v) => height - bottom - (v / maxY) * (height - top - bottom);
  chart.append(svg("rect", { x: 0, y: 0, width, height, fill: "#fff" }));
  chart.append(svg("line", { x1: left, y1: y(0), x2: width - right, y2: y(0), stroke: "#767676" }));
  chart.append(svg("line", { x1: left, y1: top, x2: left, y2: y(0), stroke: "#767676" }));
  chart.append(svgText(left - 6, y(maxY) + 4, fmt(maxY), { "text-anchor": "end" }));
  chart.append(svgText(left - 6, y(0) + 4, "0", { "text-anchor": "end" }));
  chart.append(svgText(width - right, y(0) + 16, `${maxX.toFixed(1)} s`, { "text-anchor": "end" }));
  chart.append(svgText(left, y(0) + 16, "0 s"));
  chart.append(svgText(width - right - 210, height - 8, "— priority placed", { fill: "#1f5fa8" }));
  chart.append(svgText(width - right - 90, height - 8, "- - - bound", { fill: "#a34a00" }));
  const line = (key, colour, dash) => {
    const usable = points.filter((p) => p[key] !== null && p[key] !== undefined);
    if (!usable.length) return;
    chart.append(svg("polyline", { points: usable.map((p) => `${x(p.seconds)},${y(p[key])}`).join(" "),
      fill: "none", stroke: colour, "stroke-width": 2, "stroke-dasharray": dash }));
    for (const p of usable) chart.append(svg("circle", { cx: x(p.seconds), cy: y(p[key]), r: 3, fill: colour }));
  };
  line("bound", "#a34a00", "6 4");
  line("placed", "#1f5fa8", null);
  $("#progress-chart").replaceChildren(chart);
}

function progressLabel() {
  const last = state.history[state.history.length - 1];
  if (!last) return "No plan found yet.";
  return `After ${last.seconds} s, priority ${last.placed} placed of a bound of ${last.bound}.`;
}

async function cancelPlan() {
  try {
    await api(planPath("/cancel"), { method: "POST" });
    $("#progress-text").textContent = "Stopping…";
  } catch (error) {
    $("#progress-text").textContent = `Could not stop the solve: ${error.message}`;
  }
}

// ---- One plan: outcome ---------------------------------------------------------------------------------------------

async function loadResults(job) {
  if (!job.summary) return;
  const id = state.planId;
  renderSummary(job);
  $("#results").hidden = false;
  // Both at once, each drawn as soon as it arrives.
  const failed = (error) => {
    if (id === state.planId) $("#progress-text").textContent = `Could not read the plan: ${error.message}`;
  };
  const unplaced = getJson(planPath("/unplaced")).then((people) => {
    if (id !== state.planId) return;
    state.unplaced = people;
    state.reasonCounts = countReasons(people);
    renderReasons();
    renderUnplaced();
  }, failed);
  const flights = getJson(planPath("/flights")).then((found) => {
    if (id !== state.planId) return;
    state.flights = found;
    renderFlights();
  }, failed);
  await Promise.all([unplaced, flights]);
}

function renderSummary(job) {
  const s = job.summary;
  const items = [
    ["Against the bound", closeness(s.objective)],
    ["People placed", `${fmt(s.stats.placed)} of ${fmt(s.stats.people)}`],
    ["Priority placed", fmt(s.objective.placed_priority)],
    ["Proven bound", fmt(s.objective.placed_priority_bound)],
    ["Flights used", fmt(s.stats.flights_used)],
    ["Cost", fmt(s.objective.cost)],
    ["Solve time", `${s.stats.solve_seconds.toFixed(1)} s`],
  ];
  $("#summary").replaceChildren(...items.map(([term, value]) => el("div", {}, el("dt", { text: term }), el("dd", { text: value }))));
  const short = state.planId.slice(0, 8);
  $("#plan-downloads").replaceChildren(
    el("span", { class: "label", text: "Download:" }),
    downloadButton("Plan (JSON)", planPath("/result"), `plan-${short}.json`),
    downloadButton("People left off (JSON)", planPath("/unplaced"), `unplaced-${short}.json`),
  );
}

function downloadButton(label, path, filename) {
  const button = el("button", { type: "button", class: "secondary", text: label });
  button.addEventListener("click", () => download(path, filename, button));
  return button;
}

// ---- Flights: timeline and table -----------------------------------------------------------------------------------

function shownFlights() {
  if (state.flightFilter === "used") return state.flights.filter((f) => f.used);
  if (state.flightFilter === "unused") return state.flights.filter((f) => !f.used);
  return state.flights;
}

function renderFlights() {
  const flights = shownFlights();
  const pages = Math.max(1, Math.ceil(flights.length / FLIGHTS_PER_PAGE));
  state.flightPage = Math.min(state.flightPage, pages - 1);
  const page = flights.slice(state.flightPage * FLIGHTS_PER_PAGE, (state.flightPage + 1) * FLIGHTS_PER_PAGE);
  drawTimeline(page);
  $("#flights-table tbody").replaceChildren(
    ...page.map((flight) => {
      const fullest = Math.max(0, ...flight.segments.map((s) => s.seats_used));
      return el(
        "tr",
        { class: flight.flight_id === state.flightId ? "current" : null },
        el("th", { scope: "row" }, el("span", { class: "code", text: flight.flight_id })),
        el("td", { text: flight.stops.map((s) => s.airport).join(" → ") }),
        el("td", { text: localTime(flight.stops[0].depart) }),
        el("td", { text: flight.aircraft || "—" }),
        el("td", { class: "num", text: flight.used ? fmt(flight.passengers) : "not used" }),
        el("td", { class: "num", text: `${fmt(fullest)} / ${fmt(flight.seats)}` }),
        el("td", {}, el("button", { type: "button", class: "link", text: "Open",
          "aria-label": `Open flight ${flight.flight_id}`, onclick: () => openFlight(flight.flight_id) })),
      );
    }),
  );
  if (!page.length) $("#flights-table tbody").append(el("tr", {}, el("td", { colspan: 7, text: "No flights here." })));
  renderPager($("#flights-pager"), state.flightPage, pages, flights.length, FLIGHTS_PER_PAGE, "flights", (p) => {
    state.flightPage = p;
    renderFlights();
  });
}

// The flights of one page on a time axis of their own (UTC), so that a page of a long schedule stays readable.
function drawTimeline(flights) {
  const times = flights.flatMap((f) => f.stops.flatMap((s) => [s.arrive, s.depart])).filter(Boolean).map(Date.parse);
  if (!times.length) {
    $("#timeline").replaceChildren();
    return;
  }
  const start = Math.min(...times), end = Math.max(...times);
  const width = 1200, left = 110, right = 30, row = 34, top = 30;
  const height = top + row * flights.length + 10;
  const span = Math.max(1, end - start);
  const at = (moment) => left + ((moment - start) / span) * (width - left - right);
  const x = (stamp) => at(Date.parse(stamp));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, role: "img",
    "aria-label": `Timeline of ${flights.length} flights from ${utcLabel(start)} to ${utcLabel(end)}; ` +
      "the table below lists the same flights." });
  chart.append(svg("rect", { x: 0, y: 0, width, height, fill: "#fff" }));
  for (const tick of timeTicks(start, end)) {
    chart.append(svg("line", { x1: at(tick.time), y1: top - 8, x2: at(tick.time), y2: height, stroke: "#e2e2e2" }));
    chart.append(svgText(at(tick.time) + 3, top - 12, tick.label, { fill: "#595959", "font-size": 11 }));
  }
  flights.forEach((flight, index) => {
    const y = top + index * row + 20;
    const colour = flight.used ? "#1f5fa8" : "#767676";
    const group = svg("g", {});
    group.append(svgText(8, y + 4, flight.flight_id, { "font-weight": flight.flight_id === state.flightId ? 700 : 400 }));
    flight.segments.forEach((segment) => {
      group.append(titled(svg("line", { x1: x(segment.depart), y1: y, x2: x(segment.arrive), y2: y, stroke: colour,
        "stroke-width": 5, "stroke-dasharray": flight.used ? null : "4 3" }),
        `${segment.from} → ${segment.to}: ${segment.aboard} people aboard, ${segment.seats_used}/${segment.seats} seats`));
    });
    let lastLabel = -Infinity;
    flight.stops.forEach((stop) => {
      const cx = x(stop.arrive || stop.depart);
      group.append(titled(svg("circle", { cx, cy: y, r: 4, fill: "#fff", stroke: colour, "stroke-width": 2 }),
        `${stop.airport} ${localTime(stop.arrive || stop.depart)}`));
      // Stops close together in time would print over each other: the first of them keeps its label.
      if (cx - lastLabel >= 30) {
        group.append(svgText(cx, y - 8, stop.airport, { "text-anchor": "middle", "font-size": 10, fill: "#333" }));
        lastLabel = cx;
      }
    });
    chart.append(group);
  });
  $("#timeline").replaceChildren(chart);
}

const HOUR = 3600000;

function timeTicks(start, end) {
  const step = [1, 3, 6, 12, 24, 48, 168].map((h) => h * HOUR).find((s) => (end - start) / s <= 8) || 336 * HOUR;
  const ticks = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
    ticks.push({ time: t, label: step < 24 * HOUR ? utcLabel(t) : new Date(t).toISOString().slice(0, 10) });
  }
  return ticks;
}

function utcLabel(time) {
  return `${new Date(time).toISOString().slice(5, 16).replace("T", " ")} UTC`;
}

// ---- One flight: route, seats, manifest ----------------------------------------------------------------------------

async function openFlight(flightId) {
  const flight = state.flights.find((f) => f.flight_id === flightId);
  if (!flight) return;
  state.flightId = flightId;
  state.manifest = null;
  state.manifestPage = 0;
  renderFlights();
  const detail = $("#flight-detail");
  detail.hidden = false;
  $("#flight-title").textContent = `Flight ${flightId}`;
  $("#flight-facts").textContent = [
    flight.aircraft,
    `${fmt(flight.seats)} seats`,
    flight.used ? [count(flight.passengers, "passenger"), count(flight.officers, "escort officer"),
      count(flight.medical_officers, "medical officer"), count(flight.reserved_seats, "reserved seat")].join(", ")
      : "not used by this plan",
    flight.cost !== null ? `cost ${fmt(flight.cost)}` : null,
  ].filter(Boolean).join(" · ");
  $("#stops-table tbody").replaceChildren(
    ...flight.stops.map((stop, i) =>
      el("tr", {}, el("td", { text: String(i + 1) }), el("th", { scope: "row", text: stop.airport }),
        el("td", { text: localTime(stop.arrive) }), el("td", { text: localTime(stop.depart) }))),
  );
  $("#seat-chart").replaceChildren(seatChart(flight));
  $("#segments-table tbody").replaceChildren(
    ...flight.segments.map((s) =>
      el("tr", {}, el("th", { scope: "row", text: `${s.from} → ${s.to}` }),
        ...[s.aboard, s.officers, s.medical_officers, s.reserved_seats, s.seats_used, s.seats].map((v) =>
          el("td", { class: "num", text: fmt(v) })))),
  );
  const downloads = [el("span", { class: "label", text: "Download:" })];
  if (flight.used) {
    for (const format of MANIFEST_FORMATS) {
      const info = FORMAT_INFO[format];
      downloads.push(downloadButton(`Manifest (${info.label})`,
        planPath(`/manifests/${encodeURIComponent(flightId)}?format=${format}`),
        `manifest-${safeName(flightId)}.${info.extension}`));
    }
  }
  const chartButton = el("button", { type: "button", class: "secondary", text: "Seat chart (SVG)" });
  chartButton.addEventListener("click", () => {
    const drawn = $("#seat-chart svg").cloneNode(true);
    const blob = new Blob([new XMLSerializer().serializeToString(drawn)], { type: "image/svg+xml" });
    saveBlob(blob, `seats-${safeName(flightId)}.svg`);
  });
  downloads.push(chartButton);
  $("#flight-downloads").replaceChildren(...downloads);
  $("#manifest-table tbody").replaceChildren();
  $("#manifest-pager").replaceChildren();
  $("#flight-title").focus();
  if (flight.used) {
    try {
      const manifest = await getJson(planPath(`/manifests/${encodeURIComponent(flightId)}?format=json`));
      if (state.flightId !== flightId) return;
      state.manifest = manifest;
      renderManifest();
    } catch (error) {
      $("#manifest-table tbody").replaceChildren(el("tr", {}, el("td", { colspan: 8, text: error.message })));
    }
  } else {
    $("#manifest-table tbody").replaceChildren(el("tr", {}, el("td", { colspan: 8, text: "Nobody flies on this flight." })));
  }
}

const safeName = (text) => text.replace(/[^A-Za-z0-9._-]/g, "_");

function seatChart(flight) {
  const width = 640, left = 110, right = 70, row = 34, top = 10;
  const seats = flight.seats || Math.max(1, ...flight.segments.map((s) => s.seats_used));
  const scale = (width - left - right) / seats;
  const height = top + row * flight.segments.length + 40;
  const chart = svg("svg", { xmlns: "http://www.w3.org/2000/svg", viewBox: `0 0 ${width} ${height}`, width, height,
    role: "img", "aria-label": `Seats per segment of flight ${flight.flight_id}; the table below gives the numbers.`,
    "font-family": "DejaVu Sans, Arial, sans-serif" });
  chart.append(svg("rect", { x: 0, y: 0, width, height, fill: "#fff" }));
  flight.segments.forEach((segment, index) => {
    const y = top + index * row;
    chart.append(svgText(10, y + 17, `${segment.from} → ${segment.to}`, { "font-size": 13 }));
    chart.append(titled(svg("rect", { x: left, y: y + 4, width: seats * scale, height: 18, fill: "#fff", stroke: "#767676" }),
      `${seats} seats`));
    let at = left;
    for (const part of SEAT_PARTS) {
      const count = segment[part.key];
      if (!count) continue;
      chart.append(titled(svg("rect", { x: at, y: y + 4, width: count * scale, height: 18, fill: part.colour }),
        `${count} ${part.label}`));
      at += count * scale;
    }
    chart.append(svgText(width - 10, y + 17, `${segment.seats_used}/${seats}`, { "text-anchor": "end" }));
  });
  let x = 10;
  for (const part of [...SEAT_PARTS, { label: "free", colour: "#fff" }]) {
    chart.append(svg("rect", { x, y: height - 26, width: 12, height: 12, fill: part.colour, stroke: "#767676" }));
    chart.append(svgText(x + 16, height - 16, part.label));
    x += 30 + 6.6 * part.label.length;
  }
  return chart;
}

function renderManifest() {
  const passengers = state.manifest.passengers;
  const pages = Math.max(1, Math.ceil(passengers.length / PASSENGERS_PER_PAGE));
  const page = passengers.slice(state.manifestPage * PASSENGERS_PER_PAGE, (state.manifestPage + 1) * PASSENGERS_PER_PAGE);
  $("#manifest-table tbody").replaceChildren(
    ...page.map((p) =>
      el("tr", {},
        el("th", { scope: "row" }, el("span", { class: "code", text: p.person_id })),
        el("td", { text: `${p.surname}, ${p.given_names}` }),
        el("td", { class: "nowrap", text: p.birth_date }),
        el("td", { text: p.nationality }),
        el("td", { text: `${p.document.type} ${p.document.number} (${p.document.issuing_country}, until ${p.document.expires})` }),
        el("td", { text: p.board }),
        el("td", { text: p.deplane }),
        el("td", { text: p.family_id || "—" }))),
  );
  renderPager($("#manifest-pager"), state.manifestPage, pages, passengers.length, PASSENGERS_PER_PAGE, "passengers", (p) => {
    state.manifestPage = p;
    renderManifest();
  });
}

// ---- People left off -----------------------------------------------------------------------------------------------

function countReasons(unplaced) {
  const counts = new Map();
  for (const person of unplaced) for (const reason of person.reasons) counts.set(reason.code, (counts.get(reason.code) || 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function renderReasons() {
  const most = Math.max(1, ...state.reasonCounts.map(([, count]) => count));
  const box = $("#reasons");
  box.replaceChildren(
    ...state.reasonCounts.map(([code, count]) => {
      const button = el("button", { type: "button", "aria-pressed": String(state.reason === code),
        "aria-label": `${code}: ${count} people` },
        el("span", { class: "code", text: code }),
        el("span", { class: "bar", style: null }),
        el("span", { class: "count", text: fmt(count) }));
      button.querySelector(".bar").style.width = `${(100 * count) / most}%`;
      button.addEventListener("click", () => chooseReason(state.reason === code ? "" : code));
      return button;
    }),
  );
  if (!state.reasonCounts.length) box.append(el("p", { text: "Everyone is placed." }));
  const select = $("#reason-filter");
  select.replaceChildren(el("option", { value: "", text: `every reason (${fmt(state.unplaced.length)} people)` }),
    ...state.reasonCounts.map(([code, count]) => el("option", { value: code, text: `${code} (${fmt(count)})` })));
  select.value = state.reason;
}

function chooseReason(code) {
  state.reason = code;
  state.unplacedPage = 0;
  $("#reason-filter").value = code;
  for (const button of $("#reasons").querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(button.querySelector(".code").textContent === code));
  }
  renderUnplaced();
}

function filteredUnplaced() {
  const needle = state.search.trim().toLowerCase();
  return state.unplaced.filter(
    (person) =>
      (!state.reason || person.reasons.some((r) => r.code === state.reason)) &&
      (!needle || person.person_id.toLowerCase().includes(needle) ||
        person.reasons.some((r) => r.detail.toLowerCase().includes(needle))),
  );
}

function renderUnplaced() {
  const people = filteredUnplaced();
  const pages = Math.max(1, Math.ceil(people.length / UNPLACED_PER_PAGE));
  state.unplacedPage = Math.min(state.unplacedPage, pages - 1);
  const page = people.slice(state.unplacedPage * UNPLACED_PER_PAGE, (state.unplacedPage + 1) * UNPLACED_PER_PAGE);
  const rows = [];
  for (const person of page) {
    person.reasons.forEach((reason, i) => {
      const cells = [];
      if (i === 0) {
        cells.push(el("th", { scope: "row", rowspan: person.reasons.length }, el("span", { class: "code", text: person.person_id })));
      }
      cells.push(el("td", {}, el("span", { class: "code", text: reason.code })), el("td", { text: reason.detail }));
      rows.push(el("tr", { "data-person": person.person_id }, ...cells));
    });
  }
  $("#unplaced-table tbody").replaceChildren(...rows);
  const what = state.reason ? ` with reason ${state.reason}` : "";
  $("#unplaced-count").textContent = `${fmt(people.length)} of ${fmt(state.unplaced.length)} people left off${what}` +
    (state.search.trim() ? ` matching “${state.search.trim()}”` : "") + ".";
  renderPager($("#unplaced-pager"), state.unplacedPage, pages, people.length, UNPLACED_PER_PAGE, "people", (p) => {
    state.unplacedPage = p;
    renderUnplaced();
  });
}

// ---- Pagers --------------------------------------------------------------------------------------------------------

function renderPager(nav, page, pages, total, size, noun, go) {
  if (total <= size) {
    nav.replaceChildren();
    return;
  }
  const first = page * size + 1, last = Math.min(total, (page + 1) * size);
  const previous = el("button", { type: "button", class: "secondary", text: "Previous", disabled: page === 0,
    "aria-label": `Previous ${noun}` });
  const next = el("button", { type: "button", class: "secondary", text: "Next", disabled: page >= pages - 1,
    "aria-label": `Next ${noun}` });
  previous.addEventListener("click", () => go(page - 1));
  next.addEventListener("click", () => go(page + 1));
  nav.replaceChildren(previous, el("span", { text: `${fmt(first)}–${fmt(last)} of ${fmt(total)} ${noun}` }), next);
}

// ---- Wiring --------------------------------------------------------------------------------------------------------

function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

document.addEventListener("DOMContentLoaded", () => {
  describeUploads();
  $("#sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    signIn($("#api-key").value.trim());
  });
  $("#sign-out").addEventListener("click", () => signOut());
  $("#upload-form").addEventListener("submit", upload);
  $("#refresh-plans").addEventListener("click", () => loadRecent().catch(alertError));
  $("#cancel-plan").addEventListener("click", cancelPlan);
  $("#flight-filter").addEventListener("change", (event) => {
    state.flightFilter = event.target.value;
    state.flightPage = 0;
    renderFlights();
  });
  $("#reason-filter").addEventListener("change", (event) => chooseReason(event.target.value));
  $("#unplaced-search").addEventListener("input", debounce((event) => {
    state.search = event.target.value;
    state.unplacedPage = 0;
    renderUnplaced();
  }, 200));
  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved) signIn(saved);
  else $("#api-key").focus();
});
