# Chores, one entry point. `just --list` shows them all.
venv := ".venv"
py := venv / "bin/python"

# Create the virtualenv and install the appliance with its test tools.
setup:
    test -x {{py}} || python3 -m venv {{venv}}
    {{venv}}/bin/pip install -q -e '.[test]'

# Index the current folder (or PATHS) and serve MCP on http://127.0.0.1:8080/mcp.
serve *PATHS=".": setup
    {{venv}}/bin/appliance serve {{PATHS}}

# Run the test suite (what CI runs, less the apt installs of .ci/run).
test *ARGS: setup
    {{venv}}/bin/pytest {{ARGS}}

# ruff and mypy --strict.
lint: setup
    {{venv}}/bin/ruff check appliance tests bench
    {{venv}}/bin/mypy

# Benchmarks against ripgrep on the kernel corpus (not part of the tests).
bench CORPUS="mid": setup
    {{py}} bench/corpus.py
    {{py}} bench/engine.py --corpus {{CORPUS}}
