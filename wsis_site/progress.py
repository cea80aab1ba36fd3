"""Progress display and clean interruption for long-running commands."""

import contextlib
import signal
import sys
import time


class Interrupted(Exception):
    pass


@contextlib.contextmanager
def interruptible():
    """Turn SIGINT and SIGTERM into an Interrupted exception.

    Raised inside a transaction, it rolls the transaction back, so the
    command stops having changed nothing.
    """

    def handler(signum, frame):
        raise Interrupted(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def stop_between_steps():
    """For loops whose steps must not be cut in half (an e-mail half sent): SIGINT and
    SIGTERM only ask to stop; the loop checks ``asked()`` between steps (it returns
    the signal's name, or None)."""
    asked = []

    def handler(signum, frame):
        asked.append(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield lambda: asked[0] if asked else None
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class Progress:
    """A one-line progress bar on stderr, redrawn at most a few times a second."""

    def __init__(self, label, stream=None, enabled=True):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self._last = 0.0

    def __call__(self, done, total):
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.2:
            return
        self._last = now
        width = 30
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
