"""Filtered CSV exports at scale: rows per second and peak memory (run by hand).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/wsis_bench \\
      .venv/bin/python benchmarks/export_check.py [--query year=2020 --query action_line=C7]

For each query string it requests ``/activities/export.csv?<query>`` through the
whole Django stack (test client, middleware, the view, the streamed response
read to its end) twice, each time in a fresh process, after a first run not
counted (which brings the rows into the caches): once as it is served
(on PostgreSQL the database writes the lines, COPY) and once with the Python
writer in its place. It prints the rows, the seconds, rows per second, the
process's peak RSS (and its RSS before the request), and whether both files
are byte for byte the same (SHA-256).

The database is only read: every session is read-only
(``default_transaction_read_only``), nothing is migrated or generated. On
SQLite (``BENCH_DATABASE_URL=sqlite:///…``) both runs use the Python writer.
"""

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODES = {"served": "as served (COPY on PostgreSQL)", "python": "the Python writer"}


def rss_mb():
    """The process's resident memory now, in MB (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(mode, query):
    """One export in this process; prints its figures as JSON."""
    import django

    django.setup()
    from django.db import connection
    from django.db.backends.signals import connection_created
    from django.test import Client

    from activities import exports
    from activities.filters import ActivityFilter

    def read_only(sender, connection, **kwargs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET default_transaction_read_only = on")

    connection_created.connect(read_only)
    if mode == "python":
        exports._copied_lines = exports._written_lines
    filterset = ActivityFilter(dict(_pairs(query)))
    assert filterset.is_valid(), filterset.errors
    rows = filterset.qs.count()
    before = rss_mb()
    digest = hashlib.sha256()
    size = 0
    started = time.perf_counter()
    response = Client().get(f"/activities/export.csv?{query}")
    assert response.status_code == 200 and response.streaming, response.status_code
    for piece in response.streaming_content:
        digest.update(piece)
        size += len(piece)
    seconds = time.perf_counter() - started
    response.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "rows": rows,
                "seconds": seconds,
                "bytes": size,
                "rss_before": before,
                "rss_peak": peak,
                "sha256": digest.hexdigest(),
            }
        )
    )


def _pairs(query):
    values = {}
    for part in filter(None, query.split("&")):
        key, _, value = part.partition("=")
        values.setdefault(key, []).append(value)
    return values.items()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--query", action="append", help="a filter query string (repeatable)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "QUERY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        sys.exit("Set BENCH_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/wsis_bench).")
    os.environ.update(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": os.environ.get("SECRET_KEY", "export-check-only-secret-key"),
            "DEBUG": "false",
            "SITE_URL": "http://testserver",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "false",
            "DJANGO_SETTINGS_MODULE": "wsis_site.settings",
        }
    )
    os.environ.pop("REDIS_URL", None)
    if args.child:
        return child(*args.child)
    queries = args.query or ["year=2020", "action_line=C7"]
    print(f"{'filter':<22} {'writer':<32} {'rows':>9} {'s':>7} {'rows/s':>8} {'RSS MB':>15}")
    for query in queries:
        digests = set()
        # A first run, not counted, brings the rows' pages into the caches, so
        # that the first writer measured does not pay for both.
        subprocess.run(
            [sys.executable, __file__, "--child", "served", query],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        for mode, label in MODES.items():
            result = subprocess.run(
                [sys.executable, __file__, "--child", mode, query],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            digests.add(figures["sha256"])
            rate = figures["rows"] / figures["seconds"]
            memory = f"{figures['rss_peak']:.0f} (at start {figures['rss_before']:.0f})"
            print(
                f"{query:<22} {label:<32} {figures['rows']:>9,} {figures['seconds']:>7.1f}"
                f" {rate:>8,.0f} {memory:>15}",
                flush=True,
            )
        same = "byte for byte the same" if len(digests) == 1 else "DIFFERENT"
        print(f"{'':<22} both files: {same} ({figures['bytes']:,} bytes)", flush=True)
    return None


if __name__ == "__main__":
    main()
