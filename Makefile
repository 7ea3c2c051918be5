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
# redis-server: the test that spreads renders over two workers on a Redis queue. openssl and
# libnss3-tools (certutil): the test of run-lan's certificate on a phone that trusts its CA.
# systemd (systemd-analyze): the check of deploy/'s units.
TEST_DEBS := $(RUN_DEBS) poppler-utils chromium redis-server openssl libnss3-tools systemd

.PHONY: run run-lan lan-cert worker test lint bench clean debs-run debs-test debs-lan i18n translations

$(BIN)/activate:
	$(PY) -m venv $(VENV)

# Running needs the package only (a virtualenv of about 160 MB); the tests, browser and linters
# take it to about 410 MB, so only `make test` (and lint, bench) installs them.
$(VENV)/.installed-run: pyproject.toml setup.py | $(BIN)/activate
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed: pyproject.toml setup.py | $(BIN)/activate
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed-run

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
translations: $(VENV)/.installed-run
	@if ls audit/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(BIN)/pybabel -q compile -d audit/translations; fi

# Extract every wrapped string and update the catalogues; then translate the new entries.
# babel.cfg's patterns are relative to the folder scanned, so scan "." (hidden folders are skipped).
# No fuzzy matching: a new or changed text arrives empty, and tests/test_translations.py names it.
# N_ and Nn_ mark criteria/'s messages, which criteria/ cannot translate (it knows no Babel).
i18n: $(VENV)/.installed-run
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

run: debs-run $(VENV)/.installed-run translations
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "Open $(SCHEME)://$(if $(filter 0.0.0.0,$(HOST)),$(LAN_IP),$(HOST)):$(PORT) and log in with one of the logins above."
	@# The render worker and the mail worker run beside the web app and stop with it.
	@$(BIN)/python -m reports.worker -q & worker=$$!; \
	  $(BIN)/python -m audit.mail.worker & mailer=$$!; \
	  trap 'kill $$worker $$mailer 2>/dev/null; wait $$worker $$mailer 2>/dev/null' EXIT; \
	  $(FLASK) run --host $(HOST) --port $(PORT) $(TLS)

# Trying the field app on a phone on the same network (README, "Try it on a phone"): HTTPS, so
# the service worker (offline mode) runs, with a certificate from a local CA made once into
# instance/lan/; the phone trusts that CA (ca.crt) once. LAN_IP=... when the guess is wrong.
LAN_IP ?= $(shell hostname -I 2>/dev/null | cut -d' ' -f1)
LAN_DIR := instance/lan
SCHEME := http
run-lan: HOST = 0.0.0.0
run-lan: SCHEME = https
run-lan: TLS = --cert $(LAN_DIR)/$(LAN_IP).pem --key $(LAN_DIR)/$(LAN_IP)-key.pem
run-lan: export AUDIT_HTTPS = 1
run-lan: lan-cert run

lan-cert: debs-lan
	@test -n "$(LAN_IP)" || { echo "No network address found: make run-lan LAN_IP=..." >&2; exit 1; }
	@$(MAKE) -s $(LAN_DIR)/$(LAN_IP).pem
	@echo "Install $(LAN_DIR)/ca.crt on the phone once as a trusted CA (README, Try it on a phone)."

debs-lan:
	$(call ensure_debs,openssl)

$(LAN_DIR)/ca.crt:
	@mkdir -p $(LAN_DIR)
	@# openssl req prints its progress on stderr: shown only when it fails.
	@out=$$(openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=Mystery audit local CA" \
	  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	  -keyout $(LAN_DIR)/ca-key.pem -out $@ 2>&1) || { echo "$$out" >&2; exit 1; }

# One certificate per address, signed by the CA: a new network needs no new CA on the phone.
$(LAN_DIR)/%.pem: $(LAN_DIR)/ca.crt
	@out=$$(openssl req -newkey rsa:2048 -nodes -subj "/CN=$*" -keyout $(LAN_DIR)/$*-key.pem \
	  -out $(LAN_DIR)/$*.csr 2>&1) || { echo "$$out" >&2; exit 1; }
	@out=$$(openssl x509 -req -in $(LAN_DIR)/$*.csr -CA $< -CAkey $(LAN_DIR)/ca-key.pem \
	  -CAcreateserial -days 397 -out $@ -extfile <(printf '%s\n' \
	  "subjectAltName=IP:$*,IP:127.0.0.1,DNS:localhost" "basicConstraints=critical,CA:FALSE" \
	  "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth") 2>&1) \
	  || { echo "$$out" >&2; exit 1; }
	@rm -f $(LAN_DIR)/$*.csr

# Render workers only (one process per core): on a render machine, with AUDIT_REDIS_URL set.
worker: debs-run $(VENV)/.installed-run
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
