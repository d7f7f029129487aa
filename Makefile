# Chromium (and a Chinese font, for readable screenshots) come from Debian: Playwright never downloads a browser.
# Two entry points for a fresh clone: `make run` (install + app) and `make test` (install + all tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: install run test typecheck browser corpus

install: $(VENV)/.installed

# torch first and pinned: pip then finds the local CPU build instead of a multi-GB CUDA one.
# Nothing is converted here: the e5 model is built on first use (`qa model` does it ahead, if wanted).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[test]'
	touch $@

run: install
	$(PY) app.py

browser:
	@dpkg -s chromium fonts-wqy-microhei >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; } || echo "chromium not installed: browser tests will skip"

typecheck: install
	$(PY) -m mypy

# Both always run (a type error does not hide the test results); pytest last, so its summary closes the output.
test: install browser
	$(MAKE) --no-print-directory typecheck; types=$$?; $(PY) -m pytest || exit; exit $$types

# Remake the bundled corpus from the official sources in ../shared (byte for byte; tested).
corpus: install
	$(VENV)/bin/qa import ../shared/regulations/anhui-nev-clusters/final-full-flk.txt --with ../shared/regulations/anhui-nev-clusters/final-excerpt.txt
