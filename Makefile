# strikemap: two commands on a fresh machine.
#   make run    set everything up, then serve the dashboard on the bundled data
#   make test   set everything up (Debian's chromium, PostgreSQL and PostGIS included), then run every test
#   make fuzz   random exploration of the property-based tests (STRIKEMAP_FUZZ_SCALE=10 looks ten times harder)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT ?= 8501
# What `python -m geo setup` builds (data/build/ and static/ are never committed).
BUILT := data/build/gazetteer.sqlite static/basemap/countries.geojson static/basemap/context/manifest.json

.PHONY: setup run test fuzz bench bench-scale chromium postgis gmt clean

setup: $(VENV)/.installed node_modules/.installed $(BUILT)

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Natural Earth boundaries come from npm packages (see package.json); no JavaScript of ours.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The gazetteer, then the basemap: countries, provinces, place names and rivers and lakes (from GMT's data).
$(BUILT) &: $(VENV)/.installed node_modules/.installed geo/geocoding/gazetteer.py geo/geocoding/names.py geo/geocoding/country_aliases.csv geo/web/assets.py geo/web/basemap_context.py | gmt
	$(PY) -m geo setup --force
	touch $(BUILT)

# Rivers and lakes come from GSHHG/WDBII as Debian packages them for GMT (about 11 MB).
gmt:
	@{ command -v gmt >/dev/null && [ -e /usr/share/gmt-gshhg/binned_GSHHS_h.nc ]; } || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq gmt gmt-gshhg-high; }

chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

# The event store's tests start a throwaway PostgreSQL + PostGIS server of their own (tests/pgserver.py);
# postgresql-postgis is Debian's name for the PostGIS of its default PostgreSQL (15 on Debian 12).
postgis:
	@compgen -G "/usr/share/postgresql/*/extension/postgis.control" >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql postgresql-postgis; }

run: setup
	$(VENV)/bin/python -m geo.web.serve dashboard.py --server.port $(PORT)

test: setup chromium postgis
	$(PY) -m pytest

# The property-based tests with fresh random examples (Hypothesis profile "fuzz", tests/conftest.py), their
# counts times $STRIKEMAP_FUZZ_SCALE (default 1). A failure prints its smallest input: pin it as an @example.
# One test at scale 10 can run for many minutes, hence a per-test timeout above pytest.ini's.
FUZZ_TIMEOUT ?= 3600
fuzz: setup
	$(PY) -m pytest tests/test_properties.py -p no:cacheprovider --hypothesis-profile=fuzz \
		--hypothesis-show-statistics --timeout=$(FUZZ_TIMEOUT)

bench: setup chromium
	$(PY) bench/startup.py
	$(PY) bench/geocode_accuracy.py
	$(PY) bench/geocode_speed.py

# The map at 1,000 / 10,000 / 100,000 synthetic events against one Folium marker per event (slow: minutes).
bench-scale: setup chromium
	$(PY) bench/map_scale.py --sizes 1000,10000,100000 --runs 3

clean:
	rm -rf data/build static node_modules $(VENV)
