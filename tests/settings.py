"""The settings the test suite runs with: the production settings (wsis_site/settings.py),
given the site's address that production must set (the test client's own)."""

import os

os.environ.setdefault("SITE_URL", "http://testserver")

from wsis_site.settings import *  # noqa: E402, F403
