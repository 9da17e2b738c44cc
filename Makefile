# Set-up is part of every target: a fresh machine needs only `make report` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APT_PACKAGES := prometheus victoria-metrics chromium prometheus-node-exporter poppler-utils

.PHONY: venv system-deps report lint test test-unit bench clean

$(STAMP): pyproject.toml setup.py capacity/sources/prometheus/_valuesc.c
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# Prometheus 2.x + promtool, VictoriaMetrics and Chromium from Debian when missing.
# Without apt: put prometheus, promtool and victoria-metrics on PATH (or set
# CAPACITY_PROMETHEUS, CAPACITY_PROMTOOL, CAPACITY_VICTORIA), chromium for the HTML/PDF checks and
# pdftotext (poppler-utils) to read the PDF back.
system-deps:
	@missing=""; \
	command -v prometheus >/dev/null || missing="$$missing prometheus"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	command -v victoria-metrics >/dev/null || missing="$$missing victoria-metrics"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v prometheus-node-exporter >/dev/null || command -v node_exporter >/dev/null || missing="$$missing prometheus-node-exporter"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	  else \
	    echo "missing:$$missing (no apt-get: see README, 'Without apt')" >&2; exit 1; \
	  fi; \
	fi

report: venv
	$(VENV)/bin/capacity report quarterly_review

# Lint and type checks (config in pyproject.toml): part of `make test`, so a type or lint error fails it.
lint: venv
	$(VENV)/bin/ruff check capacity tests benchmarks
	$(VENV)/bin/ruff format --check capacity tests benchmarks
	$(VENV)/bin/mypy capacity

# pytest's exit code 5 (no test collected) must not pass silently.
test: venv system-deps lint
	@$(PY) -m pytest tests; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; exit $$rc

test-unit: venv
	$(PY) -m pytest tests/unit

bench: venv system-deps
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) data/sample data/cache reports/*.html reports/*.ipynb
