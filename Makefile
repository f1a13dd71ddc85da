# The two commands a new user needs, each building the environment it runs in:
#   make report   the comparison report (every spec, sampled and checked against its exact law)
#   make test     the test suite
# The environment is .venv in this checkout, pinned by constraints.txt; it is rebuilt when
# pyproject.toml or constraints.txt changes. MXNet (numpy<2 declared) and timm (torchvision declared, whose PyPI
# wheel needs CUDA) are installed without their declared dependencies: see the README.

PYTHON ?= python3
VENV   := .venv
PIP    := $(VENV)/bin/python -m pip
STAMP  := $(VENV)/.installed
# MXNet's own setting, numpy<1.24: a second environment with the core and MXNet only
VENV1  := .venv-numpy1
STAMP1 := $(VENV1)/.installed

.PHONY: report test bench docs env clean

report: $(STAMP)
	@mkdir -p out
	$(VENV)/bin/unifiedinit compare --json out/compare.json

# KERAS_BACKEND is fixed per process: the Keras tests run again under jax and torch (tensorflow is the default).
# Then the whole suite again under numpy<1.24 (MXNet's own setting; torch, JAX and Keras are absent there).
# WORKERS pytest processes (pytest-xdist) share the files, a file's tests in one process so that its module
# fixtures are built once: many tests spend their time in one-threaded Python (tracing, subprocesses, notebooks),
# so two workers on two cores take the main suite from about 26 to 16.5 minutes. WORKERS=0 runs in one process.
WORKERS ?= 2
XDIST   := $(if $(filter 0,$(WORKERS)),,-n $(WORKERS) --dist loadfile)

KERAS_TESTS = tests/test_keras.py tests/parity/test_keras_parity.py

test: $(STAMP) $(STAMP1)
	$(VENV)/bin/python -m pytest $(XDIST)
	KERAS_BACKEND=jax $(VENV)/bin/python -m pytest -q -p no:cacheprovider $(XDIST) $(KERAS_TESTS)
	KERAS_BACKEND=torch $(VENV)/bin/python -m pytest -q -p no:cacheprovider $(XDIST) $(KERAS_TESTS)
	$(VENV1)/bin/python -m pytest -q -p no:cacheprovider $(XDIST)

# the documentation site (site/), from docs/ and the README's sections, with the API reference from the docstrings
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict -d site

# benchmarks/RESULTS.md: every spec and whole models against each framework's own init (GPU rows where one is seen)
bench: $(STAMP)
	$(VENV)/bin/python benchmarks/bench.py

env: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -c constraints.txt -e '.[all,test,docs]'
	$(PIP) install -q --no-deps -c constraints.txt mxnet requests timm
	touch $@

$(STAMP1): pyproject.toml constraints-numpy1.txt
	test -x $(VENV1)/bin/python || $(PYTHON) -m venv $(VENV1)
	$(VENV1)/bin/python -m pip install -q -c constraints-numpy1.txt -e '.[stats,mxnet]' pytest pytest-xdist hypothesis 'setuptools>=77'
	touch $@

clean:
	rm -rf $(VENV) $(VENV1) out site .pytest_cache
