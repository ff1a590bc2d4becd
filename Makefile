# Two set-up commands (see README): `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
BUNDLE ?= bundles/timisoara

.PHONY: run test venv lint bench clean

$(VENV)/.installed: pyproject.toml
	bash scripts/ensure-python.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

venv: $(VENV)/.installed

## Serve the bundled Timisoara city on http://localhost:8000 (builds the snapshot if not cached).
run: venv
	$(VENV)/bin/maas serve --bundle $(BUNDLE) --host 0.0.0.0 --port 8000

## Install what the tests need (redis-server, chromium) and run the whole suite + lint + types.
test: venv
	bash scripts/ensure-test-deps.sh
	$(VENV)/bin/ruff check routing feeds maas tests bench
	$(VENV)/bin/mypy
	bash scripts/with-redis.sh $(VENV)/bin/python -m pytest -n 2 -q

lint: venv
	$(VENV)/bin/ruff check routing feeds maas tests bench
	$(VENV)/bin/mypy

bench: venv
	$(PY) -m bench.run_all

clean:
	rm -rf $(VENV) snapshots .pytest_cache .mypy_cache
