# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)

.PHONY: run test install migrate clean chromium

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Starts the product on the embedded default (SQLite + ORM broker) with a demo tenant wired to
# the sandbox store and Acumatica instance. Ctrl-C stops everything.
run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py demo

# Browser tests (tests/browser_helpers.py) drive Debian's chromium; Playwright cannot download a browser.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "Browser tests need chromium: sudo apt-get install -y chromium" >&2; exit 1; fi; }

# The whole test suite. DATABASE_URL picks the database (SQLite file by default).
test: install chromium
	DEBUG=1 Q_SYNC=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
