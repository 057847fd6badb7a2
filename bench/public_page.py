"""Benchmark the public status page: Herald's snapshot of `/` against a bare server of it.

What is measured, each with wrk at 50 keep-alive connections on loopback:

1. `public_page`: Herald under gunicorn (gunicorn.conf.py) serving `/` from its snapshot,
   against bench/minimal_app.py, a bare Flask app that returns the very bytes Herald served
   with the same Content-Type, under the same gunicorn settings. ratio = Herald's
   requests/s over the minimal app's; p99 is Herald's 99th percentile latency. The snapshot
   promises that a public request costs a dictionary lookup, so the ratio says how close
   Herald gets to "Flask with nothing to do" (target: ratio >= 0.9, p99 < 25 ms).
2. `public_page_publishing`: the same pair while bench/publisher.py posts one incident
   update per second to the same database, so Herald keeps noticing new versions while under
   load. Herald's job worker (`flask worker`) runs beside its web server from the start, as
   `make run` runs it: after each publish it renders the new version's snapshot into the
   instance folder, and the web processes read those bytes. Its CPU time is charged to
   Herald, and it (like the publisher) runs during the baseline's slices too.
3. `export_nginx`: `flask export` of the site served by nginx with the try_files rule we
   document, against the same nginx serving one plain file with the exported bytes.

Why the baseline is measured in the same run: this is a noisy 2-core machine where wrk,
the servers and whatever else is running share the CPUs, so absolute requests/s move from
one second to the next by more than the effect we look for. A ratio against a baseline
measured at the same moment, under the same settings, cancels most of that. So each
comparison runs the two servers in short alternating wrk slices (A B, B A, A B, ...; 2 s
each by default, --duration seconds per server in all), takes the ratio within each
adjacent pair, and reports the median of those ratios; p99 is the median of Herald's
per-slice p99. Medians, not bests, so one lucky or unlucky slice does not decide. Each
comparison also prints the servers' CPU time per request (from /proc), a second view of the
same ratio that a busy machine disturbs less, and the baseline's own p99: p99 is an
absolute figure, and on a loaded machine scheduling delays alone push any server's p99
(nginx's included) to tens of milliseconds.

On the wire: every request asks for gzip (`--accept-encoding`, as browsers do), so Herald
answers from its stored compressed snapshot and the baselines send the same compressed bytes
(the minimal app a gzip body made once at start, nginx the export's `.gz` by gzip_static).
`RESULT public_page_size plain=<bytes> gzip=<bytes> br=<bytes>` gives the page's weight
(target: at most 60,000 plain and 15,000 gzipped with the demo data).

Everything runs in a temporary directory (database, export, nginx prefix, logs) and every
process started here is stopped on the way out, also on Ctrl-C or failure. The last line is
`RESULT public_page ratio=<x> p99_ms=<y>`.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import getpass
import grp
import gzip
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

import brotli

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
BIN = Path(sys.executable).parent
LOOPBACK = "127.0.0.1"
SECRET_KEY = "bench-only-not-a-secret"  # noqa: S105 - a throwaway database in a temp dir
START_TIMEOUT = 30.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STOP_TIMEOUT = 10.0


# --- processes -------------------------------------------------------------------------


@dataclasses.dataclass
class Started:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path


class Processes:
    """Every long-running child, each in its own process group, stopped in reverse order."""

    def __init__(self) -> None:
        self._started: list[Started] = []

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: dict[str, str],
        log: Path,
        stdout: Path | None = None,
    ) -> Started:
        """Start `argv` from the repo root; its output goes to `log` (stdout to `stdout`)."""
        with contextlib.ExitStack() as files:
            err = files.enter_context(log.open("wb"))
            out = files.enter_context(stdout.open("wb")) if stdout else err
            proc = subprocess.Popen(
                list(argv),
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches us only; we stop the group
            )
        started = Started(name, proc, log)
        self._started.append(started)
        return started

    def stop(self, started: Started) -> None:
        proc = started.proc
        if proc.poll() is None:
            # The group of a child we started (gunicorn master and its workers).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(STOP_TIMEOUT)
        if started in self._started:
            self._started.remove(started)

    def stop_all(self) -> None:
        # A second Ctrl-C must not leave servers behind: stopping is bounded anyway.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for started in reversed(list(self._started)):
                self.stop(started)
        finally:
            signal.signal(signal.SIGINT, previous)


def _sigterm_as_exit(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(143)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def fetch(
    url: str, header: str = "Content-Type", accept_encoding: str | None = None
) -> tuple[bytes, str]:
    """GET `url` (loopback only); returns the body as sent (never decoded) and one header."""
    if not url.startswith(f"http://{LOOPBACK}:"):
        raise ValueError(f"only loopback URLs are fetched, not {url}")
    request = urllib.request.Request(url)  # noqa: S310 - loopback http
    if accept_encoding:
        request.add_header("Accept-Encoding", accept_encoding)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback http
        return response.read(), response.headers.get(header, "")


def wait_until_serving(started: Started, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if started.proc.poll() is not None:
            raise RuntimeError(f"{started.name} exited early:\n{log_tail(started.log)}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            fetch(url)
            return
        time.sleep(0.1)
    raise RuntimeError(f"{started.name} did not answer {url} in {START_TIMEOUT:.0f}s")


def run_checked(argv: Sequence[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        list(argv), cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# --- wrk -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    errors: int  # socket errors and non-2xx/3xx answers
    cpu_us: float = 0.0  # CPU time of the server's processes per request


@dataclasses.dataclass(frozen=True)
class Target:
    name: str
    url: str
    groups: tuple[int, ...]  # process groups of the server, whose CPU time is charged to it


def group_cpu_seconds(groups: tuple[int, ...]) -> float:
    """User + system CPU time of every live process in `groups`, from /proc."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # exited meanwhile
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[2]) in groups:  # pgrp
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / CLOCK_TICKS


_WRK_LINE = re.compile(r"^WRK (.*)$", re.MULTILINE)


def wrk(
    url: str,
    seconds: float,
    connections: int,
    threads: int,
    script: Path = BENCH / "wrk_report.lua",
    script_args: Sequence[str] = (),
) -> Run:
    """`script` must print wrk_report.lua's WRK line; `script_args` go to its init()."""
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        url,
    ]
    if script_args:
        argv += ["--", *script_args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    found = _WRK_LINE.search(done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed on {url}:\n{done.stdout}\n{done.stderr}")
    fields = {k: float(v) for k, v in (pair.split("=") for pair in found.group(1).split())}
    errors = sum(fields[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Run(
        rps=fields["requests"] / (fields["duration_us"] / 1e6),
        p50_ms=fields["p50_us"] / 1000,
        p99_ms=fields["p99_us"] / 1000,
        max_ms=fields["max_us"] / 1000,
        requests=int(fields["requests"]),
        errors=int(errors),
    )


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Paired slices: subject[i] and baseline[i] ran back to back, in alternating order."""

    subject: list[Run]
    baseline: list[Run]

    @property
    def ratios(self) -> list[float]:
        return [s.rps / b.rps for s, b in zip(self.subject, self.baseline, strict=True)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.subject)

    @property
    def baseline_p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.baseline)

    @property
    def cpu_ratio(self) -> float:
        """Baseline's CPU per request over the subject's: less sensitive to a busy machine."""
        cpu = statistics.median(r.cpu_us for r in self.subject)
        return statistics.median(r.cpu_us for r in self.baseline) / cpu if cpu else math.nan


def compare(title: str, subject: Target, baseline: Target, args: argparse.Namespace) -> Comparison:
    """wrk against two servers in short alternating slices: A B, B A, A B, ..."""
    slices = max(1, math.ceil(args.duration / args.slice))
    print(
        f"\n== {title}: {slices} x {args.slice:g}s per server, interleaved A B / B A ==",
        flush=True,
    )
    runs: dict[str, list[Run]] = {subject.name: [], baseline.name: []}
    for index in range(slices):
        order = (subject, baseline) if index % 2 == 0 else (baseline, subject)
        for target in order:
            cpu_before = group_cpu_seconds(target.groups)
            run = wrk(
                target.url,
                args.slice,
                args.connections,
                args.wrk_threads,
                script_args=args.script_args,
            )
            cpu = group_cpu_seconds(target.groups) - cpu_before
            run = dataclasses.replace(run, cpu_us=cpu * 1e6 / max(run.requests, 1))
            runs[target.name].append(run)
            if run.errors:
                raise RuntimeError(f"{target.name} answered {run.errors} errors during {title}")
        here = {name: kept[-1] for name, kept in runs.items()}
        print(
            f"  slice {index + 1:>2}: "
            + "   ".join(
                f"{name} {run.rps:7.0f} req/s p99 {run.p99_ms:6.1f} ms"
                for name, run in here.items()
            )
            + f"   ratio {here[subject.name].rps / here[baseline.name].rps:.2f}",
            flush=True,
        )
    result = Comparison(runs[subject.name], runs[baseline.name])
    for name, kept in runs.items():
        rps = [r.rps for r in kept]
        p99 = [r.p99_ms for r in kept]
        print(
            f"  {name:<10} req/s median {statistics.median(rps):7.0f} (best {max(rps):.0f})"
            f"   p99 median {statistics.median(p99):6.1f} ms (best {min(p99):.1f})"
            f"   p50 median {statistics.median(r.p50_ms for r in kept):5.1f} ms"
            f"   server CPU {statistics.median(r.cpu_us for r in kept):5.0f} us/request"
        )
    ratios = result.ratios
    print(
        f"  ratio {subject.name}/{baseline.name}: median of the {len(ratios)} paired slices"
        f" {result.ratio:.2f} (range {min(ratios):.2f}-{max(ratios):.2f});"
        f" CPU per request, {baseline.name}/{subject.name}: {result.cpu_ratio:.2f}"
    )
    return result


# --- servers ---------------------------------------------------------------------------


def base_env(instance: Path, args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ACCESS_LOG", "DATABASE_URL")}
    env.update(
        INSTANCE_PATH=str(instance),
        SECRET_KEY=SECRET_KEY,
        FLASK_APP="wsgi",
        WEB_CONCURRENCY=str(args.workers),
        WEB_THREADS=str(args.threads),
    )
    return env


def gunicorn(
    procs: Processes, name: str, target: str, env: dict[str, str], logs: Path, extra: list[str]
) -> tuple[Started, str]:
    """Start `target` under gunicorn.conf.py on a free port; the flags are the same for all."""
    port = free_port()
    argv = [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", *extra, target]
    started = procs.start(name, argv, {**env, "PORT": str(port)}, logs / f"{name}.log")
    url = f"http://{LOOPBACK}:{port}/"
    wait_until_serving(started, url)
    return started, url


NGINX_CONF = """\
{user}worker_processes {workers};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    types {{
        text/html html;
        text/css css;
        application/javascript js;
        application/json json;
        application/atom+xml atom;
        application/rss+xml rss;
        image/svg+xml svg;
    }}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

    # The exported site, with the rule documented for serving an export.
    server {{
        listen {loopback}:{export_port};
        root {export_dir};
        gzip_static on;  # the export's .gz copies, as deploy/nginx/herald.conf serves them
        location / {{
            try_files $uri $uri.html $uri/index.html =404;
        }}
    }}

    # The baseline: one plain file with the same bytes (and its .gz).
    server {{
        listen {loopback}:{plain_port};
        root {plain_dir};
        gzip_static on;
    }}
}}
"""


def nginx(
    procs: Processes, prefix: Path, export_dir: Path, plain_dir: Path, workers: int
) -> tuple[Started, str, str]:
    export_port, plain_port = free_port(), free_port()
    # As root, nginx would hand its workers to "nobody"; keep them as the current user.
    user = ""
    if os.geteuid() == 0:
        user = f"user {getpass.getuser()} {grp.getgrgid(os.getegid()).gr_name};\n"
    conf = prefix / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            user=user,
            workers=workers,
            prefix=prefix,
            loopback=LOOPBACK,
            export_port=export_port,
            export_dir=export_dir,
            plain_port=plain_port,
            plain_dir=plain_dir,
        )
    )
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
    argv = [nginx_bin, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    started = procs.start("nginx", argv, dict(os.environ), prefix / "nginx.out")
    export_url = f"http://{LOOPBACK}:{export_port}/"
    plain_url = f"http://{LOOPBACK}:{plain_port}/page.html"
    wait_until_serving(started, plain_url)
    wait_until_serving(started, export_url)
    return started, export_url, plain_url


def warm_up(urls: Sequence[str], args: argparse.Namespace) -> None:
    for url in urls:
        wrk(url, args.warmup, args.connections, args.wrk_threads, script_args=args.script_args)


# --- the benchmark ---------------------------------------------------------------------


def prepare_database(env: dict[str, str]) -> None:
    flask = str(BIN / "flask")
    run_checked([flask, "--app", "wsgi", "db", "upgrade"], env)
    run_checked([flask, "--app", "wsgi", "demo"], env)


def start_worker(procs: Processes, env: dict[str, str], logs: Path) -> Started:
    """Herald's job worker, as `make run` starts it beside the web server."""
    argv = [str(BIN / "flask"), "--app", "wsgi", "worker"]
    started = procs.start("worker", argv, env, logs / "worker.log")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if "Herald worker" in (logs / "worker.log").read_text(errors="replace"):
            return started
        if started.proc.poll() is not None:
            raise RuntimeError(f"the worker exited early:\n{log_tail(logs / 'worker.log')}")
        time.sleep(0.1)
    raise RuntimeError("the worker did not start")


def start_publisher(procs: Processes, env: dict[str, str], logs: Path) -> Started:
    argv = [sys.executable, str(BENCH / "publisher.py"), "--max-seconds", "600"]
    out = logs / "publisher.out"
    started = procs.start("publisher", argv, env, logs / "publisher.log", stdout=out)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if "ready" in (logs / "publisher.out").read_text():
            return started
        if started.proc.poll() is not None:
            raise RuntimeError(f"publisher exited early:\n{log_tail(logs / 'publisher.log')}")
        time.sleep(0.1)
    raise RuntimeError("publisher did not become ready")


def measure_public_page(
    args: argparse.Namespace, procs: Processes, work: Path, env: dict[str, str]
) -> tuple[Comparison, Comparison]:
    """Herald against the minimal app, quiet and then with one update published per second."""
    logs, extra = work / "logs", list(args.gunicorn_arg)
    herald, herald_url = gunicorn(procs, "herald", "wsgi:app", env, logs, extra)
    worker = start_worker(procs, env, logs)
    body, content_type = fetch(herald_url)
    body_file = work / "index.body"
    body_file.write_bytes(body)
    sizes = page_sizes(herald_url, body)
    print(
        f"Herald's / is {sizes['plain']} bytes of {content_type};"
        f" {sizes['gzip']} gzipped, {sizes['br']} with brotli (as stored, sent as they are)"
    )
    print(f"RESULT public_page_size plain={sizes['plain']} gzip={sizes['gzip']} br={sizes['br']}")
    gzip_file = work / "index.body.gz"
    gzip_file.write_bytes(fetch(herald_url, accept_encoding="gzip")[0])
    minimal_env = {
        **env,
        "BENCH_BODY_FILE": str(body_file),
        "BENCH_GZIP_FILE": str(gzip_file),
        "BENCH_CONTENT_TYPE": content_type,
    }
    bench_path = ["--pythonpath", str(BENCH)]
    minimal, minimal_url = gunicorn(
        procs, "minimal", "minimal_app:app", minimal_env, logs, [*extra, *bench_path]
    )
    # The bytes Herald served at start (its page may move on since: the minute's sweep).
    for coding, sent in ((None, body), ("gzip", gzip_file.read_bytes())):
        if fetch(minimal_url, accept_encoding=coding) != (sent, content_type):
            raise RuntimeError(f"the minimal app does not answer with Herald's bytes ({coding})")
    warm_up([herald_url, minimal_url], args)
    pair = (
        Target("herald", herald_url, (herald.proc.pid, worker.proc.pid)),
        Target("minimal", minimal_url, (minimal.proc.pid,)),
    )
    quiet = compare("public page, no publishing", *pair, args)

    publisher = start_publisher(procs, env, logs)
    _, etag_before = fetch(herald_url, "ETag")
    publishing = compare("public page, one update published per second", *pair, args)
    _, etag_after = fetch(herald_url, "ETag")
    procs.stop(publisher)
    published = (logs / "publisher.out").read_text().split("published=")[-1].strip()
    print(f"  the publisher posted {published} updates; / changed: {etag_before != etag_after}")
    if etag_before == etag_after:
        raise RuntimeError("Herald's / did not change while updates were published")
    procs.stop(herald)
    procs.stop(worker)
    procs.stop(minimal)
    return quiet, publishing


def page_sizes(url: str, plain: bytes) -> dict[str, int]:
    """The page's size plain and in each stored coding, checked to decode to the plain bytes."""
    sizes = {"plain": len(plain)}
    for coding, decode in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        body, sent = fetch(url, "Content-Encoding", accept_encoding=coding)
        if sent != coding or decode(body) != plain:
            raise RuntimeError(f"Herald's / is not stored as {coding}")
        sizes[coding] = len(body)
    return sizes


def measure_export(
    args: argparse.Namespace, procs: Processes, work: Path, env: dict[str, str]
) -> Comparison:
    """The exported site on nginx against the same nginx serving one plain file."""
    export_dir, plain_dir, prefix = work / "site", work / "plain", work / "nginx"
    run_checked([str(BIN / "flask"), "--app", "wsgi", "export", str(export_dir)], env)
    plain_dir.mkdir()
    prefix.mkdir()
    shutil.copyfile(export_dir / "index.html", plain_dir / "page.html")
    shutil.copyfile(export_dir / "index.html.gz", plain_dir / "page.html.gz")
    server, export_url, plain_url = nginx(procs, prefix, export_dir, plain_dir, args.workers)
    for coding in (None, args.accept_encoding):
        exported, plain = (fetch(u, "Content-Encoding", coding) for u in (export_url, plain_url))
        if exported != plain:
            raise RuntimeError(f"nginx does not serve the export's / as the plain file ({coding})")
    warm_up([export_url, plain_url], args)
    exported = compare(
        "exported site on nginx",
        Target("export", export_url, (server.proc.pid,)),
        Target("plain-file", plain_url, (server.proc.pid,)),
        args,
    )
    procs.stop(server)
    return exported


def benchmark(args: argparse.Namespace, procs: Processes, work: Path) -> None:
    (work / "logs").mkdir()
    (work / "instance").mkdir()
    env = base_env(work / "instance", args)
    prepare_database(env)
    extra = " ".join(args.gunicorn_arg)
    print(
        f"gunicorn.conf.py with WEB_CONCURRENCY={args.workers} WEB_THREADS={args.threads}"
        f"{' ' + extra if extra else ''} for both apps; wrk -t{args.wrk_threads}"
        f" -c{args.connections}; {os.cpu_count()} CPUs, load average"
        f" {os.getloadavg()[0]:.1f} at start; work dir {work}"
    )
    quiet, publishing = measure_public_page(args, procs, work, env)
    exported = measure_export(args, procs, work, env)

    print(
        f"\nHerald's p99 is the median over slices; the minimal app's, on the same machine at"
        f" the same moments: {quiet.baseline_p99_ms:.1f} ms quiet,"
        f" {publishing.baseline_p99_ms:.1f} ms while publishing (load average now"
        f" {os.getloadavg()[0]:.1f})."
    )
    print(f"RESULT export_nginx ratio={exported.ratio:.2f}")
    print(
        f"RESULT public_page_publishing ratio={publishing.ratio:.2f} p99_ms={publishing.p99_ms:.2f}"
    )
    print(f"RESULT public_page ratio={quiet.ratio:.2f} p99_ms={quiet.p99_ms:.2f}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration", type=float, default=12, help="seconds of wrk per server per comparison"
    )
    parser.add_argument(
        "--slice", type=float, default=2, help="seconds per wrk run; the two servers alternate"
    )
    parser.add_argument("--warmup", type=float, default=2, help="seconds of wrk per server first")
    parser.add_argument("--connections", type=int, default=50, help="wrk keep-alive connections")
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="wrk threads (1 leaves a core to the servers)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "2")),
        help="WEB_CONCURRENCY for both apps (default: the environment's, else 2)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("WEB_THREADS", "4")),
        help="WEB_THREADS for both apps (default: the environment's, else 4)",
    )
    parser.add_argument(
        "--gunicorn-arg",
        action="append",
        default=[],
        help="extra gunicorn flag for both apps, e.g. --gunicorn-arg=--backlog=512 (repeatable)",
    )
    parser.add_argument(
        "--languages",
        default="en-US,en;q=0.9 de-DE,de;q=0.9",
        help="Accept-Language values the requests take in turn (space-separated; '' for none):"
        " two languages by default, each page read from its own snapshot",
    )
    parser.add_argument(
        "--accept-encoding",
        default="gzip",
        help="Accept-Encoding of every request ('' for none): gzip by default, as browsers ask",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work dir for inspection")
    args = parser.parse_args(argv)
    args.languages = args.languages.split()
    # wrk_report.lua's arguments: "encoding=<value>", then the languages.
    args.script_args = [f"encoding={args.accept_encoding}", *args.languages]
    return args


@contextlib.contextmanager
def work_dir(keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="herald-bench-"))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


def main() -> int:
    args = parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            print(f"{tool} is missing: apt-get install -y wrk nginx-light", file=sys.stderr)
            return 2
    # Ctrl-C (even when started with SIGINT ignored) and SIGTERM both unwind through finally.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _sigterm_as_exit)
    procs = Processes()
    try:
        with work_dir(args.keep) as work:
            try:
                benchmark(args, procs, work)
            finally:
                procs.stop_all()
    except KeyboardInterrupt:
        print("\ninterrupted; every process started here is stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
