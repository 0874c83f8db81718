# newswire — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SHARED ?= ../shared/data

.PHONY: install tools run test bench chaos hostile lint clean

install: $(STAMP)

# Debian tools the tests use: docker-compose validates the compose file, promtool (package
# prometheus) checks and unit-tests the alert rules, chromium runs the web explorer's tests.
tools:
	@command -v docker-compose >/dev/null && command -v promtool >/dev/null && \
	  command -v chromium >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    docker-compose prometheus chromium >/dev/null; }

# Idempotent: the venv is rebuilt only when the dependency files change. requirements/lock.txt
# pins every package with its hashes and goes in first, so a fresh clone installs what was tested.
$(STAMP): pyproject.toml $(wildcard requirements/*.txt)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	@for f in $(wildcard requirements/*.txt); do \
		echo "pip install -r $$f"; \
		$(PY) -m pip install -q --no-deps --require-hashes -r $$f || exit 1; \
	done
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: install
	$(VENV)/bin/newswire demo

test: install tools
	$(PY) -m pytest -q

# ruff (rules and the reason for each ignore in pyproject.toml), then mypy: strict on the
# package, the services and the benchmarks, except the overrides pyproject.toml lists.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: install
	$(PY) -m bench --data $(SHARED)

# Fault injection (1,000 URLs, every service SIGKILLed three times, store crash before the
# offset commit, full replay) and hostile input; results are printed (see docs/reliability.md).
chaos: install
	$(PY) -m pytest -m "chaos or integration" -q -s tests/chaos

hostile: install
	$(PY) -m pytest -m chaos -q -s tests/hostile

clean:
	rm -rf $(VENV) .newswire
