# Two commands set everything up on a fresh machine: `make bench` and `make test`.
# torch is pinned to the local CPU wheel (2.13.0); an unpinned torch would pull several GB of CUDA.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ASV := $(VENV)/bin/asv
TTSBENCH := $(VENV)/bin/ttsbench
STAMP := $(VENV)/.installed
TORCH_VERSION := 2.13.0
# How many of the most recent commits `make bench` measures.
COMMITS ?= 3
# Which benchmarks `make bench` runs (an asv --bench regex).
BENCH ?= .

.PHONY: help venv test bench clean

help:
	@echo "make bench   run the asv suite over the last $(COMMITS) commits and publish the site"
	@echo "make test    run the test suite"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install torch==$(TORCH_VERSION)
	$(PY) -m pip install -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	sh tools/install_browser.sh
	$(PY) -m pytest

bench: $(STAMP)
	$(ASV) machine --yes
	mkdir -p .asv
	git rev-list -n $(COMMITS) HEAD > .asv/bench-commits.txt
	$(ASV) run --show-stderr --record-samples --skip-existing-commits --bench '$(BENCH)' HASHFILE:.asv/bench-commits.txt
	$(TTSBENCH) publish
	@echo "Site: file://$(CURDIR)/.asv/html/ttsbench/index.html  (asv's own graphs: .asv/html/index.html; or: $(ASV) preview)"

clean:
	rm -rf .asv/html .asv/results build
