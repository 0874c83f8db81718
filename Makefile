# newswire — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SHARED ?= ../shared/data

.PHONY: install run test bench chaos lint clean

install: $(STAMP)

# Idempotent: the venv is rebuilt only when the dependency files change.
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

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) -m newswire.bench --data $(SHARED)

clean:
	rm -rf $(VENV) .newswire
