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


# --- The image (Dockerfile); the README's "Running the appliance" says more.
image_tag := env("APPLIANCE_IMAGE", "code-index-appliance:dev")
docker := if path_exists("/usr/bin/docker") == "true" { "/usr/bin/docker" } else { "docker" }

# Build the image without a registry (base from debootstrap when absent; GRAFANA=1 pulls Grafana).
image TAG=image_tag GRAFANA="0":
    WITH_GRAFANA={{GRAFANA}} DOCKER={{docker}} .ci/build-image.sh {{TAG}}

# Run the image with REPO and PLUGINS mounted: MCP on 127.0.0.1:8080, Prometheus :9090, Grafana :3000.
run REPO="." PLUGINS="plugins" TAG=image_tag:
    {{docker}} run --rm --name appliance \
        -v "$(realpath {{REPO}})":/repos:ro -v "$(realpath {{PLUGINS}})":/plugins -v appliance-data:/data \
        -p 127.0.0.1:8080:8080 -p 127.0.0.1:9090:9090 -p 127.0.0.1:3000:3000 {{TAG}}

# Build the image and test it with testinfra (tests/infra; needs a Docker engine, about 6 minutes).
infra-test *ARGS: setup
    {{venv}}/bin/pytest tests/infra {{ARGS}}

# Measure the image into bench/results/image.md: size, time to ready, unit restart, docker stop.
bench-image TAG=image_tag: setup
    {{py}} bench/image.py --image {{TAG}}
