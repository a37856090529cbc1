# The front door. Every target creates .venv on first use (Python is all a machine needs).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SUBMISSION ?= student_template
FORMAT  ?= text
PYTEST_ARGS ?=
# Taken as typed ($(value): a '$' is not expanded by make), handed to the recipes through the
# environment and quoted there ("$$SUBMISSION"): a path with spaces, quotes, ';' or '$' is one
# argument, as in make grade SUBMISSION="my hw/alice's copy".
override SUBMISSION := $(value SUBMISSION)
override FORMAT := $(value FORMAT)
export SUBMISSION FORMAT
ONLY    ?=
HIDDEN_VISIBILITY ?= after_published

.PHONY: help grade test test-slow test-all test-cuda lint template docs bench bench-reference \
	bench-batch bench-against efficiency-table clean dist gradescope \
	classroom student-kit

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@$(BIN)/python -m compileall -q graders  # bytecode for the grader and the zygote it ships
	@touch $@

grade: $(STAMP)  ## grade SUBMISSION (default student_template/) with the text report
	@$(BIN)/python -m graders grade "$$SUBMISSION" --format "$$FORMAT" $(GRADE_ARGS)

test: $(STAMP)  ## the test suite (no slow tests), in parallel
	$(BIN)/python -m pytest -q -n 2 -m "not slow and not benchmark" $(PYTEST_ARGS)

test-slow: $(STAMP)  ## the slow tests only (the hostile bank's timeouts, a Dask cluster)
	$(BIN)/python -m pytest -q -n 2 -m "slow and not benchmark" $(PYTEST_ARGS)

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

bench: $(STAMP)  ## grading speed (cold, warm, the pytest way), then the reference against torch
	$(BIN)/python -m tools.bench
	$(BIN)/python -m tools.bench_reference $(BENCH_ARGS)

dist: gradescope classroom student-kit  ## the three course artefacts below, in dist/

gradescope: $(STAMP)  ## dist/gradescope-autograder.zip (needs GRADER_COURSE_SECRET or GRADER_HIDDEN_SEED)
	$(BIN)/python -m graders.platforms gradescope --out dist/gradescope-autograder.zip \
		$(foreach p,$(ONLY),--only $(p)) --hidden-visibility $(HIDDEN_VISIBILITY)

classroom: $(STAMP)  ## dist/classroom-template/: a GitHub Classroom template repository
	$(BIN)/python -m graders.platforms classroom --out dist/classroom-template \
		$(foreach p,$(ONLY),--only $(p))

student-kit: $(STAMP)  ## dist/student-kit.zip: template, grader (public cases), Makefile, README
	$(BIN)/python -m graders.platforms student-kit --out dist/student-kit.zip

bench-reference: $(STAMP)  ## the reference against torch (CPU, one thread), numpy/torch ratios
	$(BIN)/python -m tools.bench_reference $(BENCH_ARGS)

efficiency-table: $(STAMP)  ## re-time the reference for --efficiency (graders/efficiency_table.py)
	$(BIN)/python -m tools.efficiency_table

bench-batch: $(STAMP)  ## a class of 60 graded three ways: the batch grader, pytest per student, the floor
	$(BIN)/python -m tools.bench_batch $(BENCH_BATCH_ARGS)

bench-against: $(STAMP)  ## this tree's grading speed against REV's (REV=<commit>), taking turns
	@test -n "$(REV)" || { echo "make bench-against: give REV=<commit, tag or branch>" >&2; exit 2; }
	$(BIN)/python -m tools.bench_against "$(REV)" $(BENCH_AGAINST_ARGS)

clean:  ## remove caches (keeps .venv)
	rm -rf .grader-cache .pytest_cache .mypy_cache .ruff_cache .benchmarks
