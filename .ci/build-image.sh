#!/usr/bin/env bash
# Build the appliance image on a machine without a registry: the base image from Debian packages
# when absent (.ci/bootstrap-base-image.sh), no Grafana unless WITH_GRAFANA=1, and this machine's CA
# bundle as a build secret for pip. Used by `just image`, the infrastructure tests and bench/image.py.
#
#   .ci/build-image.sh [TAG]        (default code-index-appliance:dev; env WITH_GRAFANA=0|1)
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${1:-code-index-appliance:dev}
# Debian's own client (20.10) builds with BuildKit without buildx; a newer one first on PATH wants buildx.
docker=${DOCKER:-$(command -v /usr/bin/docker || command -v docker)}
cacert=${CACERT:-/etc/ssl/certs/ca-certificates.crt}

.ci/bootstrap-base-image.sh debian:bookworm-slim
args=(--build-arg "WITH_GRAFANA=${WITH_GRAFANA:-0}" --tag "$tag")
if [ -s "$cacert" ]; then
    args+=(--secret "id=cacert,src=$cacert")
fi
DOCKER_BUILDKIT=1 "$docker" build "${args[@]}" ${DOCKER_BUILD_ARGS:-} .
