# nurture: two commands on a fresh machine. `make demo` and `make test` each install what they need.
UV_VERSION := 0.13.9
BOOT := .uv
UV := $(BOOT)/bin/uv
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo test install lint bench clean

$(UV):
	python3 -m venv $(BOOT)
	$(BOOT)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	touch $@

install: .venv/.installed

demo: install
	.venv/bin/nurture demo

test: install
	.venv/bin/ruff check .
	.venv/bin/pytest

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

bench: install
	$(PY) -m bench.run_all

clean:
	rm -rf .venv $(BOOT) .nurture
