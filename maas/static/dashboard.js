// Operator dashboard of the urban mobility centre.
// Plain ES2020, no dependencies, nothing loaded from outside the service: the map is drawn in
// SVG from the coordinates of the API responses (equirectangular projection scaled by the
// cosine of the map's mid latitude, which is accurate to well under 1 % at city scale).
"use strict";

(() => {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const DEFAULT_REFRESH_S = 30;
  /** Optional endpoints built by other parts of the service: each layer tolerates 404/empty. */
  const OPTIONAL = {
    congestion: "/v1/congestion",
    segments: "/v1/congestion/segments",
    vehicles: "/v1/vehicles",
    bikeshare: "/v1/bikeshare/stations",
    chargers: "/v1/charging/locations",
  };
  const LAYER_NAMES = {
    lines: "Lines", stops: "Stops", segments: "Congestion segments", vehicles: "Vehicles",
    bikeshare: "Bike-share stations", chargers: "Chargers", itinerary: "Trip legs",
  };

  const $ = (id) => document.getElementById(id);
  const state = {
    apiPaths: null,        // Set of paths declared in /openapi.json (null: unknown -> try all)
    networkVersion: null,
    bbox: null,            // [minLon, minLat, maxLon, maxLat] of /v1/feeds
    data: { lines: [], stops: [], segments: null, vehicles: null, bikeshare: null, chargers: null },
    itineraries: [],
    selected: 0,
    view: null,            // {cx, cy, s}: centre in projected units and pixels per unit
    cosLat: 1,
    timer: null,
    refreshS: DEFAULT_REFRESH_S,
    nextField: "plan-from",
    refreshing: false,
  };

  // ---------------------------------------------------------------- helpers
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  function svg(tag, attrs, title) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) node.setAttribute(k, String(v));
    }
    if (title) {
      const t = document.createElementNS(SVG_NS, "title");
      t.textContent = title;
      node.append(t);
    }
    return node;
  }

  /** GET a JSON resource; never throws: {status, body} (status 0 on a network failure). */
  async function api(path) {
    try {
      const r = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
      let body = null;
      const type = r.headers.get("content-type") || "";
      if (type.includes("json")) {
        try { body = await r.json(); } catch (_) { body = null; }
      }
      return { status: r.status, body };
    } catch (err) {
      return { status: 0, body: null, error: String(err) };
    }
  }

  function declared(path) {
    return state.apiPaths === null || state.apiPaths.has(path);
  }

  function fmtAge(s) {
    if (s === null || s === undefined || !Number.isFinite(Number(s))) return "—";
    s = Math.max(0, Number(s));
    if (s < 90) return `${Math.round(s)} s`;
    if (s < 5400) return `${Math.round(s / 60)} min`;
    if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
    return `${Math.round(s / 86400)} d`;
  }

  /** "HH:MM" of an ISO-8601 time as written (the API writes city-local times with offset). */
  function hhmm(iso) {
    const m = /T(\d\d:\d\d)/.exec(String(iso || ""));
    return m ? m[1] : String(iso || "");
  }

  function fmtDuration(s) {
    const min = Math.round(Number(s) / 60);
    return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h ${min % 60} min`;
  }

  function fmtNumber(x, digits) {
    const v = Number(x);
    return Number.isFinite(v) ? v.toLocaleString("en-GB", { maximumFractionDigits: digits }) : "—";
  }

  function setStatus(text) {
    $("status").textContent = text;
  }

  function features(body) {
    if (!body) return [];
    if (Array.isArray(body.features)) return body.features;
    if (Array.isArray(body)) return body;
    return [];
  }

  function describe(props, fallback) {
    const p = props || {};
    const name = p.name || p.station_name || p.line || p.route_short_name || p.vehicle_id || p.id
      || fallback;
    const parts = [];
    for (const [k, v] of Object.entries(p)) {
      if (["name", "id", "kind", "geometry"].includes(k)) continue;
      if (typeof v === "number" || typeof v === "boolean" || (typeof v === "string" && v.length < 40)) {
        parts.push(`${k.replace(/_/g, " ")}: ${v}`);
      }
      if (parts.length >= 6) break;
    }
    return parts.length ? `${name} — ${parts.join(", ")}` : String(name);
  }

  // ---------------------------------------------------------------- projection and view
  function mapSize() {
    const r = $("map").getBoundingClientRect();
    return { w: Math.max(r.width, 100), h: Math.max(r.height, 100) };
  }

  function project(lon, lat) {
    const v = state.view;
    const { w, h } = mapSize();
    return [w / 2 + (lon * state.cosLat - v.cx) * v.s, h / 2 + (-lat - v.cy) * v.s];
  }

  function unproject(x, y) {
    const v = state.view;
    const { w, h } = mapSize();
    const lon = ((x - w / 2) / v.s + v.cx) / state.cosLat;
    const lat = -((y - h / 2) / v.s + v.cy);
    return [lon, lat];
  }

  /** The extent to show: the stops' extent when known, else the network bbox. */
  function dataExtent() {
    const pts = state.data.stops.map((f) => f.geometry.coordinates);
    if (pts.length) {
      const lons = pts.map((c) => c[0]);
      const lats = pts.map((c) => c[1]);
      return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
    }
    return state.bbox;
  }

  function fitView() {
    const ext = dataExtent();
    if (!ext) return;
    let [x0, y0, x1, y1] = ext;
    const padDeg = 0.003;  // ~300 m so that edge stops are not clipped
    x0 -= padDeg; x1 += padDeg; y0 -= padDeg; y1 += padDeg;
    state.cosLat = Math.cos(((y0 + y1) / 2) * Math.PI / 180);
    const { w, h } = mapSize();
    const spanX = (x1 - x0) * state.cosLat;
    const spanY = y1 - y0;
    const s = Math.min(w / spanX, h / spanY) * 0.95;
    state.view = { cx: ((x0 + x1) / 2) * state.cosLat, cy: -(y0 + y1) / 2, s };
  }

  /** Fit the view to a list of [lon, lat] points (at least ``minSpanDeg`` wide). */
  function fitTo(points, minSpanDeg) {
    if (!points.length || !state.view) return;
    const lons = points.map((c) => c[0]);
    const lats = points.map((c) => c[1]);
    const half = minSpanDeg / 2;
    const x0 = Math.min(...lons), x1 = Math.max(...lons), y0 = Math.min(...lats), y1 = Math.max(...lats);
    const mx = (x0 + x1) / 2, my = (y0 + y1) / 2;
    const spanX = Math.max(x1 - x0, 2 * half) * state.cosLat;
    const spanY = Math.max(y1 - y0, 2 * half);
    const { w, h } = mapSize();
    state.view = { cx: mx * state.cosLat, cy: -my, s: Math.min(w / spanX, h / spanY) * 0.8 };
  }

  function zoomAt(factor, x, y) {
    if (!state.view) return;
    const [lon, lat] = unproject(x, y);
    state.view.s *= factor;
    const [nx, ny] = project(lon, lat);
    state.view.cx += (nx - x) / state.view.s;
    state.view.cy += (ny - y) / state.view.s;
    drawAll();
  }

  // ---------------------------------------------------------------- drawing
  function pathOf(coords) {
    let d = "";
    for (let i = 0; i < coords.length; i++) {
      const [x, y] = project(coords[i][0], coords[i][1]);
      d += `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
    }
    return d;
  }

  function lineStrings(geometry) {
    if (!geometry) return [];
    if (geometry.type === "LineString") return [geometry.coordinates];
    if (geometry.type === "MultiLineString") return geometry.coordinates;
    return [];
  }

  function pointOf(f) {
    const g = f && f.geometry;
    if (g && g.type === "Point" && Array.isArray(g.coordinates)) return g.coordinates;
    const p = (f && f.properties) || f || {};
    const lat = p.lat ?? p.latitude;
    const lon = p.lon ?? p.longitude;
    return Number.isFinite(lat) && Number.isFinite(lon) ? [lon, lat] : null;
  }

  function modeClass(routeType) {
    const t = Number(routeType);
    if (t === 0 || (t >= 900 && t < 1000)) return "tram";
    if (t === 11 || t === 800) return "trolleybus";
    if (t === 3 || (t >= 700 && t < 800)) return "bus";
    return "other";
  }

  /** Congestion level of a segment: its ``level`` (0..4 as routing/congestion.py, or a name),
   * else from its travel-time index with the same bands (10, 30, 60, 100 % extra time). */
  const LEVELS = ["free", "light", "moderate", "heavy", "severe"];
  function levelOf(p) {
    const lvl = p.level ?? p.congestion_level;
    if (typeof lvl === "number") return LEVELS[lvl] || "unknown";
    const raw = String(lvl ?? "").toLowerCase();
    const named = {
      free: "free", free_flow: "free", none: "free", fluid: "free", light: "light", low: "light",
      moderate: "moderate", medium: "moderate", heavy: "heavy", high: "heavy", congested: "heavy",
      severe: "severe", very_high: "severe", jam: "severe", blocked: "severe",
    };
    if (named[raw]) return named[raw];
    const tti = p.tti === null || p.tti === undefined ? NaN : Number(p.tti);
    if (Number.isFinite(tti) && tti > 0) {
      return tti < 1.1 ? "free" : tti < 1.3 ? "light" : tti < 1.6 ? "moderate" : tti < 2 ? "heavy" : "severe";
    }
    return "unknown";
  }

  /** Drawing order of lines: buses under trolleybuses under trams (the sparser networks). */
  const LINE_RANK = { other: 0, bus: 1, trolleybus: 2, tram: 3 };

  function drawLines(g) {
    const rank = (f) => LINE_RANK[modeClass((f.properties || {}).route_type)];
    const lines = [...state.data.lines].sort((a, b) => rank(a) - rank(b));
    for (const f of lines) {
      const p = f.properties || {};
      g.append(svg("path", { class: `line ${modeClass(p.route_type)}`, d: pathOf(f.geometry.coordinates) },
        `Line ${p.short_name || p.route_id}`));
    }
  }

  function drawStops(g) {
    const r = state.data.stops.length > 300 ? 2.5 : 4.5;
    for (const f of state.data.stops) {
      const [x, y] = project(...f.geometry.coordinates);
      const p = f.properties || {};
      g.append(svg("circle", {
        class: "stop", cx: x.toFixed(1), cy: y.toFixed(1), r, "data-stop-id": p.stop_id,
        "data-name": p.name,
      }, `${p.name} (stop ${p.stop_id})`));
    }
  }

  function drawSegments(g) {
    for (const f of state.data.segments || []) {
      const p = f.properties || {};
      const level = levelOf(p);
      for (const coords of lineStrings(f.geometry)) {
        g.append(svg("path", { class: `segment ${level}`, "data-level": level, d: pathOf(coords) },
          describe(p, `Segment (${level})`)));
      }
    }
  }

  function drawPoints(g, list, cls, shape, fallback, classify) {
    for (const f of list || []) {
      const c = pointOf(f);
      if (!c) continue;
      const [x, y] = project(c[0], c[1]);
      const p = f.properties || f;
      const extra = classify ? classify(p) : "";
      const attrs = shape === "square"
        ? { class: `${cls} ${extra}`.trim(), x: (x - 4).toFixed(1), y: (y - 4).toFixed(1), width: 8, height: 8 }
        : { class: `${cls} ${extra}`.trim(), cx: x.toFixed(1), cy: y.toFixed(1), r: 4.5 };
      g.append(svg(shape === "square" ? "rect" : "circle", attrs, describe(p, fallback)));
    }
  }

  function drawItinerary(g) {
    const it = state.itineraries[state.selected];
    if (!it) return;
    for (const leg of it.legs || []) {
      const walk = String(leg.mode).toUpperCase() === "WALK";
      let coords = leg.geometry && leg.geometry.coordinates;
      if (!coords || coords.length < 2) {
        coords = [[leg.from.lon, leg.from.lat], [leg.to.lon, leg.to.lat]];
      }
      g.append(svg("path", { class: `leg ${walk ? "walk" : "ride"}`, "data-mode": leg.mode, d: pathOf(coords) },
        `${leg.mode} ${leg.route_short_name || ""} ${leg.from.name} → ${leg.to.name}`));
    }
    const legs = it.legs || [];
    if (legs.length) {
      for (const place of [legs[0].from, legs[legs.length - 1].to]) {
        const [x, y] = project(place.lon, place.lat);
        g.append(svg("circle", { class: "leg-end", cx: x.toFixed(1), cy: y.toFixed(1), r: 6 }, place.name));
      }
    }
  }

  function drawAll() {
    if (!state.view) fitView();
    if (!state.view) return;
    const layers = {
      lines: drawLines, stops: drawStops, segments: drawSegments, itinerary: drawItinerary,
      vehicles: (g) => drawPoints(g, state.data.vehicles, "vehicle", "circle", "Vehicle"),
      bikeshare: (g) => drawPoints(g, state.data.bikeshare, "bikeshare", "circle", "Bike-share station",
        (p) => (Number(p.num_bikes_available ?? p.bikes_available ?? 1) === 0 ? "empty" : "")),
      chargers: (g) => drawPoints(g, state.data.chargers, "charger", "square", "Charger",
        (p) => (Number(p.available_evses ?? p.available ?? 1) === 0 ? "busy" : "")),
    };
    for (const [name, draw] of Object.entries(layers)) {
      const g = $(`layer-${name}`);
      const fresh = document.createElementNS(SVG_NS, "g");
      draw(fresh);
      g.replaceChildren(...fresh.childNodes);
      g.setAttribute("data-count", String(g.childElementCount));
    }
    updateLayerCounts();
  }

  function updateLayerCounts() {
    const d = state.data;
    const count = (x) => {
      if (x === null) return "not available";
      const labels = [...new Set(x.map((f) => String((f.properties || {}).label || "")).filter(Boolean))];
      return labels.length ? `${x.length} (${labels.join(", ").toUpperCase()})` : String(x.length);
    };
    $("layer-counts").textContent = [
      `${d.stops.length} stops`, `${d.lines.length} lines`,
      `congestion segments: ${count(d.segments)}`, `vehicles: ${count(d.vehicles)}`,
      `bike-share stations: ${count(d.bikeshare)}`, `chargers: ${count(d.chargers)}`,
    ].join(" · ");
  }

  // ---------------------------------------------------------------- panels
  function renderNetwork(net) {
    $("network-name").textContent = net.name;
    $("network-version").textContent = net.version;
    const built = String(net.built_at || "");
    $("network-built").textContent = built
      ? `${built.slice(0, 16).replace("T", " ")}${/(\+00:00|Z)$/.test(built) ? " UTC" : ""}` : "—";
    $("network-built").title = built;
    $("network-tz").textContent = net.timezone || "—";
    document.title = `${net.name} — operator dashboard`;
    const counts = Object.entries(net.counts || {})
      .map(([k, v]) => `${fmtNumber(v, 0)} ${k.replace(/_/g, " ")}`).join(" · ");
    $("network-counts").textContent = counts;
  }

  /** "estimated" / "demo" / "" for a feed: its label, else what its source or version says. */
  function feedLabel(f) {
    const label = String(f.label || "").toLowerCase();
    if (label) return label;
    const text = `${f.source || ""} ${f.version || ""}`.toLowerCase();
    if (text.includes("estimated")) return "estimated";
    if (text.includes("demo")) return "demo";
    return "";
  }

  function renderFeeds(feeds) {
    const rows = feeds.map((f) => {
      const label = feedLabel(f);
      const age = f.age_s ?? (f.last_update ? (Date.now() - Date.parse(f.last_update)) / 1000 : null);
      const skipped = f.report && Number.isFinite(f.report.total_skipped) ? f.report.total_skipped : null;
      return el("tr", { "data-kind": f.kind, "data-source": f.source },
        el("td", { text: f.kind }),
        el("td", { class: "mono", text: f.source }),
        el("td", {}, label
          ? el("span", { class: `badge ${label}`, text: label })
          : el("span", { class: "muted", text: "—" })),
        el("td", { class: "mono", text: f.version || "—" }),
        el("td", { class: "mono", text: f.last_update || "—" }),
        el("td", { text: fmtAge(age) }),
        el("td", {}, el("span", { class: f.fresh === false ? "stale" : "fresh",
          text: f.fresh === false ? "stale" : "fresh" })),
        el("td", { text: skipped === null ? "—" : fmtNumber(skipped, 0) }));
    });
    $("feeds-table").tBodies[0].replaceChildren(...rows);
  }

  function tOf(t) {
    if (typeof t === "number") return t < 1e12 ? t * 1000 : t;
    const ms = Date.parse(String(t));
    return Number.isFinite(ms) ? ms : null;
  }

  function renderCongestion(res) {
    const box = $("congestion");
    const chart = $("congestion-chart");
    chart.replaceChildren();
    const body = res.status === 200 ? res.body : null;
    const now = body && body.now;
    const tti = now && now.tti !== null && now.tti !== undefined ? Number(now.tti) : NaN;
    if (!Number.isFinite(tti)) {
      const why = res.status === 200 || res.status === 404 || res.status === 0
        ? "No congestion data yet." : `Congestion unavailable (HTTP ${res.status}).`;
      box.replaceChildren(el("p", { class: "muted", id: "congestion-empty", text: why }));
      chart.setAttribute("aria-label", "Congestion index over time: no data yet");
      return;
    }
    const extra = Number(now.extra_time_percent ?? (tti - 1) * 100);
    box.replaceChildren(el("div", { class: "kpi" },
      el("div", {}, el("strong", { id: "congestion-tti", text: tti.toFixed(2) }), " travel-time index"),
      el("div", {}, el("strong", { id: "congestion-extra", text: `${fmtNumber(extra, 0)} %` }), " extra time")));
    const pts = (body.series || [])
      .filter((s) => s && s.tti !== null && s.tti !== undefined)
      .map((s) => [tOf(s.t ?? s.time ?? s.start), Number(s.tti), s.t ?? s.time ?? s.start])
      .filter(([t, v]) => t !== null && Number.isFinite(v))
      .sort((a, b) => a[0] - b[0]);
    if (pts.length < 2) {
      chart.setAttribute("aria-label", "Congestion index over time: not enough points yet");
      return;
    }
    const W = 320, H = 90, pad = 4;
    const t0 = pts[0][0], t1 = pts[pts.length - 1][0];
    const vmin = Math.min(1, ...pts.map((p) => p[1]));
    const vmax = Math.max(vmin + 0.1, ...pts.map((p) => p[1]));
    const xy = pts.map(([t, v]) => [pad + ((t - t0) / Math.max(t1 - t0, 1)) * (W - 2 * pad),
      H - pad - ((v - vmin) / (vmax - vmin)) * (H - 2 * pad)]);
    const d = xy.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`).join("");
    chart.append(svg("line", { class: "base", x1: 0, x2: W, y1: H - pad, y2: H - pad }));
    chart.append(svg("path", { class: "area", d: `${d}L${xy[xy.length - 1][0].toFixed(1)},${H - pad}L${xy[0][0].toFixed(1)},${H - pad}Z` }));
    chart.append(svg("path", { class: "curve", d }));
    // ISO times are written in city time: show them as written; epoch numbers in browser time
    const clock = (p) => (typeof p[2] === "string" ? hhmm(p[2])
      : new Date(p[0]).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" }));
    const caption = `${clock(pts[0])}–${clock(pts[pts.length - 1])} · index ${vmin.toFixed(2)}–${vmax.toFixed(2)}`;
    box.append(el("p", { class: "muted chart-caption", id: "congestion-range", text: caption }));
    chart.setAttribute("aria-label", `Congestion index over time: ${pts.length} points, ${caption}`);
  }

  // ---------------------------------------------------------------- trip planner
  function renderItineraries() {
    const box = $("plan-result");
    const list = el("ol", { class: "itineraries", id: "itineraries" });
    state.itineraries.forEach((it, i) => {
      const legs = el("ol", { class: "legs" }, ...(it.legs || []).map((leg) => el("li", {
        class: "leg-item", "data-mode": leg.mode,
        text: `${hhmm(leg.start_time)}–${hhmm(leg.end_time)} ${leg.mode}` +
          `${leg.route_short_name ? ` ${leg.route_short_name}` : ""}: ${leg.from.name} → ${leg.to.name}` +
          ` (${fmtNumber(leg.distance_m, 0)} m)`,
      })));
      const head = el("button", { type: "button", "aria-pressed": i === state.selected ? "true" : "false",
        text: `${hhmm(it.start_time)} → ${hhmm(it.end_time)} · ${fmtDuration(it.duration_s)} · ` +
          `${it.transfers} transfer${it.transfers === 1 ? "" : "s"} · walk ${fmtNumber(it.walk_distance_m, 0)} m`,
      });
      head.addEventListener("click", () => { state.selected = i; renderItineraries(); drawAll(); });
      list.append(el("li", { class: `itinerary${i === state.selected ? " selected" : ""}` }, head, legs));
    });
    box.replaceChildren(list);
    box.setAttribute("data-count", String(state.itineraries.length));
  }

  async function planTrip(ev) {
    ev.preventDefault();
    const params = new URLSearchParams({
      from: $("plan-from").value.trim(), to: $("plan-to").value.trim(), modes: $("plan-modes").value,
    });
    if ($("plan-time").value) params.set("time", $("plan-time").value);
    const box = $("plan-result");
    box.removeAttribute("data-count");
    box.replaceChildren(el("p", { class: "muted", text: "Planning…" }));
    $("plan-submit").disabled = true;
    const res = await api(`/v1/plan?${params}`);
    $("plan-submit").disabled = false;
    if (res.status === 200 && res.body && Array.isArray(res.body.itineraries) && res.body.itineraries.length) {
      state.itineraries = res.body.itineraries;
      state.selected = 0;
      renderItineraries();
      if (!state.view) fitView();
      fitTo(state.itineraries[0].legs.flatMap((leg) => (leg.geometry && leg.geometry.coordinates.length
        ? leg.geometry.coordinates : [[leg.from.lon, leg.from.lat], [leg.to.lon, leg.to.lat]])), 0.01);
    } else {
      state.itineraries = [];
      const detail = res.body && (res.body.detail || res.body.title);
      const msg = res.status === 200 ? "No itinerary found."
        : res.status === 0 ? "The service cannot be reached."
          : `${detail || "Planning failed"} (HTTP ${res.status})`;
      box.replaceChildren(el("p", { class: "error", id: "plan-error", role: "alert", text: msg }));
      box.setAttribute("data-count", "0");
    }
    drawAll();
  }

  function clearPlan() {
    $("plan-from").value = "";
    $("plan-to").value = "";
    state.itineraries = [];
    state.nextField = "plan-from";
    $("plan-result").replaceChildren();
    $("plan-result").removeAttribute("data-count");
    for (const s of document.querySelectorAll(".stop.picked")) s.classList.remove("picked");
    drawAll();
  }

  function pickPlace(value, label) {
    const field = $(state.nextField);
    field.value = value;
    setStatus(`${field.id === "plan-from" ? "From" : "To"} set to ${label}`);
    state.nextField = state.nextField === "plan-from" ? "plan-to" : "plan-from";
  }

  // ---------------------------------------------------------------- refresh cycle
  async function loadApiPaths() {
    const res = await api("/openapi.json");
    state.apiPaths = res.status === 200 && res.body && res.body.paths ? new Set(Object.keys(res.body.paths)) : null;
  }

  async function loadNetworkLayer() {
    const res = await api("/dashboard/network.geojson");
    const feats = res.status === 200 ? features(res.body) : [];
    state.data.stops = feats.filter((f) => f.properties && f.properties.kind === "stop");
    state.data.lines = feats.filter((f) => f.properties && f.properties.kind === "line");
    state.view = null;  // new network: fit it
  }

  async function optionalLayer(name) {
    const path = OPTIONAL[name];
    if (!declared(path)) return null;
    const res = await api(path);
    return res.status === 200 ? features(res.body) : null;
  }

  async function refresh() {
    if (state.refreshing) return;
    state.refreshing = true;
    try {
      const feedsRes = await api("/v1/feeds");
      if (feedsRes.status === 200 && feedsRes.body) {
        const net = feedsRes.body.network;
        state.bbox = net.bbox;
        renderNetwork(net);
        renderFeeds(feedsRes.body.feeds || []);
        if (net.version !== state.networkVersion) {
          await loadNetworkLayer();
          state.networkVersion = net.version;
        }
      } else if (feedsRes.status === 429) {
        setStatus("Rate limited: will retry at the next refresh");
      }
      const [cong, segments, vehicles, bikeshare, chargers] = await Promise.all([
        declared(OPTIONAL.congestion) ? api(OPTIONAL.congestion) : Promise.resolve({ status: 404, body: null }),
        optionalLayer("segments"), optionalLayer("vehicles"), optionalLayer("bikeshare"),
        optionalLayer("chargers"),
      ]);
      renderCongestion(cong);
      Object.assign(state.data, { segments, vehicles, bikeshare, chargers });
      drawAll();
      const ok = feedsRes.status === 200;
      const when = new Date().toLocaleTimeString("en-GB");
      setStatus(ok ? `Updated ${when}${state.refreshS ? ` · every ${state.refreshS} s` : ""}`
        : `Update failed at ${when} (HTTP ${feedsRes.status || "unreachable"})`);
      document.body.setAttribute("data-loaded", ok ? "true" : "error");
    } catch (err) {
      setStatus(`Update failed: ${err}`);
    } finally {
      state.refreshing = false;
      schedule();
    }
  }

  function schedule() {
    clearTimeout(state.timer);
    if (state.refreshS > 0) state.timer = setTimeout(refresh, state.refreshS * 1000);
  }

  // ---------------------------------------------------------------- wiring
  function wireMap() {
    const map = $("map");
    let drag = null;
    map.addEventListener("pointerdown", (e) => {
      drag = { x: e.clientX, y: e.clientY, moved: 0 };
      map.setPointerCapture(e.pointerId);
    });
    map.addEventListener("pointermove", (e) => {
      if (!drag || !state.view) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      drag.moved += Math.abs(dx) + Math.abs(dy);
      if (drag.moved < 4) return;
      state.view.cx -= dx / state.view.s;
      state.view.cy -= dy / state.view.s;
      drag.x = e.clientX;
      drag.y = e.clientY;
      drawAll();
    });
    map.addEventListener("pointerup", (e) => {
      const wasClick = drag && drag.moved < 4;
      drag = null;
      if (!wasClick || !state.view) return;
      const hit = document.elementFromPoint(e.clientX, e.clientY);
      if (hit && hit.classList && hit.classList.contains("stop")) {
        hit.classList.add("picked");
        pickPlace(`stop:${hit.getAttribute("data-stop-id")}`, hit.getAttribute("data-name"));
      } else {
        const r = map.getBoundingClientRect();
        const [lon, lat] = unproject(e.clientX - r.left, e.clientY - r.top);
        pickPlace(`${lat.toFixed(5)},${lon.toFixed(5)}`, `${lat.toFixed(5)}, ${lon.toFixed(5)}`);
      }
    });
    map.addEventListener("wheel", (e) => {
      e.preventDefault();
      const r = map.getBoundingClientRect();
      zoomAt(e.deltaY < 0 ? 1.25 : 0.8, e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    const centre = () => { const { w, h } = mapSize(); return [w / 2, h / 2]; };
    $("zoom-in").addEventListener("click", () => zoomAt(1.5, ...centre()));
    $("zoom-out").addEventListener("click", () => zoomAt(1 / 1.5, ...centre()));
    $("zoom-fit").addEventListener("click", () => { state.view = null; drawAll(); });
    window.addEventListener("resize", () => { state.view = null; drawAll(); });
    for (const box of document.querySelectorAll("input[data-layer]")) {
      box.addEventListener("change", () => {
        $(`layer-${box.dataset.layer}`).classList.toggle("hidden", !box.checked);
        setStatus(`${LAYER_NAMES[box.dataset.layer]} ${box.checked ? "shown" : "hidden"}`);
      });
    }
  }

  function init() {
    const q = new URLSearchParams(location.search);
    const fromUrl = Number(q.get("refresh"));
    if (q.has("refresh") && Number.isFinite(fromUrl) && fromUrl >= 0) {
      state.refreshS = fromUrl;
      const sel = $("refresh-s");
      if (![...sel.options].some((o) => Number(o.value) === fromUrl)) {
        sel.append(el("option", { value: fromUrl, text: `${fromUrl} s` }));
      }
      sel.value = String(fromUrl);
    }
    $("refresh-s").addEventListener("change", (e) => {
      state.refreshS = Number(e.target.value);
      schedule();
      setStatus(state.refreshS ? `Refreshing every ${state.refreshS} s` : "Auto-refresh off");
    });
    $("refresh-now").addEventListener("click", () => refresh());
    $("plan-form").addEventListener("submit", planTrip);
    $("plan-clear").addEventListener("click", clearPlan);
    for (const id of ["plan-from", "plan-to"]) {
      $(id).addEventListener("focus", () => { state.nextField = id; });
    }
    wireMap();
    loadApiPaths().then(refresh);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
