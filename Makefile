# Two commands do everything on a fresh Debian machine with Python 3.11:
#   make run    set up, migrate, load places and demo data, start web + Celery worker + beat
#   make test   set up and run the whole suite (lint, migration check, tests)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PYTEST_ARGS ?=
# `PORT=8102 make run` (or `make run PORT=8102`): the web server's port, and the one the links in e-mails use.
PORT ?= 8000
# The demo's SMS and Zalo messages are written under var/messages/ (docs/alerts.md#channels), unless a provider is set.
DEMO_CHANNELS := CHILDPROTECT_SMS_PROVIDER=$(or $(CHILDPROTECT_SMS_PROVIDER),file) \
	CHILDPROTECT_ZALO_PROVIDER=$(or $(CHILDPROTECT_ZALO_PROVIDER),file)

.PHONY: run test setup system-packages-run system-packages-test migrate data lint check-deploy compose-check messages clean

run: setup migrate data
	PORT=$(PORT) $(DEMO_CHANNELS) $(MANAGE) runall --addrport 127.0.0.1:$(PORT)

test: system-packages-test $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy childprotect cases referrals reporting home devtools api tests
	$(BIN)/lint-imports --no-logo
	DJANGO_SETTINGS_MODULE=childprotect.settings_test $(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

setup: system-packages-run $(VENV)/.installed

system-packages-run:
	@bash .ci/system-packages run
system-packages-test:
	@bash .ci/system-packages test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

migrate: $(VENV)/.installed
	$(MANAGE) migrate --no-input

data: migrate
	$(MANAGE) loadunits 2024 2025 2026
	$(MANAGE) loadcrosswalk
	$(DEMO_CHANNELS) $(MANAGE) loaddemo

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Production settings: `check --deploy` must report nothing (a throw-away key of the right strength).
check-deploy: $(VENV)/.installed
	DJANGO_PRODUCTION=1 ALLOWED_HOSTS=childprotect.example.vn \
	SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	$(MANAGE) check --deploy --fail-level WARNING
	# The image's collectstatic (hashed, compressed files; fails on a missing file a vendored asset refers to).
	rm -rf var/check-static && DJANGO_PRODUCTION=1 ALLOWED_HOSTS=childprotect.example.vn SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789 \
	CHILDPROTECT_VAR_DIR=var/check-static $(MANAGE) collectstatic --no-input -v0 && rm -rf var/check-static

# The file refuses to start without secrets; validate it with placeholders.
compose-check:
	SECRET_KEY=placeholder POSTGRES_PASSWORD=placeholder docker-compose -f docker-compose.yml config -q

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache .import_linter_cache

# Regenerate the English catalogue after changing Vietnamese source strings (needs GNU gettext's msgfmt).
messages: $(VENV)/.installed
	$(MANAGE) makemessages -l en -i ".venv/*" -i "var/*"
	$(MANAGE) compilemessages -l en -i ".venv/*"
