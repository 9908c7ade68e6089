#!/usr/bin/env python3
"""The image's figures, into bench/results/image.md:

  size      the image's size (`docker image inspect`), and its largest layers;
  ready     from `docker run` to every unit ready (target <= 15 s; the indexer's unit is ready when
            its process runs, before the initial indexing, which is timed separately), on a fresh
            data volume with this repository's appliance/ folder mounted as /repos;
  restart   from the supervisor seeing a unit's main process killed (kill -9) to the new process
            started, and to the unit ready again (target: started within RestartSec= + 0.5 s);
  stop      `docker stop` wall time (target <= 10 s) and the exit code (0: a clean stop).

Times come from the supervisor's own log lines with Docker's timestamps (`docker logs --timestamps`,
the engine's clock, which is this machine's), so polling from here does not slow down what is timed.
Each run starts a fresh container and volume; the figures are the median and the worst of RUNS.

    python bench/image.py [--image TAG] [--runs 3] [--build]     (`just bench-image`)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results" / "image.md"
UNITS = ("appliance-indexer", "appliance-server", "prometheus", "alertmanager")
KILLED = ("appliance-server", "appliance-indexer", "prometheus", "alertmanager")
READY_TARGET = 15.0
STOP_TARGET = 10.0
RESTART_SLACK = 0.5


def docker_client() -> str:
    if os.access("/usr/bin/docker", os.X_OK):
        return "/usr/bin/docker"
    found = shutil.which("docker")
    if found is None:
        raise SystemExit("no docker client (apt-get install docker.io)")
    return found


DOCKER = docker_client()


def docker(*args: str, timeout: float = 120, check: bool = True) -> str:
    result = subprocess.run([DOCKER, *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise SystemExit(f"docker {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


@dataclass(frozen=True)
class Line:
    at: float  # Unix seconds
    text: str


def timestamp(text: str) -> float:
    """Docker's RFC 3339 time with nanoseconds -> Unix seconds."""
    day, _, rest = text.partition("T")
    clock, _, _ = rest.rstrip("Z").partition("+")
    whole, _, fraction = clock.partition(".")
    base = datetime.strptime(f"{day}T{whole}", "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp()
    return base + float(f"0.{fraction or 0}")


def log_lines(name: str) -> list[Line]:
    result = subprocess.run([DOCKER, "logs", "--timestamps", name], capture_output=True, text=True,
                            timeout=60, check=False)
    lines = []
    for raw in (result.stdout + result.stderr).splitlines():
        stamp, _, text = raw.partition(" ")
        if stamp[:1].isdigit():
            lines.append(Line(timestamp(stamp), text))
    return sorted(lines, key=lambda line: line.at)


def first(lines: list[Line], needle: str, after: float = 0.0) -> Line | None:
    return next((line for line in lines if line.at >= after and needle in line.text), None)


def wait_for_line(name: str, needle: str, after: float, timeout: float) -> Line:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = first(log_lines(name), needle, after)
        if found is not None:
            return found
        time.sleep(0.25)
    raise SystemExit(f"{name}: no log line {needle!r} within {timeout:g}s")


def unit_pid(name: str, unit: str) -> int:
    status = json.loads(docker("exec", name, "appliance", "units", "status", unit, "--json"))
    return int(status["pid"])


def restart_sec(unit: str) -> float:
    text = (REPO / "rootfs/etc/appliance/units" / f"{unit}.service").read_text()
    value = next(line.split("=", 1)[1] for line in text.splitlines() if line.startswith("RestartSec="))
    return float(value.rstrip("s"))


@dataclass
class Run:
    ready: float = 0.0  # docker run -> last unit active
    ready_units: dict[str, float] = field(default_factory=dict)
    server_start: float = 0.0  # appliance-server activating -> active, at the first start
    indexed: float = 0.0  # docker run -> the indexer's initial summary
    summary: str = ""
    restarts: dict[str, tuple[float, float]] = field(default_factory=dict)  # unit -> (started, ready)
    stop: float = 0.0
    exit_code: int = -1


def one_run(image: str, repo: Path, kill: bool) -> Run:
    suffix = uuid.uuid4().hex[:8]
    name, volume = f"appliance-bench-{suffix}", f"appliance-bench-{suffix}"
    run = Run()
    try:
        started = time.time()
        docker("run", "--detach", "--name", name, "-v", f"{repo}:/repos:ro", "-v", f"{volume}:/data",
               "-p", "127.0.0.1::8080", image)
        for unit in UNITS:
            line = wait_for_line(name, f"{unit}.service: active", started, timeout=120)
            run.ready_units[unit] = line.at - started
        run.ready = max(run.ready_units.values())
        activating = wait_for_line(name, "appliance-server.service: activating", started, timeout=10)
        run.server_start = run.ready_units["appliance-server"] - (activating.at - started)
        summary = wait_for_line(name, "files indexed", started, timeout=600)
        run.indexed, run.summary = summary.at - started, summary.text.split("| ", 1)[-1]
        if kill:
            for unit in KILLED:
                run.restarts[unit] = kill_and_time(name, unit)
        begin = time.monotonic()
        docker("stop", "--time", "30", name, timeout=60)
        run.stop = time.monotonic() - begin
        run.exit_code = int(docker("inspect", "--format", "{{.State.ExitCode}}", name))
    finally:
        docker("rm", "--force", "--volumes", name, check=False)
        docker("volume", "rm", "--force", volume, check=False)
    return run


def kill_and_time(name: str, unit: str) -> tuple[float, float]:
    """(crash seen -> new process started, crash seen -> ready again), from the supervisor's lines."""
    before = time.time()
    docker("exec", name, "kill", "-KILL", str(unit_pid(name, unit)))
    crash = wait_for_line(name, f"{unit}.service: auto-restart", before, timeout=30)
    again = wait_for_line(name, f"{unit}.service: activating", crash.at, timeout=60)
    ready = wait_for_line(name, f"{unit}.service: active", again.at, timeout=120)
    return again.at - crash.at, ready.at - crash.at


def image_facts(image: str) -> tuple[int, str, list[tuple[int, str]]]:
    info = json.loads(docker("image", "inspect", image))[0]
    history = docker("history", "--no-trunc", "--format", "{{.Size}}\t{{.CreatedBy}}", image)
    layers = []
    for row in history.splitlines():
        size, _, created = row.partition("\t")
        layers.append((parse_size(size), " ".join(created.split())[:90]))
    layers.sort(reverse=True)
    return int(info["Size"]), info["Id"][7:19], layers[:4]


def parse_size(text: str) -> int:
    units = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}
    for suffix in ("kB", "MB", "GB", "B"):
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * units[suffix])
    return 0


def verdict(value: float, target: float) -> str:
    return "yes" if value <= target else "**no**"


def report(image: str, runs: list[Run]) -> str:
    size, image_id, layers = image_facts(image)
    ready = [r.ready for r in runs]
    stops = [r.stop for r in runs]
    engine = docker("version", "--format", "{{.Server.Version}}").strip()
    lines = [
        "# Image figures",
        "",
        f"Measured by `bench/image.py` on {datetime.now(UTC):%Y-%m-%d}: image `{image}` ({image_id}), "
        f"Docker {engine}, {os.cpu_count()} cores, {platform.machine()}; {len(runs)} runs, each a fresh "
        "container and data volume with this repository's `appliance/` folder as /repos. "
        "Times are from the supervisor's log lines with Docker's timestamps.",
        "",
        "| Figure | Median | Worst | Target | Met |",
        "|---|---|---|---|---|",
        f"| Image size | {size / 1e6:.0f} MB | | | |",
        f"| `docker run` → every unit ready | {statistics.median(ready):.1f} s | {max(ready):.1f} s "
        f"| ≤ {READY_TARGET:g} s | {verdict(max(ready), READY_TARGET)} |",
        f"| `docker run` → initial index written | {statistics.median(r.indexed for r in runs):.1f} s "
        f"| {max(r.indexed for r in runs):.1f} s | | |",
        f"| `docker stop` | {statistics.median(stops):.1f} s | {max(stops):.1f} s | ≤ {STOP_TARGET:g} s "
        f"| {verdict(max(stops), STOP_TARGET)} |",
        f"| `docker stop` exit code | {', '.join(str(r.exit_code) for r in runs)} | | 0 "
        f"| {'yes' if all(r.exit_code == 0 for r in runs) else '**no**'} |",
        "",
        "Initial indexing: " + runs[0].summary,
        "",
        "The critical path is the MCP server's own start: from its process starting to READY=1 takes "
        f"{statistics.median(r.server_start for r in runs):.1f} s (median; worst "
        f"{max(r.server_start for r in runs):.1f} s), while the initial indexing shares the two cores.",
        "",
        "## Ready, per unit (median seconds after `docker run`)",
        "",
        "| Unit | Ready |",
        "|---|---|",
        *(f"| {u} | {statistics.median(r.ready_units[u] for r in runs):.1f} s |" for u in UNITS),
        "",
        "## Restart of a killed unit (kill -9 of its main process, first failure)",
        "",
        "Started: from the supervisor seeing the death to the new process; target RestartSec= + 0.5 s. "
        "Ready: to the unit ready again (READY=1, or its readiness URL).",
        "",
        "| Unit | RestartSec | Started | Ready | Target met |",
        "|---|---|---|---|---|",
    ]
    killed = [r for r in runs if r.restarts]
    for unit in KILLED:
        started = statistics.median(r.restarts[unit][0] for r in killed)
        ready_again = statistics.median(r.restarts[unit][1] for r in killed)
        target = restart_sec(unit) + RESTART_SLACK
        lines.append(f"| {unit} | {restart_sec(unit):g} s | {started:.2f} s | {ready_again:.2f} s "
                     f"| {verdict(started, target)} |")
    lines += ["", "## Largest layers", "", "| Size | Created by |", "|---|---|"]
    lines += [f"| {s / 1e6:.0f} MB | `{c}` |" for s, c in layers]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default=os.environ.get("APPLIANCE_IMAGE", "code-index-appliance:dev"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--build", action="store_true", help="build the image first (.ci/build-image.sh)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.build:
        subprocess.run([str(REPO / ".ci/build-image.sh"), args.image], check=True)
    repo = REPO / "appliance"
    runs = []
    for number in range(args.runs):
        run = one_run(args.image, repo, kill=True)
        print(f"run {number + 1}: ready {run.ready:.1f}s, indexed {run.indexed:.1f}s, stop {run.stop:.1f}s "
              f"(exit {run.exit_code}), restarts {run.restarts}", flush=True)
        runs.append(run)
    text = report(args.image, runs)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
