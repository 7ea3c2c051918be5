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
TEST_DEBS := $(RUN_DEBS) poppler-utils chromium

.PHONY: run test lint bench clean debs-run debs-test i18n translations

$(BIN)/activate:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
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

# Compile the message catalogues (the .mo files are built, not committed).
translations: $(VENV)/.installed
	@if ls audit/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(BIN)/pybabel compile -q -d audit/translations; fi

# Extract every wrapped string and update the catalogues; then translate the new entries.
i18n: $(VENV)/.installed
	$(BIN)/pybabel extract -q -F babel.cfg -k _l -o audit/translations/messages.pot audit reports templates
	@for lang in pl ru; do \
	  if [ -f audit/translations/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update -q -i audit/translations/messages.pot -d audit/translations -l $$lang; \
	  else $(BIN)/pybabel init -q -i audit/translations/messages.pot -d audit/translations -l $$lang; fi; \
	done

run: debs-run $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "Open http://$(HOST):$(PORT) and log in with one of the logins above."
	$(FLASK) run --host $(HOST) --port $(PORT)

test: debs-test $(VENV)/.installed translations
	$(BIN)/ruff check .
	$(BIN)/pytest -n auto -q

lint: $(VENV)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
