"""Benchmark of the public listing, API and export at scale (run by hand).

    .venv/bin/python benchmarks/listing.py [--activities 1000000] [--rounds 10]

It builds the data set if needed (PostgreSQL database ``wsis_bench`` by
default, or BENCH_DATABASE_URL: migrate, seed_demo, generate_synthetic up to
the number asked), writes the facet index's snapshot and the whole-dataset
files (``build_dataset_files``), serves the app with gunicorn exactly as the
README's deployment command starts it (``gunicorn wsis_site.wsgi --bind …``
in the project folder, so with gunicorn.conf.py's settings), and measures from
this separate process with real HTTP requests:

* the first /activities/ and /stats/ after gunicorn starts;
* what people meet: many distinct random filter URLs (1–3 filters among action
  line, region, SDG, year, entity, q and page; no two alike), each requested
  once with nothing cached, median, 95th percentile and the slowest;
* latency (median and 95th percentile) of a fixed mix of listing and API URLs,
  on the first request of each (nothing cached) and on repeated ones;
* SQL queries per URL (counted in-process with Django's test client);
* requests per second under 8 concurrent clients over the mix, its listing pages
  and its API lists;
* the CSV export of every row, as the whole-dataset file and streamed from
  the database: rows per second and the serving worker's peak resident memory;
* the statistics pages, first request and repeated;
* the same for a minimal view (/health/) served the same way, and each figure
  as a ratio to it, so results compare across machines.

Requests go to 127.0.0.1 only; every loop is bounded in count and time.
"""

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORT = int(os.environ.get("BENCH_PORT", "8190"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wsis_bench")

URLS = [
    "/activities/",
    "/activities/?action_line=C5",
    "/activities/?action_line=C7",
    "/activities/?region=africa",
    "/activities/?sdg=9",
    "/activities/?year=2020",
    "/activities/?entity=ITU",
    "/activities/?theme=internet_governance",
    "/activities/?action_line=C5&region=europe",
    "/activities/?action_line=C7.e-health&year=2024&region=africa",
    "/activities/?trend=artificial_intelligence&entity_kind=un_specialized_agency",
    "/activities/?q=broadband",
    "/activities/?q=artificial+intelligence&region=global",
    "/activities/?page=2000",
    "/activities/?ordering=-published&page=500",
    "/api/activities/",
    "/api/activities/?action_line=C2",
    "/api/activities/?region=asia_pacific&sdg=4",
    "/api/activities/?q=cybersecurity",
    "/api/activities/?entity_kind=civil_society&year=2019",
    "/api/activities/?page=5000",
    "/api/activities/?ordering=title&action_line=C1",
]
# The statistics pages, measured the same way and reported apart from the mix.
STATS_URLS = [
    "/stats/",
    "/stats/?region=africa",
    "/stats/?action_line=C5&year=2024",
    "/stats/matrix.csv",
    "/stats/trend/?action_line=C5",
    "/stats/trend/?entity=ITU",
]
BASELINE = "/health/"


def env():
    return {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "SECRET_KEY": "benchmark-only-secret-key-not-for-production",
        "DEBUG": "false",
        "SITE_URL": f"http://127.0.0.1:{PORT}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        # Every request comes from one address: a rate that never refuses, over one
        # second, so that the throttle's history of that address stays short.
        "API_ANON_RATE": "1000000/second",
        "API_USER_RATE": "1000000/second",
        "DJANGO_SETTINGS_MODULE": "wsis_site.settings",
        # The production layout: one cache shared by every worker.
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
        "PUBLIC_FILES_DIR": os.environ.get("BENCH_FILES_DIR", str(ROOT / "var" / "bench")),
    }


def manage(*args, capture=False):
    # seed_demo makes the demo's accounts, which it does only under DEBUG.
    debug = {"DEBUG": "true"} if args[:1] == ("seed_demo",) else {}
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env={**env(), **debug},
        check=True,
        text=True,
        capture_output=capture,
    )


def prepare(activities):
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    manage("migrate", "--noinput", "-v0")
    manage("seed_demo", "-v0")
    count = int(
        manage(
            "shell",
            "-c",
            "from activities.models import Activity; print(Activity.objects.published().count())",
            capture=True,
        ).stdout.split()[-1]
    )
    if count < activities:
        print(f"Generating {activities - count} activities (have {count})…", flush=True)
        started = time.monotonic()
        manage("generate_synthetic", "--activities", str(activities - count), "--batch", "10000")
        print(f"  generated in {time.monotonic() - started:.0f} s", flush=True)
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        total = conn.execute(
            "SELECT count(*) FROM activities_activity WHERE status = 'published'"
        ).fetchone()[0]
    manage("collectstatic", "--noinput", "-v0")
    started = time.monotonic()
    manage("build_dataset_files", "--base-url", f"http://127.0.0.1:{PORT}", "-v0")
    print(
        f"Facet index built, its snapshot and the whole-dataset files written in "
        f"{time.monotonic() - started:.0f} s",
        flush=True,
    )
    return total


def serve(workers=None):
    """gunicorn as the README's deployment command starts it, in the project folder
    (so gunicorn.conf.py applies); ``workers`` only if asked for."""
    command = [
        str(Path(PYTHON).parent / "gunicorn"),
        "wsis_site.wsgi",
        "--bind",
        f"127.0.0.1:{PORT}",
    ]
    if workers:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command + ["--log-level", "warning"], cwd=ROOT, env=env())
    for _ in range(100):
        try:
            get(BASELINE)
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start")


_local = threading.local()


def get(path, stream=False):
    """One GET on a kept-alive connection of this thread; returns (seconds, status, body)."""
    conn = getattr(_local, "conn", None)
    reused = conn is not None
    if conn is None:
        conn = _local.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=300)
    started = time.perf_counter()
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    except (http.client.HTTPException, OSError):
        _local.conn = None
        if reused:  # the server closed a kept-alive connection that sat idle: once more
            return get(path, stream)
        raise
    return time.perf_counter() - started, response.status, body


def distinct_urls(count, seed=18):
    """``count`` distinct listing URLs of 1–3 filters among action line, region,
    SDG, year, entity, q and page, drawn at random (repeatably)."""
    import psycopg

    with psycopg.connect(DATABASE_URL) as conn:
        lines = [r[0] for r in conn.execute("SELECT code FROM activities_actionline")]
        regions = [r[0] for r in conn.execute("SELECT key FROM activities_region")]
        entities = [r[0] for r in conn.execute("SELECT acronym FROM entities_entity")]
    words = [
        "broadband",
        "cybersecurity",
        "digital",
        "data",
        "education",
        "health",
        "women",
        "artificial intelligence",
        "internet governance",
        "capacity",
        "rural",
        "open source",
        "skills",
        "policy",
        "connectivity",
        "climate",
        "youth",
        "privacy",
        "satellite",
        "e-government",
        "innovation",
        "statistics",
        "school",
        "mobile",
        "standards",
    ]
    choices = {
        "action_line": lambda rng: rng.choice(lines),
        "region": lambda rng: rng.choice(regions),
        "sdg": lambda rng: str(rng.randint(1, 17)),
        "year": lambda rng: str(rng.randint(2005, 2026)),
        "entity": lambda rng: rng.choice(entities),
        "q": lambda rng: rng.choice(words),
        "page": lambda rng: str(rng.randint(2, 40)),
    }
    rng = random.Random(seed)
    urls = []
    while len(urls) < count:
        names = sorted(rng.sample(sorted(choices), rng.choice([1, 2, 3])))
        query = "&".join(f"{name}={choices[name](rng)}".replace(" ", "+") for name in names)
        url = f"/activities/?{query}"
        if url not in urls:
            urls.append(url)
    return urls


def distinct_run(urls):
    """Each URL once, nothing cached: its time and status."""
    clear_cache()
    times = {}
    for url in urls:
        seconds, status, _ = get(url)
        assert status in (200, 404), (url, status)  # 404: a page past the last
        times[url] = seconds
    return times


def first_after_start(workers):
    """The first /activities/ and /stats/ of a freshly started gunicorn."""
    clear_cache()
    master = serve(workers)
    try:
        return {url: get(url)[0] for url in ("/activities/", "/stats/")}
    finally:
        master.terminate()
        master.wait(timeout=60)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def clear_cache():
    manage("shell", "-c", "from django.core.cache import cache; cache.clear()", capture=True)


def latency(rounds, urls=URLS):
    first, warm = {}, {u: [] for u in urls}
    for url in urls:  # nothing cached yet: the first request of each URL
        seconds, status, _ = get(url)
        assert status == 200, (url, status)
        first[url] = seconds
    for _ in range(rounds):
        for url in urls:
            warm[url].append(get(url)[0])
    base = [get(BASELINE)[0] for _ in range(rounds * 5)]
    return first, warm, base


def queries_per_url():
    code = (
        "import json\n"
        "from django.core.cache import cache\n"
        "from django.db import connection\n"
        "from django.test import Client\n"
        "from django.test.utils import CaptureQueriesContext\n"
        f"urls = {URLS + STATS_URLS!r}\n"
        "cache.clear()\n"
        "client = Client()\n"
        "out = {}\n"
        "for url in urls:\n"
        "    counts = []\n"
        "    for _ in range(2):\n"
        "        with CaptureQueriesContext(connection) as c:\n"
        "            client.get(url)\n"
        "        counts.append(len(c))\n"
        "    out[url] = counts\n"
        "print(json.dumps(out))\n"
    )
    import json

    result = manage("shell", "-c", code, capture=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def throughput(paths, clients, seconds):
    stop = time.monotonic() + seconds
    done = []

    def worker(n):
        count, i = 0, n
        while time.monotonic() < stop:
            get(paths[i % len(paths)])
            count += 1
            i += 1
        done.append(count)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    return sum(done) / seconds


def rss_of_workers(master):
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    sizes = {}
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes[int(pid)] = int(line.split()[1]) * 1024
    return sizes


def export(master, path="/activities/export.csv"):
    peak = {}
    running = True

    def watch():
        while running:
            try:
                sizes = rss_of_workers(master)
            except OSError:  # a worker came or went between two reads
                continue
            for pid, size in sizes.items():
                peak[pid] = max(peak.get(pid, 0), size)
            time.sleep(0.05)

    before = rss_of_workers(master)
    watcher = threading.Thread(target=watch)
    watcher.start()
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=900)
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    length = response.getheader("Content-Length")
    rows = 0
    received = 0
    while chunk := response.read(1 << 20):
        rows += chunk.count(b"\n")
        received += len(chunk)
    if length is not None:
        assert received == int(length), (path, received, length)
    seconds = time.perf_counter() - started
    running = False
    watcher.join()
    grown = {pid: peak[pid] - before.get(pid, 0) for pid in peak}
    busiest = max(grown, key=grown.get)
    return rows - 1, seconds, peak[busiest], before.get(busiest, 0), length is not None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py's)"
    )
    parser.add_argument("--distinct", type=int, default=150, help="distinct filter URLs")
    parser.add_argument("--seconds", type=int, default=20, help="length of the throughput runs")
    args = parser.parse_args()

    total = prepare(args.activities)
    print(f"Published activities: {total:,}", flush=True)
    clear_cache()
    counts = queries_per_url()
    firsts = first_after_start(args.workers)
    print(
        "\nFirst requests after gunicorn starts (ms): "
        + ", ".join(f"{url} {seconds * 1000:.0f}" for url, seconds in firsts.items())
    )
    clear_cache()
    master = serve(args.workers)
    try:
        get(BASELINE)
        urls = distinct_urls(args.distinct)
        times = distinct_run(urls)
        values = list(times.values())
        print(
            f"\n{len(urls)} distinct filter URLs, each once, nothing cached (ms): "
            f"median {statistics.median(values) * 1000:.1f}, "
            f"p95 {percentile(values, 95) * 1000:.1f}, max {max(values) * 1000:.1f}"
        )
        print(
            "  slowest: "
            + "; ".join(
                f"{url} {seconds * 1000:.0f}"
                for url, seconds in sorted(times.items(), key=lambda item: -item[1])[:5]
            )
        )
        clear_cache()
        first, warm, base = latency(args.rounds)
        base_median = statistics.median(base)
        everything = [s for values in warm.values() for s in values]
        print(f"\nLatency over {len(URLS)} URLs (ms; ratio to /health/ median in brackets)")
        print(f"{'URL':<72} {'first':>7} {'median':>7} {'p95':>7}  queries (cold, warm)")
        for url in URLS:
            print(
                f"{url:<72} {first[url] * 1000:7.1f} {statistics.median(warm[url]) * 1000:7.1f} "
                f"{percentile(warm[url], 95) * 1000:7.1f}  {counts[url][0]}, {counts[url][1]}"
            )
        cold = list(first.values())
        print(f"\n/health/ median: {base_median * 1000:.2f} ms")
        for label, values in (("repeated requests", everything), ("first requests", cold)):
            median, p95 = statistics.median(values), percentile(values, 95)
            print(
                f"Mix, {label}: median {median * 1000:.1f} ms ({median / base_median:.0f}x), "
                f"p95 {p95 * 1000:.1f} ms ({p95 / base_median:.0f}x)"
            )
        print(f"Most SQL queries on one page: {max(max(counts[u]) for u in URLS)}")

        minimal = throughput([BASELINE], 8, args.seconds)
        print(f"\nThroughput, 8 clients (req/s; ratio to /health/): /health/ {minimal:.0f}")
        pages = [u for u in URLS if not u.startswith("/api/")]
        for label, paths in (
            ("the whole mix", URLS),
            ("listing pages", pages),
            ("API lists", [u for u in URLS if u not in pages]),
        ):
            rate = throughput(paths, 8, args.seconds)
            print(f"  {label:<14} {rate:6.0f}  ({rate / minimal:.2f})")

        print()
        for label, path in (
            ("the whole-dataset file", "/activities/export.csv"),
            # Any parameter makes it a query of its own, streamed from the database.
            ("streamed", "/activities/export.csv?ordering=-year"),
        ):
            rows, seconds, peak, before, sized = export(master, path)
            print(
                f"CSV export of every row, {label}: {rows:,} rows in {seconds:.1f} s = "
                f"{rows / seconds:,.0f} rows/s{' (with its length)' if sized else ''}; "
                f"serving worker RSS {before / 2**20:.0f} MB before, peak {peak / 2**20:.0f} MB"
            )

        # Last, as it starts from an empty cache.
        clear_cache()
        first, warm, _ = latency(args.rounds, STATS_URLS)
        print(f"\nStatistics pages (ms), each from nothing cached, then {args.rounds} times")
        print(f"{'URL':<72} {'first':>7} {'median':>7} {'p95':>7}  queries (cold, warm)")
        for url in STATS_URLS:
            print(
                f"{url:<72} {first[url] * 1000:7.1f} {statistics.median(warm[url]) * 1000:7.1f} "
                f"{percentile(warm[url], 95) * 1000:7.1f}  {counts[url][0]}, {counts[url][1]}"
            )
    finally:
        master.terminate()
        master.wait(timeout=30)


if __name__ == "__main__":
    main()
