"""Where the browser tests find Chromium and how they start it (Debian's package,
driven by Playwright; WSIS_CHROMIUM names another executable)."""

import os

CHROMIUM = os.environ.get("WSIS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
