# The two set-up commands are `make run` and `make test`; both install what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PYTHON := $(VENV)/bin/python
BOOTSTRAP := bash scripts/bootstrap.sh

.PHONY: help run test lint bench quality package clean distclean

help:
	@echo "make run        install what the app needs, then open the window"
	@echo "make test       install what the tests need, then run the test suite (not the benchmarks)"
	@echo "make lint       ruff check, ruff format --check, mypy"
	@echo "make bench      run the benchmarks (tests/benchmarks, marker 'benchmark'); tables also in build/benchmarks/"
	@echo "make quality    print the recognition quality report (accuracy per grammar and engine)"
	@echo "make package    build the Linux bundle and .deb into dist/, check them, print the report"
	@echo "                (WHISPER=1: bundle faster-whisper and its tiny.en model too)"
	@echo "make clean      remove caches and build output (keeps .venv)"
	@echo "make distclean  clean, and remove .venv too"

# Opens the window; it starts the embedded local server by itself and connects to it.
run:
	@$(BOOTSTRAP) app
	@$(VENV)/bin/h2b-workbench

# pytest exits 5 when it collects no tests; that fails the target like any other failure.
# Benchmarks (marker `benchmark`) measure speed and take minutes: `make bench` runs them, not this.
test:
	@$(BOOTSTRAP) test
	@export QT_QPA_PLATFORM=offscreen; \
	status=0; $(PYTHON) -m pytest -m "not benchmark" || status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: FAILED: pytest collected no tests" >&2; fi; \
	exit $$status

lint:
	@$(BOOTSTRAP) test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Prints its tables at the end and writes them to build/benchmarks/report.md.
bench:
	@$(BOOTSTRAP) test
	@export QT_QPA_PLATFORM=offscreen; \
	$(PYTHON) -m pytest tests/benchmarks -m benchmark -p no:cacheprovider -q

quality:
	@$(BOOTSTRAP) test
	$(PYTHON) -m tests.benchmarks.quality_report

# PyInstaller bundle (dist/h2b-workbench/) and .deb (dist/*.deb, xz), then the installed app's
# self-test; the report (sizes, start times) is printed and kept in build/package/report.md.
package:
	@$(BOOTSTRAP) $(if $(WHISPER),test,package)
	@$(PYTHON) packaging/build.py $(if $(WHISPER),--whisper)

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis ./*.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
