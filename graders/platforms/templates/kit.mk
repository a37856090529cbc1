# dlgrade student kit. `make setup` once (a virtual environment with the grader's pinned
# packages; needs Python 3.11 and the network), then `make grade` whenever you want your score.
PY         ?= python3
VENV       ?= .venv
PYTHON     ?= $(VENV)/bin/python
SETUP      ?= $(VENV)/.installed
SUBMISSION ?= {{submission}}
ONLY       ?=
ITEM       ?=
CASE       ?=
PIP        := --disable-pip-version-check --no-deps --only-binary=:all:

.PHONY: help setup grade repro pytest

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 10

$(VENV)/.installed: requirements.txt
	$(PY) -m venv $(VENV)
	$(VENV)/bin/python -m pip install $(PIP) --index-url {{torch_index}} torch==2.13.0
	$(VENV)/bin/python -m pip install $(PIP) -r requirements.txt
	@touch $@

setup: $(SETUP)  ## create .venv with the grader's packages (torch CPU-only, all pinned)

grade: $(SETUP)  ## grade your modules (ONLY=activations.relu: one function)
	@$(PYTHON) -m graders grade $(SUBMISSION) $(foreach p,$(ONLY),--only $(p))

repro: $(SETUP)  ## one case in full: make repro ITEM=activations.relu CASE=vector
	@$(PYTHON) -m graders repro $(SUBMISSION) $(ITEM) $(CASE)

pytest: $(SETUP)  ## the same grading as pytest tests (what an IDE's test panel runs)
	@$(PYTHON) -m pytest
