"""Load check: gunicorn on PostgreSQL under concurrent public reads and contributors' writes.

Run by hand (not by the test suite), from the project folder:

    .venv/bin/python benchmarks/load_check.py            # 50 clients for 60 seconds

It (re)creates its own database (``wsis_load`` on the local PostgreSQL server
unless ``--database-url`` says otherwise), migrates it, loads the demo and a
"load-check" cycle with one invited submission per writing client, starts
gunicorn on 127.0.0.1 (loopback only), and runs the clients for the given time:

* readers fetch public pages and API lists and records;
* each writer is the focal point of its own entity and, with its API token,
  starts its submission, adds activities, renames them, saves its answers and
  submits; a reviewer's and a manager's tokens take it up, ask for changes or
  accept and publish it, and reopen it, so every workflow step is exercised.

It prints the requests served, the errors (any answer other than the one
expected, or no answer; there must be none) and the latencies, then checks
that every write the server acknowledged is in the database, stops gunicorn
and exits non-zero if anything was wrong. Every client comes from 127.0.0.1, so
the API throttling is raised for the run.
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
READ_PATHS = [
    "/",
    "/activities/",
    "/activities/?action_line=C7",
    "/activities/?region=africa&ordering=-year",
    "/activities/?q=broadband",
    "/entities/",
    "/entities/ITU/",
    "/api/activities/",
    "/api/activities/?action_line=C5&page_size=50",
    "/api/entities/",
    "/api/action-lines/",
    "/api/cycles/",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--writers", type=int, default=15, help="how many clients write")
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--port", type=int, default=8170)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/wsis_load")
    return parser.parse_args()


def environment(args):
    return {
        **os.environ,
        "DEBUG": "false",
        "SITE_URL": f"http://127.0.0.1:{args.port}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": args.database_url,
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "API_ANON_RATE": "1000000/minute",
        "API_USER_RATE": "1000000/minute",
        "LOG_LEVEL": "ERROR",
    }


def recreate_database(url):
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(env, *command):
    subprocess.run([PYTHON, "manage.py", *command], cwd=BASE_DIR, env=env, check=True)


def prepare(writers):
    """The load-check cycle, its writers (focal points with tokens) and the secretariat's tokens."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from activities.models import Activity
    from entities.models import Entity, Membership
    from reviews.models import ReviewCycle

    users = get_user_model().objects
    manager, reviewer = users.get(username="manager"), users.get(username="reviewer")
    entities = list(Entity.objects.filter(is_active=True).order_by("acronym")[:writers])
    cycle = ReviewCycle.objects.create(
        slug="load-check",
        title="Load check",
        reporting_year=2025,
        deadline=timezone.now() + dt.timedelta(days=30),
    )
    cycle.invited_entities.set(entities)
    submissions = {s.entity_id: s for s in cycle.open_call(by=manager)}
    plan = []
    for i, entity in enumerate(entities):
        user = users.create_user(f"load-{i}", f"load-{i}@example.org", secrets.token_hex(16))
        Membership.objects.create(user=user, entity=entity)
        plan.append(
            {
                "token": Token.objects.create(user=user).key,
                "submission": submissions[entity.pk].pk,
            }
        )
    tokens = {
        "reviewer": Token.objects.get_or_create(user=reviewer)[0].key,
        "manager": Token.objects.get_or_create(user=manager)[0].key,
    }
    published = list(Activity.objects.published().values_list("pk", flat=True)[:200])
    return plan, tokens, published


class Client:
    """One HTTP connection (kept alive), timing each request."""

    def __init__(self, port, results):
        self.port = port
        self.results = results
        self.connection = None

    def request(self, kind, method, path, *, token=None, body=None, expect=(200,)):
        headers = {"Accept": "application/json" if path.startswith("/api/") else "text/html"}
        if token:
            headers["Authorization"] = f"Token {token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.connection.request(method, path, payload, headers)
            response = self.connection.getresponse()
            data = response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
        except (OSError, http.client.HTTPException) as exc:
            if self.connection:
                self.connection.close()
            self.connection = None
            self.results.record(kind, time.perf_counter() - started, f"{method} {path}: {exc}")
            return None
        elapsed = time.perf_counter() - started
        if status not in expect:
            self.results.record(kind, elapsed, f"{method} {path}: {status} {data[:200]!r}")
            return None
        self.results.record(kind, elapsed, path=re.sub(r"/\d+/", "/<id>/", path))
        return json.loads(data) if path.startswith("/api/") and data else data


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.by_path = defaultdict(list)
        self.errors = []

    def record(self, kind, seconds, error=None, path=None):
        with self.lock:
            self.latencies[kind].append(seconds)
            if path:
                self.by_path[path].append(seconds)
            if error:
                self.errors.append(error)


class Ledger:
    """What the server acknowledged, per submission, to check against the database."""

    def __init__(self):
        self.titles = {}  # activity id -> last acknowledged title
        self.answers = {}  # submission id -> last acknowledged answers
        self.states = {}  # submission id -> last acknowledged state
        self.transitions = Counter()  # submission id -> acknowledged transitions


def reader(client, published, stop):
    while not stop.is_set():
        if random.random() < 0.25 and published:
            pk = random.choice(published)
            path = random.choice([f"/activities/{pk}/", f"/api/activities/{pk}/"])
        else:
            path = random.choice(READ_PATHS)
        client.request("read", "GET", path)


def writer(client, plan, tokens, ledger, stop):
    submission, token = plan["submission"], plan["token"]
    url = f"/api/submissions/{submission}/"
    state = "invited"
    own = []
    n = 0

    def move(action, who=token, comment=""):
        nonlocal state
        answer = client.request(
            "transition",
            "POST",
            url + "transition/",
            token=who,
            body={"action": action, "comment": comment},
        )
        if answer:
            state = answer["state"]
            ledger.states[submission] = state
            ledger.transitions[submission] += 1
        return answer

    current = client.request("write", "GET", url, token=token)
    seen = current["updated_at"] if current else None
    while not stop.is_set():
        n += 1
        if state == "invited":
            move("start")
        elif state in ("draft", "changes_requested"):
            step = random.random()
            if step < 0.4 or not own:
                title = f"Load check activity {submission}-{n}"
                created = client.request(
                    "write",
                    "POST",
                    "/api/activities/",
                    token=token,
                    expect=(201,),
                    body={
                        "submission": submission,
                        "title": title,
                        "summary": "Written by the load check.",
                        "year": 2025,
                        "action_lines": [random.choice(["C2", "C5", "C7.e-health"])],
                        "references": [{"url": f"https://example.org/{submission}/{n}"}],
                    },
                )
                if created:
                    own.append(created["id"])
                    ledger.titles[created["id"]] = title
            elif step < 0.6:
                pk = random.choice(own)
                title = f"Load check activity {submission}-{n} (renamed)"
                if client.request(
                    "write", "PATCH", f"/api/activities/{pk}/", token=token, body={"title": title}
                ):
                    ledger.titles[pk] = title
            elif step < 0.9:
                answers = {"trends": f"T{n}", "achievements": f"A{n}", "obstacles": f"O{n}"}
                saved = client.request(
                    "write",
                    "PATCH",
                    url,
                    token=token,
                    body={"answers": answers, "seen_updated_at": seen},
                )
                if saved:
                    seen = saved["updated_at"]
                    ledger.answers[submission] = saved["answers"]
            elif submission in ledger.answers:
                move("submit")
        elif state == "submitted":
            move("take_up", tokens["reviewer"])
        elif state == "under_review":
            if random.random() < 0.5:
                move("request_changes", tokens["reviewer"], "Please add a reference.")
            else:
                move("accept", tokens["reviewer"])
        elif state == "accepted":
            move("publish", tokens["manager"])
        elif state == "published":
            move("reopen", tokens["manager"], "One more change, please.")
        if state in ("draft", "changes_requested"):
            fresh = client.request("write", "GET", url, token=token)
            if fresh:
                seen = fresh["updated_at"]


def verify(ledger):
    """Every acknowledged write is in the database; returns the problems found."""
    from activities.models import Activity
    from reviews.models import Submission, Transition

    problems = []
    stored = dict(Activity.objects.filter(pk__in=ledger.titles).values_list("pk", "title"))
    for pk, title in ledger.titles.items():
        if stored.get(pk) != title:
            problems.append(f"activity {pk}: {stored.get(pk)!r} stored, {title!r} acknowledged")
    for pk, answers in ledger.answers.items():
        got = Submission.objects.get(pk=pk).answers
        if got != answers:
            problems.append(f"submission {pk}: answers {got!r}, acknowledged {answers!r}")
    for pk, state in ledger.states.items():
        got = Submission.objects.get(pk=pk).state
        if got != state:
            problems.append(f"submission {pk}: state {got}, acknowledged {state}")
        steps = Transition.objects.filter(submission_id=pk).exclude(action="invite").count()
        if steps != ledger.transitions[pk]:
            problems.append(
                f"submission {pk}: {steps} transitions, {ledger.transitions[pk]} acknowledged"
            )
    return problems


def wait_until_up(port, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped while starting.")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer in time.")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    args = parse_args()
    env = environment(args)
    os.environ.update(env)
    os.chdir(BASE_DIR)
    sys.path.insert(0, str(BASE_DIR))
    print(f"Preparing {urlparse(args.database_url).path.lstrip('/')} …", flush=True)
    recreate_database(args.database_url)
    manage(env, "migrate", "--noinput", "-v0")
    manage({**env, "DEBUG": "true"}, "seed_demo", "-v0")  # the demo runs only under DEBUG
    manage(env, "collectstatic", "--noinput", "-v0")

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wsis_site.settings")
    django.setup()
    from django.db import connections

    plan, tokens, published = prepare(min(args.writers, args.clients))
    connections.close_all()

    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "wsis_site.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    try:
        wait_until_up(args.port, server)
        results, ledger, stop = Results(), Ledger(), threading.Event()
        threads = []
        for i in range(args.clients):
            client = Client(args.port, results)
            if i < len(plan):
                target, extra = writer, (plan[i], tokens, ledger, stop)
            else:
                target, extra = reader, (published, stop)
            threads.append(threading.Thread(target=target, args=(client, *extra), daemon=True))
        print(
            f"{args.clients} clients ({len(plan)} writing) for {args.duration} s against "
            f"gunicorn ({args.workers} processes × {args.threads} threads) on port {args.port} …",
            flush=True,
        )
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(args.duration)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    everything = [t for values in results.latencies.values() for t in values]
    print(
        f"\nRequests served: {len(everything)} in {elapsed:.0f} s "
        f"({len(everything) / elapsed:.0f}/s)"
    )
    print(f"Errors: {len(results.errors)}")
    for error in results.errors[:10]:
        print("  ", error)
    print(f"{'':12}{'requests':>10}{'median':>10}{'p95':>10}{'max':>10}")
    for kind in ("read", "write", "transition"):
        values = results.latencies.get(kind) or [0]
        print(
            f"{kind:12}{len(results.latencies.get(kind, [])):>10}"
            f"{statistics.median(values) * 1000:>8.0f}ms{percentile(values, 0.95) * 1000:>8.0f}ms"
            f"{max(values) * 1000:>8.0f}ms"
        )
    print(
        f"{'all':12}{len(everything):>10}{statistics.median(everything) * 1000:>8.0f}ms"
        f"{percentile(everything, 0.95) * 1000:>8.0f}ms{max(everything) * 1000:>8.0f}ms"
    )

    slowest = sorted(results.by_path.items(), key=lambda item: -statistics.median(item[1]))
    print("Slowest addresses (median):")
    for path, values in slowest[:5]:
        print(f"   {path:32}{statistics.median(values) * 1000:>8.0f}ms  ({len(values)} requests)")

    problems = verify(ledger)
    print(
        f"\nAcknowledged writes checked in the database: {len(ledger.titles)} activities, "
        f"{len(ledger.answers)} answer sets, {sum(ledger.transitions.values())} transitions "
        f"on {len(ledger.states)} submissions: "
        + ("all there." if not problems else f"{len(problems)} missing or different:")
    )
    for problem in problems[:10]:
        print("  ", problem)
    return 1 if results.errors or problems else 0


if __name__ == "__main__":
    sys.exit(main())
