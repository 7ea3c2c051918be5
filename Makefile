# Two commands: `make run` and `make test`. Each sets up what it needs on a fresh machine.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: WeasyPrint's Pango/HarfBuzz, the DejaVu fonts (Polish and Cyrillic), pdftoppm,
# Chromium for the browser tests.
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# redis-server: the test that spreads renders over two workers on a Redis queue.
TEST_DEBS := $(RUN_DEBS) poppler-utils chromium redis-server

.PHONY: run worker test lint bench clean debs-run debs-test i18n translations

$(BIN)/activate:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml setup.py | $(BIN)/activate
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

define ensure_debs
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null \
	    || { echo "Could not install: $$missing" >&2; exit 1; }; \
	fi
endef

debs-run:
	$(call ensure_debs,$(RUN_DEBS))

debs-test:
	$(call ensure_debs,$(TEST_DEBS))
	@test -x /usr/bin/chromium || { echo "Chromium is missing at /usr/bin/chromium" >&2; exit 1; }

# Compile the message catalogues (the .mo files are built, not committed) for the checkout; a built
# wheel compiles its own (setup.py).
translations: $(VENV)/.installed
	@if ls audit/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(BIN)/pybabel -q compile -d audit/translations; fi

# Extract every wrapped string and update the catalogues; then translate the new entries.
# babel.cfg's patterns are relative to the folder scanned, so scan "." (hidden folders are skipped).
# No fuzzy matching: a new or changed text arrives empty, and tests/test_translations.py names it.
# N_ and Nn_ mark criteria/'s messages, which criteria/ cannot translate (it knows no Babel).
i18n: $(VENV)/.installed
	@mkdir -p audit/translations
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_pgettext:1c,2 -k N_ -k Nn_:1,2 \
	  -c TRANSLATORS: \
	  --sort-by-file \
	  -o audit/translations/messages.pot .
	@# The languages other than the default, from audit/vocabulary.py (each word written once).
	@for lang in $$($(BIN)/python -c 'from audit.vocabulary import LANGUAGES; print(*LANGUAGES[1:])'); do \
	  if [ -f audit/translations/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel -q update -N --ignore-obsolete -i audit/translations/messages.pot \
	      -d audit/translations -l $$lang; \
	  else $(BIN)/pybabel -q init -i audit/translations/messages.pot -d audit/translations -l $$lang; fi; \
	done

run: debs-run $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "Open http://$(HOST):$(PORT) and log in with one of the logins above."
	@# The render worker and the mail worker run beside the web app and stop with it.
	@$(BIN)/python -m reports.worker -q & worker=$$!; \
	  $(BIN)/python -m audit.mail.worker & mailer=$$!; \
	  trap 'kill $$worker $$mailer 2>/dev/null; wait $$worker $$mailer 2>/dev/null' EXIT; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

# Render workers only (one process per core): on a render machine, with AUDIT_REDIS_URL set.
worker: debs-run $(VENV)/.installed
	$(BIN)/python -m reports.worker

test: debs-test $(VENV)/.installed translations
	$(BIN)/ruff check .
	$(BIN)/pytest -n auto -q

# Benchmarks at scale (not part of `make test`): 1,000 stores, 100,000 visits, PDFs, bulk
# reports, the portal's queries, 50 shoppers on gunicorn (60 s; BENCH_FULL=1 for 5 min).
bench: debs-test $(VENV)/.installed
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python -m tests.benchmarks

lint: $(VENV)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist *.egg-info
