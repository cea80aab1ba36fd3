"""Gunicorn's settings for the tracker: a plain ``gunicorn wsis_site.wsgi`` started
in this folder reads them (see the README's deployment section).

* Threaded workers (``gthread``): a worker's main thread keeps telling the
  arbiter it is alive while its other threads serve, so a long download (the
  full export of a million activities streams for tens of seconds) is never
  killed by ``timeout``, which still restarts a worker that hangs as a whole.
  Gunicorn's default ``sync`` worker is killed after ``timeout`` seconds of any
  single request, streamed or not, and the client sees a download that simply
  stops.
* One worker per core by default (``WEB_CONCURRENCY`` to change), each with
  ``GUNICORN_THREADS`` threads (4).
* Each worker loads the facet index (activities/facets.py) in the background
  as it starts, from its snapshot when there is one, and the word index
  (activities/words.py) from its snapshot, and compiles the busiest
  pages' templates, so that the first listing does not wait for them.
"""

import multiprocessing
import os
import threading

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
# A worker silent this long as a whole is restarted (streams do not count).
timeout = 30
# On a restart or deploy, downloads under way get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 120)
keepalive = 5


def post_worker_init(worker):
    def load():
        try:
            from django.db import connections

            from activities import db, facets, words

            try:
                facets.current()
                if db.has_word_index():
                    words.load()
                _prepare_pages()
            finally:
                connections.close_all()
        except Exception:  # the first request that counts loads it instead
            worker.log.exception("Loading the facet index failed")

    threading.Thread(target=load, name="facet-index-load", daemon=True).start()


def _prepare_pages():
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().check()  # imports every view
    for name in ("activities/activity_list.html", "stats/stats.html", "home.html"):
        get_template(name)
