"""The ``maas`` command line: build, validate, serve, estimate-timetable (and more later)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from feeds.errors import FeedError
from maas.cli_keys import keys_app
from maas.settings import DEFAULT_BUNDLE, REPO_ROOT, SettingsError, load_settings
from routing.errors import SnapshotError

app = typer.Typer(help="Timisoara MaaS backend", no_args_is_help=True, add_completion=False)
app.add_typer(keys_app, name="keys", help="Partner API keys (stored hashed in Redis).")
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

BundleArg = Annotated[Path, typer.Argument(help="City bundle folder (city.toml, gtfs/, osm/).")]


def _build(bundle: Path, out_dir: Path | None, *, force: bool, quiet: bool = False) -> Path:
    from feeds.bundle import build_snapshot

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True, disable=quiet) as progress:
        task = progress.add_task("building", total=None)

        def step(msg: str) -> None:
            progress.update(task, description=msg)

        t0 = time.perf_counter()
        folder, reports = build_snapshot(bundle, out_dir, force=force, progress=step)
    if reports is None:
        err.print(f"snapshot up to date: {folder}")
    else:
        for r in reports:
            err.print(r.format_text(), markup=False)
        err.print(f"built {folder} in {time.perf_counter() - t0:.1f} s")
    return folder


@app.command()
def build(
    bundle: BundleArg,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Snapshot root.")] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even if cached.")] = False,
) -> None:
    """Compile BUNDLE into a versioned network snapshot and print the ingest report."""
    try:
        folder = _build(bundle, out_dir, force=force)
    except (FeedError, SnapshotError) as exc:
        err.print(f"[red]build failed:[/red] {escape(str(exc))}")
        err.print("the previous snapshot (if any) stays current")
        raise typer.Exit(2) from None
    out.print(str(folder))


@app.command()
def validate(bundle: BundleArg) -> None:
    """Read and compile BUNDLE without saving; print the report; exit 1 on problems."""
    from feeds.bundle import build_network

    try:
        network, reports = build_network(bundle)
    except (FeedError, SnapshotError) as exc:
        err.print(f"[red]invalid:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    skipped = 0
    for r in reports:
        out.print(r.format_text(), markup=False)
        skipped += r.total_skipped
    tt = network.timetable
    out.print(f"ok: {tt.n_stops} stops, {tt.n_trips} trips, {tt.n_stop_times} stop_times, "
              f"{skipped} rows skipped")
    if skipped:
        raise typer.Exit(1)


@app.command()
def serve(
    bundle: Annotated[Path, typer.Option(help="City bundle (default: bundled Timisoara).")] = (
        DEFAULT_BUNDLE
    ),
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="API processes.")] = 1,
    redis_url: Annotated[str | None, typer.Option(help="Redis URL for the live store.")] = None,
) -> None:
    """Serve BUNDLE over HTTP (building its snapshot first when not cached)."""
    import uvicorn

    os.environ["MAAS_BUNDLE"] = str(bundle.resolve())
    if redis_url:
        os.environ["MAAS_REDIS_URL"] = redis_url
    try:
        settings = load_settings()
        _build(bundle, settings.snapshot_root, force=False)
    except (FeedError, SnapshotError, SettingsError) as exc:
        err.print(f"[red]cannot serve:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    if workers > 1:
        from maas.observability.metrics import prepare_multiprocess_dir

        mp_dir = settings.snapshot_root / ".prometheus"
        prepare_multiprocess_dir(mp_dir)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(mp_dir)
    uvicorn.run("maas.main:create_app_from_env", factory=True, host=host, port=port,
                workers=workers, log_config=None, access_log=False,
                proxy_headers=True, forwarded_allow_ips=os.environ.get("MAAS_TRUSTED_PROXIES",
                                                                       "127.0.0.1"))


@app.command()
def worker(
    bundle: Annotated[Path, typer.Option(help="City bundle (default: bundled Timisoara).")] = (
        DEFAULT_BUNDLE
    ),
    redis_url: Annotated[str | None, typer.Option(help="Redis URL for the live store.")] = None,
    once: Annotated[bool, typer.Option(help="Poll every feed once and exit.")] = False,
) -> None:
    """Poll the bundle's live feeds (GBFS, OCPI; DEMO feeds when none is configured) into
    the live store (Redis: ``--redis-url`` or ``MAAS_REDIS_URL``)."""
    from maas.live.store import LiveStoreUnavailableError
    from maas.worker import run_worker

    os.environ["MAAS_BUNDLE"] = str(bundle.resolve())
    if redis_url:
        os.environ["MAAS_REDIS_URL"] = redis_url
    try:
        settings = load_settings()
        run_worker(settings, once=once)
    except (FeedError, SettingsError, LiveStoreUnavailableError) as exc:
        err.print(f"[red]worker failed:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        pass


@app.command("estimate-timetable")
def estimate_timetable(
    shared_data: Annotated[Path, typer.Option(help="Folder of the raw STPT inputs (shared data).")]
    = REPO_ROOT.parent / "shared" / "data",
    bundle: Annotated[Path, typer.Option(help="Bundle to write gtfs/stpt_estimated.zip into.")]
    = DEFAULT_BUNDLE,
) -> None:
    """Estimate the STPT timetable from the network export and AVL traces (writes a GTFS zip)."""
    from feeds.stpt.estimator import estimate_command

    if not shared_data.is_dir():
        err.print(f"[red]shared data folder absent:[/red] {shared_data}")
        raise typer.Exit(2)
    report = estimate_command(shared_data, bundle)
    err.print(report.format_text(), markup=False)


@app.command("derive-live")
def derive_live(
    bundle: BundleArg = DEFAULT_BUNDLE,
    network: Annotated[str, typer.Option(help="OSM network tag of the bike-share.")] = "VeloTM",
    country: Annotated[str | None, typer.Option(help="ISO country code for OCPI.")] = None,
    language: Annotated[str | None, typer.Option(help="GBFS language.")] = None,
) -> None:
    """Derive GBFS station_information and OCPI Locations from the bundle's OSM extract."""
    from feeds.osm_amenities import derive_city_live_files

    pbfs = sorted((bundle / "osm").glob("*.osm.pbf"))
    if not pbfs:
        err.print(f"[red]no osm/*.osm.pbf in {bundle}[/red]")
        raise typer.Exit(2)
    report = derive_city_live_files(pbfs[0], bundle, bike_network=network,
                                    country_code=country, language=language)
    err.print(report.format_text(), markup=False)


@app.command("plan")
def plan_command(
    from_: Annotated[str, typer.Argument(metavar="FROM", help="LAT,LON or stop:STOP_ID.")],
    to: Annotated[str, typer.Argument(metavar="TO", help="LAT,LON or stop:STOP_ID.")],
    time_: Annotated[str | None, typer.Option(
        "--time", help="ISO-8601 departure; local city time without offset; default now.")]
    = None,
    bundle: Annotated[Path, typer.Option(help="City bundle (default: bundled Timisoara).")] = (
        DEFAULT_BUNDLE
    ),
    modes: Annotated[str, typer.Option(help="Comma list of modes.")] = "WALK,TRANSIT",
    arrive_by: Annotated[bool, typer.Option(help="TIME is the arrival deadline.")] = False,
    num_itineraries: Annotated[int, typer.Option(help="Itineraries wanted (1..10).")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the GET /v1/plan body.")] = False,
) -> None:
    """Plan a journey FROM -> TO on BUNDLE's network (built first when not cached)."""
    from maas.services.planning import PlanParams, PlanService
    from routing.errors import InvalidRequestError
    from routing.snapshot import load_snapshot

    try:
        settings = load_settings(bundle=bundle)
        folder = _build(bundle, settings.snapshot_root, force=False, quiet=True)
        service = PlanService(load_snapshot(folder))
        req = service.build_request(PlanParams(
            from_=from_, to=to, time=time_, modes=modes, arrive_by=arrive_by,
            num_itineraries=num_itineraries,
        ))
        body = service.plan(req)
    except (FeedError, SnapshotError, SettingsError, InvalidRequestError) as exc:
        err.print(f"[red]cannot plan:[/red] {exc}", markup=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(body.model_dump_json(by_alias=True, indent=2))
        return
    if not body.itineraries:
        typer.echo("no itinerary found")
        raise typer.Exit(1)
    for n, it in enumerate(body.itineraries, 1):
        typer.echo(f"{n}. {it.start_time[11:16]} -> {it.end_time[11:16]}  "
                   f"{round(it.duration_s / 60)} min, {it.transfers} transfer(s), "
                   f"walk {round(it.walk_distance_m)} m, {it.co2_g:.0f} g CO2")
        for leg in it.legs:
            line = f" {leg.route_short_name}" if leg.route_short_name else ""
            typer.echo(f"   {leg.mode}{line}  {leg.start_time[11:16]}-{leg.end_time[11:16]}  "
                       f"{leg.from_.name} -> {leg.to.name}  ({round(leg.distance_m)} m)")



@app.command("congestion-report")
def congestion_report(
    shared_data: Annotated[Path, typer.Option(help="Shared data folder (AVL traces, Tranzy GTFS).")]
    = REPO_ROOT.parent / "shared" / "data",
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the PNG and GeoJSON.")]
    = Path("congestion-report"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Replay the recorded AVL day: congestion chart, segment GeoJSON, peak vs night index."""
    import json

    from maas.realtime.report import format_summary, write_congestion_day

    if not (shared_data / "timisoara" / "stpt" / "avl-traces").is_dir():
        err.print(f"[red]no AVL traces under[/red] {escape(str(shared_data))}")
        raise typer.Exit(2)
    summary = write_congestion_day(out_dir, shared_data)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    typer.echo(format_summary(summary))
    typer.echo(f"wrote {summary['files']['chart']} and {summary['files']['segments']}")

def main() -> None:
    """Entry point used by ``python -m maas``."""
    app()


if __name__ == "__main__":
    main()

