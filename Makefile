# budgetlens — the two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
SHARED ?= ../shared
OUT ?= out

.PHONY: run test check bench venv system-deps fixtures corpus clean eval
PORT ?= 8501

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,llm-local]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

# Debian packages the tests and fixture renderer use (CJK fonts for rendering, poppler for page checks, chromium for
# the browser tests of the review app: Playwright drives it, it never downloads a browser).
system-deps:
	@missing=""; \
	for p in fonts-noto-cjk poppler-utils chromium; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: missing Debian packages:$$missing (install them with apt-get)"; fi; \
	fi

fixtures: venv
	$(PY) -m eval.render --out build/fixtures

# The sample corpus: every rendered fixture under its own name (the eval folders all call it document.pdf).
corpus: fixtures
	@mkdir -p build/corpus
	@for d in build/fixtures/*/; do cp "$$d/document.pdf" "build/corpus/$$(basename $$d).pdf"; done
	@echo "sample corpus: $$(ls build/corpus | wc -l) PDFs in build/corpus"

run: venv system-deps corpus
	@mkdir -p $(OUT)
	$(BIN)/budgetlens eval eval/fixtures build/fixtures eval/bp_corpus --shared $(SHARED) --json $(OUT)/eval.json \
	  --html $(OUT)/eval.html
	$(BIN)/budgetlens index eval/bp_corpus  # past reports: the boilerplate rules compare the new ones with them
	@real=""; if [ -d "$(SHARED)/corpus/real" ]; then real="$(SHARED)/corpus/real"; \
	else echo "$(SHARED)/corpus/real not found: the sample corpus only"; fi; \
	$(BIN)/budgetlens run build/corpus $$real || true
	@echo "review app: http://localhost:$(PORT)  (Ctrl-C stops it)"
	$(BIN)/budgetlens review --port $(PORT)

# The accuracy report alone, with the CI gate: exit code 3 when a figure falls below eval/gate.yaml.
eval: venv fixtures
	@mkdir -p $(OUT)
	$(BIN)/budgetlens eval eval/fixtures build/fixtures eval/bp_corpus --shared $(SHARED) --json $(OUT)/eval.json \
	  --html $(OUT)/eval.html --min-file eval/gate.yaml
	@echo "HTML report: $(OUT)/eval.html"

test: venv system-deps
	$(BIN)/pytest -q

check: venv
	$(BIN)/ruff check .
	$(BIN)/mypy extraction checks vectorstore

# Every benchmark writes its figures to $(OUT)/bench_<name>.json; report.py merges them into $(OUT)/bench.json and
# $(OUT)/bench.md (a table per benchmark: figure, value, reference measured in the same run, ratio).
bench: venv system-deps fixtures
	@mkdir -p $(OUT) && rm -f $(OUT)/bench_*.json
	$(PY) benchmarks/bench_extract.py --shared $(SHARED) --out $(OUT)/bench_extract.json
	$(PY) benchmarks/bench_checks.py --out $(OUT)/bench_checks.json
	$(PY) benchmarks/bench_llm.py --out $(OUT)/bench_llm.json
	$(PY) benchmarks/bench_index.py --out $(OUT)/bench_index.json
	$(PY) benchmarks/bench_review.py --out $(OUT)/bench_review.json
	$(PY) benchmarks/report.py --dir $(OUT)

clean:
	rm -rf build $(OUT) .pytest_cache .mypy_cache .ruff_cache
