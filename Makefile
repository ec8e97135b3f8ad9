# handouts: every target runs in .venv, which `make setup` makes on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEX_PACKAGES := texlive-latex-base texlive-latex-recommended \
                texlive-fonts-recommended texlive-pictures latexmk poppler-utils
TEX_COMMANDS := pdflatex latexmk kpsewhich pdftotext pdftoppm
PHP_PACKAGES := php-cli php-xml php-mbstring
N    ?= 24
SEED ?= 20261128

.PHONY: setup tex php report key test bench mutate golden variants notebooks docs clean

setup: $(STAMP) tex php

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dask,notebooks]'
	@touch $@

# TeX from Debian's packages, installed when a command is missing
tex:
	@missing=""; for c in $(TEX_COMMANDS); do command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing TeX (missing:$$missing)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES) >/dev/null; \
	  else \
	    echo "TeX is missing ($$missing). Install these Debian packages, then run make again:"; \
	    echo "  sudo apt-get install $(TEX_PACKAGES)"; exit 1; \
	  fi; \
	fi

# PHP for tests/test_moodle_import.py (Moodle's own importer), installed when missing
php:
	@if ! php -m 2>/dev/null | grep -qx xml || ! php -m 2>/dev/null | grep -qx mbstring; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing PHP for the Moodle import test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(PHP_PACKAGES) >/dev/null; \
	  else \
	    echo "PHP is missing: tests/test_moodle_import.py will be skipped (sudo apt-get install $(PHP_PACKAGES))"; \
	  fi; \
	fi

# the reference assignment, derive/assignments/reference.toml, into reports/
report: setup
	$(BIN)/handouts report

key: $(STAMP)
	$(BIN)/handouts key

variants: setup
	$(BIN)/handouts variants --count $(N) --seed $(SEED)

# the reference's student and instructor notebooks, into reports/notebooks
notebooks: $(STAMP)
	$(BIN)/handouts notebooks

test: setup
	$(BIN)/python -m pytest -q -n 2

# regenerate the golden .tex files of the reference assignment (reference.toml,
# rendered as `handouts report` renders it); review the diff
golden: setup
	$(BIN)/python -m tests.regenerate_golden

# the README's sample pages (docs/*.png), from the reference handout
docs: report
	$(BIN)/python docs/pages.py reports/handout.pdf docs

bench: setup
	@# as an installed tool runs: its bytecode written once and reused (some shells set
	@# PYTHONDONTWRITEBYTECODE, which recompiles the package in every process)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m benchmarks

# mutation testing of the core modules (not part of `make test`): mutmut, 2 workers,
# verdicts kept in tests/mutation-verdicts.jsonl (a new checkout reruns only changed functions),
# resumable (state in mutants/); the core modules and their groups:
#   calculus              derive/calculus/*
#   numerics and key      derive/numerics/* (not codecache.py), derive/problem/precision.py
#   grading               derive/grading/{answers,kind_answers,compare,scoring,kind_grade,
#                         rules,mistake_table,by_kind}.py
#   variants and exports  derive/variants/{constraints,draw,instances,selection,exports,items}.py
# one group or file: make mutate MODULES=derive/calculus; survivors kept: tests/MUTANTS.md
MODULES ?=
MUTATE_FLAGS ?=
mutate: $(STAMP)
	@$(BIN)/python -c "import mutmut" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[mutate]'
	$(BIN)/python -m tests.mutation $(MUTATE_FLAGS) $(MODULES)

clean:
	rm -rf reports build dist *.egg-info
