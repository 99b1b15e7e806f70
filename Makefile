# jixiao-kb — the two commands a new machine needs are `make serve` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
DATA   ?= data
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install serve test lint corpus clean

install: $(STAMP)

# Re-runs only when the project's dependencies change; torch is pinned to the CPU build on disk.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet "torch==2.13.0"
	$(PIP) install --quiet -e ".[dev]"
	touch $(STAMP)

serve: install
	$(VENV)/bin/jixiao index corpus/ --data $(DATA)
	$(VENV)/bin/jixiao serve --data $(DATA) --host $(HOST) --port $(PORT)

test: install lint
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check indexer service tests scripts
	$(VENV)/bin/mypy

# Regenerates corpus/*.docx and corpus/*.pdf from the text seeds (needs LibreOffice; see README).
corpus: install
	$(PY) scripts/build_corpus.py

clean:
	rm -rf $(VENV) $(DATA) .mypy_cache .pytest_cache .ruff_cache
