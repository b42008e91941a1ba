# nurture: two commands on a fresh machine. `make demo` and `make test` each install what they need.
UV_VERSION := 0.13.9
BOOT := .uv
UV := $(BOOT)/bin/uv
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo test install lint bench clean browser

$(UV):
	python3 -m venv $(BOOT)
	$(BOOT)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --compile-bytecode
	touch $@

install: .venv/.installed

demo: install
	.venv/bin/nurture demo

# Headless Chromium for the dashboard test (Debian package; skipped quietly where apt is absent).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium not installed: the dashboard browser test will be skipped"; }

test: install browser
	.venv/bin/ruff check .
	.venv/bin/pytest
	NURTURE_HOME=.nurture/eval .venv/bin/nurture eval --gate

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

bench: install
	$(PY) -m bench.run_all

clean:
	rm -rf .venv $(BOOT) .nurture
