# The two commands every new user needs: `make run` and `make test`.
# Only Python 3 (with venv and pip) is required; everything else is installed here.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SQLITE_DEMO := $(CURDIR)/db.sqlite3

.PHONY: run test lint format messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files make a second run quick: requirements are installed again only
# when a requirements file changes.
$(VENV)/.requirements: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.requirements-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.requirements

# The demo always runs on the embedded SQLite database in the project folder,
# with DEBUG on (local use only).
run: export DEBUG = true
run: export DATABASE_URL = sqlite:///$(SQLITE_DEMO)
# Links in the demo's e-mail point at the server this target starts.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.requirements
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# axe-core for the browser tests, when npm is there (the tests say what is missing).
node_modules/.installed: package.json package-lock.json
	@if ! command -v npm >/dev/null; then \
		echo "npm not found: the browser tests will be skipped (they need axe-core)"; \
	elif npm ci --no-audit --no-fund --silent; then touch $@; \
	else echo "npm ci failed: the browser tests will be skipped (they need axe-core)"; fi

# SQLite by default; DATABASE_URL=postgres://... runs the same suite on PostgreSQL.
# The browser tests (tests/e2e, marker e2e) run when Chromium and axe-core are
# installed and are skipped with a message otherwise; WSIS_REQUIRE_E2E=1 makes
# that a failure. Run them alone with: make test PYTEST_ARGS="-m e2e"
test: export SECRET_KEY ?= insecure-key-for-the-test-suite-only
test: $(VENV)/.requirements-dev node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.requirements-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.requirements-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Update the translation catalogues in locale/ from the code and templates, then
# compile them. Needs GNU gettext (Debian: apt-get install gettext); commit the
# .po and .mo files, so that running the site needs no gettext tools.
messages: export DEBUG = true
messages: $(VENV)/.requirements-dev
	$(BIN)/python manage.py makemessages -l ar -l zh_Hans -l fr -l ru -l es \
		--ignore=.venv --ignore=staticfiles --add-location=file --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache node_modules test-artifacts
