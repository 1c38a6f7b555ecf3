# budgetlens — the two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
SHARED ?= ../shared
OUT ?= out

.PHONY: run test check bench venv system-deps fixtures clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

# Debian packages the tests and fixture renderer use (CJK fonts for rendering, poppler for page checks).
system-deps:
	@missing=""; \
	for p in fonts-noto-cjk poppler-utils; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: missing Debian packages:$$missing (install them with apt-get)"; fi; \
	fi

fixtures: venv
	$(PY) -m eval.render --out build/fixtures

run: venv system-deps fixtures
	@mkdir -p $(OUT)
	$(BIN)/budgetlens extract build/fixtures --out $(OUT)/fixtures.jsonl || true
	@if [ -d "$(SHARED)/corpus/real" ]; then \
	  $(BIN)/budgetlens extract "$(SHARED)/corpus/real" --out $(OUT)/real.jsonl || true; \
	else echo "$(SHARED)/corpus/real not found: skipping the real PDFs"; fi
	$(BIN)/budgetlens eval eval/fixtures build/fixtures --shared $(SHARED) --json $(OUT)/eval.json

test: venv system-deps
	$(BIN)/pytest -q

check: venv
	$(BIN)/ruff check .
	$(BIN)/mypy extraction checks

bench: venv system-deps fixtures
	$(PY) benchmarks/bench_extract.py --shared $(SHARED)
	$(PY) benchmarks/bench_checks.py

clean:
	rm -rf build $(OUT) .pytest_cache .mypy_cache .ruff_cache
