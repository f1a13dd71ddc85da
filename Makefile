# The two commands a new user needs, each building the environment it runs in:
#   make report   the comparison report (every spec, sampled and checked against its exact law)
#   make test     the test suite
# The environment is .venv in this checkout, pinned by constraints.txt; it is rebuilt when
# pyproject.toml or constraints.txt changes.

PYTHON ?= python3
VENV   := .venv
PIP    := $(VENV)/bin/python -m pip
STAMP  := $(VENV)/.installed

.PHONY: report test env clean

report: $(STAMP)
	@mkdir -p out
	$(VENV)/bin/unifiedinit compare --json out/compare.json

# KERAS_BACKEND is fixed per process: the Keras tests run again under jax and torch (tensorflow is the default).
test: $(STAMP)
	$(VENV)/bin/python -m pytest
	KERAS_BACKEND=jax $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/test_keras.py
	KERAS_BACKEND=torch $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/test_keras.py

env: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -c constraints.txt -e '.[all,test]'
	$(PIP) install -q --no-deps -c constraints.txt mxnet requests
	touch $@

clean:
	rm -rf $(VENV) out .pytest_cache
