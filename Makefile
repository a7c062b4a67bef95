# Two commands do all set-up on a fresh machine (see README.md):
#   make lab    build .venv if needed, then start JupyterLab on the series
#   make test   build .venv if needed, then run the unit tests and every notebook under nbval

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PORT    ?= 8888
# jupyter refuses to start as root without --allow-root
ROOT    := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
NBVAL   := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# Playwright (browser test) drives Debian's /usr/bin/chromium; never let it fetch a browser
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = 1

.PHONY: venv lab test unit notebooks bench clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# Learners get a Lab without nbgrader's instructor extensions (nbgrader is installed for the
# autograde test and for instructors, see README) and without JupyterLab's news pop-up and update
# check. Disabling writes the same files under .venv/etc/jupyter every time: safe to repeat.
NBGRADER_SERVER_EXTENSIONS := $(addprefix nbgrader.server_extensions.,formgrader validate_assignment assignment_list course_list)

lab: $(STAMP)
	$(VENV)/bin/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader >/dev/null 2>&1
	$(VENV)/bin/jupyter server extension disable --sys-prefix $(NBGRADER_SERVER_EXTENSIONS) >/dev/null 2>&1
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --port=$(PORT) --no-browser $(ROOT) \
		--ServerApp.root_dir=$(CURDIR) --LabApp.news_url=None \
		--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate notebooks/00_welcome.ipynb

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile tests notebooks solutions $(NBVAL)

unit: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile tests

notebooks: $(STAMP)
	$(PY) -m pytest notebooks solutions $(NBVAL)

bench: $(STAMP)
	$(PY) bench/sim_speed.py
	$(PY) bench/sim_memory.py
	$(PY) bench/step_speed.py
	$(PY) bench/fleet_speed.py
	$(PY) bench/kernels.py
	$(PY) bench/train_speed.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
