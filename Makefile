# jixiao-kb — the two commands a new machine needs are `make serve` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
BROWSER_STAMP := $(VENV)/.browser
DATA   ?= data
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install browser serve test lint corpus bench bench-quick clean

install: $(STAMP) $(BROWSER_STAMP)

# Re-runs only when the project's dependencies change; torch is pinned to the CPU build on disk.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet "torch==2.13.0"
	$(PIP) install --quiet -e ".[dev]"
	touch $(STAMP)

# The browser tests (tests/test_web.py) drive Debian's chromium through the playwright package (a
# dev dependency; `playwright install` is never run). Install chromium, and CJK fonts so that the
# screenshots are legible, when it is missing and we are root; tried once per venv (`make browser`
# tries again). Without apt or root, make install still succeeds and those tests are skipped.
$(BROWSER_STAMP): $(STAMP)
	@$(MAKE) --no-print-directory browser
	@touch $(BROWSER_STAMP)

browser:
	@command -v chromium >/dev/null 2>&1 \
	  || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	       && apt-get update -qq \
	       && apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk; } \
	  || echo "chromium could not be installed (needs root and apt): the browser tests will be skipped"

serve: install
	$(VENV)/bin/jixiao index corpus/ --data $(DATA)
	$(VENV)/bin/jixiao serve --data $(DATA) --host $(HOST) --port $(PORT)

test: install lint
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check indexer service tests scripts bench
	$(VENV)/bin/mypy

# Speed, memory and quality side by side (bench/results/latest.json); see README "Benchmark".
bench-quick: install
	$(PY) bench/run.py --profile quick

bench: install
	$(PY) bench/run.py --profile full

# Regenerates corpus/*.docx and corpus/*.pdf from the text seeds (needs LibreOffice; see README).
corpus: install
	$(PY) scripts/build_corpus.py

clean:
	rm -rf $(VENV) $(DATA) .mypy_cache .pytest_cache .ruff_cache
