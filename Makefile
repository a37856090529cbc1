# The front door. Every target creates .venv on first use (Python is all a machine needs).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SUBMISSION ?= student_template
FORMAT  ?= text
PYTEST_ARGS ?=

.PHONY: help grade test test-all test-cuda lint template docs bench bench-reference clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@$(BIN)/python -m compileall -q graders  # bytecode for the grader and the zygote it ships
	@touch $@

grade: $(STAMP)  ## grade SUBMISSION (default student_template/) with the text report
	@$(BIN)/python -m graders grade $(SUBMISSION) --format $(FORMAT) $(GRADE_ARGS)

test: $(STAMP)  ## the test suite (no slow tests), in parallel
	$(BIN)/python -m pytest -q -n 2 -m "not slow and not benchmark" $(PYTEST_ARGS)

test-all: $(STAMP)  ## every test, slow ones included
	$(BIN)/python -m pytest -q -n 2 -m "not benchmark" $(PYTEST_ARGS)

test-cuda: $(STAMP)  ## the CUDA tests only (skip cleanly without a GPU)
	$(BIN)/python -m pytest -q -m cuda $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

template: $(STAMP)  ## regenerate student_template/ from reference/
	$(BIN)/python -m tools.template

docs: $(STAMP)  ## regenerate docs/ (the instructor handbook)
	MPLBACKEND=Agg $(BIN)/python -m tools.docs

bench: $(STAMP)  ## grading speed: cold, warm and the pytest way, side by side
	$(BIN)/python -m tools.bench

bench-reference: $(STAMP)  ## the reference against torch (CPU, one thread), numpy/torch ratios
	$(BIN)/python -m tools.bench_reference $(BENCH_ARGS)

clean:  ## remove caches (keeps .venv)
	rm -rf .grader-cache .pytest_cache .mypy_cache .ruff_cache .benchmarks
