# The two commands of the README:
#   make run    set up (virtualenv, packages, front-end libraries) and serve on http://127.0.0.1:5000
#   make test   set up (plus test tools and Chromium) and run every test
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: setup run test browser lint bench clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel
	$(PIP) install -q -e '.[test,postgres,redis,contacts,sales]'
	@touch $@

# crm_hello: the sample third-party module, a pip package found through its
# crm.modules entry point (tests/test_third_party.py); installed for tests only.
$(VENV)/.test-installed: $(VENV)/.installed tests/third_party/crm_hello/setup.cfg
	$(PIP) install -q --no-build-isolation -e tests/third_party/crm_hello
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: setup
	$(PY) run.py

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

test: setup $(VENV)/.test-installed browser
	$(VENV)/bin/ruff check core modules tests bench
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check core modules tests bench

bench: setup
	$(PY) bench/startup.py

clean:
	rm -rf $(VENV) node_modules instance
