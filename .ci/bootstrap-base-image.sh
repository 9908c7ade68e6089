#!/usr/bin/env bash
# Make sure the Docker engine has the base image `debian:bookworm-slim` without a registry:
# if absent, build a minimal Debian 12 root with debootstrap and `docker import` it under that name.
# Used by `just image` and by .ci/run. Needs root (debootstrap), debootstrap and a Docker engine.
#
#   .ci/bootstrap-base-image.sh [IMAGE]     (default debian:bookworm-slim)
#
# The result is close to the official slim image (minbase: apt, dpkg, coreutils, no docs trimming)
# and takes about 40 s. An image that is already there is left alone.
set -euo pipefail

image=${1:-debian:bookworm-slim}
suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Debian's own client (20.10) talks to any engine; a newer one first on PATH may want buildx.
docker=${DOCKER:-$(command -v /usr/bin/docker || command -v docker)}

if "$docker" image inspect "$image" >/dev/null 2>&1; then
    echo "bootstrap-base-image: $image is present"
    exit 0
fi
command -v debootstrap >/dev/null || { echo "bootstrap-base-image: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
if [ "$(id -u)" != 0 ]; then
    echo "bootstrap-base-image: debootstrap needs root" >&2
    exit 1
fi

root=$(mktemp -d /var/tmp/bootstrap-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "bootstrap-base-image: debootstrap --variant=minbase $suite (about 40 s)"
start=$SECONDS
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.log" 2>&1 || {
    tail -20 "$root.log" >&2
    rm -f "$root.log"
    exit 1
}
rm -f "$root.log"
# As in the official image: the suite with its updates and security archives, no package caches
# or lists, and packages that do not try to start services while an image is built.
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar --numeric-owner -C "$root" -c . |
    "$docker" import --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        - "$image" >/dev/null
echo "bootstrap-base-image: imported $image in $((SECONDS - start)) s"
