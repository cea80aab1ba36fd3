"""SQLite at 100,000 activities: does every public page still work? (run by hand)

    .venv/bin/python benchmarks/sqlite_check.py [--activities 100000] [--database PATH]

It builds the database if needed (migrate, seed_demo, generate_synthetic up to
the number asked; by default /tmp/wsis-sqlite-check.sqlite3), then requests
the listing and API mix of benchmarks/listing.py, the statistics pages and both
full exports in this process with Django's test client, nothing cached, and
prints each status and time. It fails if any answer is not a 200 or an export
misses rows. SQLite may be slow here; it must not break.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from listing import STATS_URLS, URLS  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--database", default="/tmp/wsis-sqlite-check.sqlite3")
    args = parser.parse_args()
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{args.database}",
            "SECRET_KEY": "sqlite-check-only-secret-key",
            "DEBUG": "false",
            "SITE_URL": "http://testserver",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "false",
            "API_ANON_RATE": "100000000/minute",
            "DJANGO_SETTINGS_MODULE": "wsis_site.settings",
        }
    )
    os.environ.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True
    )
    # The demo's accounts are made only under DEBUG (seed_demo refuses otherwise).
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "-v0"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DEBUG": "true"},
    )

    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from activities.models import Activity

    have = Activity.objects.published().count()
    if have < args.activities:
        print(f"Generating {args.activities - have} activities (have {have})…", flush=True)
        started = time.monotonic()
        call_command("generate_synthetic", activities=args.activities - have, batch=5000)
        print(f"  generated in {time.monotonic() - started:.0f} s", flush=True)
    total = Activity.objects.published().count()
    print(f"Published activities: {total:,} (SQLite)\n")

    client = Client()
    failures = 0
    for url in [*URLS, *STATS_URLS]:
        cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        seconds = time.perf_counter() - started
        failures += response.status_code != 200
        print(f"{response.status_code}  {seconds * 1000:8.0f} ms  {len(body):>9,} B  {url}")

    for url, count in (
        ("/activities/export.csv", lambda body: body.count(b"\n") - 1),
        ("/activities/export.json", lambda body: len(json.loads(body)["results"])),
    ):
        started = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content)
        seconds = time.perf_counter() - started
        rows = count(body)
        failures += response.status_code != 200 or rows != total
        print(
            f"{response.status_code}  {seconds:8.1f} s   {rows:,} rows ({rows / seconds:,.0f}/s)  "
            f"{url}"
        )
    print("\nAll answered." if not failures else f"\n{failures} failed.")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
