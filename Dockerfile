# The Code Index Appliance image: the MCP server, the indexer and its watcher, Prometheus,
# Alertmanager and (optionally) Grafana, kept alive by `appliance init` under tini.
#
#   docker run -v ~/src:/repos:ro -v ./plugins:/plugins -v appliance-data:/data \
#       -p 8080:8080 -p 3000:3000 IMAGE
#
# Build arguments:
#   WITH_GRAFANA=1|0   copy Grafana from GRAFANA_IMAGE (default 1). 0 builds without it, with no
#                      pull at all: air-gapped machines and CI (`just image` defaults to 0); the
#                      grafana unit is then skipped by its ConditionPathExists=.
#   GRAFANA_IMAGE      the official Grafana image to take /usr/share/grafana from. The build runs
#                      `grafana --version` in the final image, so a binary that cannot run on
#                      Debian fails the build rather than the container.
# Build secret (optional): `--secret id=cacert,src=/etc/ssl/certs/ca-certificates.crt` gives pip a
# CA bundle where PyPI is reached through an intercepting proxy. Needs BuildKit (DOCKER_BUILDKIT=1).
# There is no `# syntax=` line on purpose: it would pull a frontend image from a registry.
#
# Nothing secret is baked in: tokens, the Grafana admin password and the alert webhook come from
# files or the environment at run time (rootfs/usr/local/bin/appliance-entrypoint).

ARG WITH_GRAFANA=1
ARG GRAFANA_IMAGE=grafana/grafana-oss:11.3.1

# --- Grafana, or nothing: only the stage that is chosen is built (and pulled) by BuildKit.
FROM ${GRAFANA_IMAGE} AS grafana-1
FROM debian:bookworm-slim AS grafana-0
RUN mkdir -p /usr/share/grafana
FROM grafana-${WITH_GRAFANA} AS grafana

# --- The application in a virtualenv, built with the same Python the final image runs.
FROM debian:bookworm-slim AS build
ENV DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends python3 python3-venv ca-certificates >/dev/null \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/appliance/venv
WORKDIR /src
# Dependencies first, from pyproject.toml alone: this layer survives changes to the code.
COPY pyproject.toml README.md ./
RUN --mount=type=secret,id=cacert,required=false \
    if [ -s /run/secrets/cacert ]; then export PIP_CERT=/run/secrets/cacert; fi \
    && python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        >/tmp/requirements.txt \
    && /opt/appliance/venv/bin/pip install -q -r /tmp/requirements.txt
COPY appliance ./appliance
RUN --mount=type=secret,id=cacert,required=false \
    if [ -s /run/secrets/cacert ]; then export PIP_CERT=/run/secrets/cacert; fi \
    && /opt/appliance/venv/bin/pip install -q --no-deps . \
    && /opt/appliance/venv/bin/appliance --version \
    && /opt/appliance/venv/bin/pip uninstall -q -y pip setuptools

# --- The image.
FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
# Packages must not try to start their services while they are installed (the official Debian
# images have this file; a debootstrapped base does not). No documentation, manuals or
# translations, as in the slim images; and not the 200 MB of raw time zone data that Prometheus'
# dependency libjs-moment-timezone brings (its UI loads only moment-timezone-with-data.min.js).
# procps and iproute2: `ps` and `ss` for operators in `docker exec` (and the infrastructure tests).
RUN printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d \
    && printf 'path-exclude %s\n' '/usr/share/doc/*' '/usr/share/man/*' '/usr/share/locale/*' \
        '/usr/share/javascript/moment-timezone/data/*' >/etc/dpkg/dpkg.cfg.d/appliance-slim \
    && echo 'path-include /usr/share/doc/*/copyright' >>/etc/dpkg/dpkg.cfg.d/appliance-slim \
    && apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends \
        python3 prometheus prometheus-alertmanager tini ca-certificates procps iproute2 >/dev/null \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && groupadd --system appliance \
    && useradd --system --gid appliance --home-dir /data --no-create-home --shell /usr/sbin/nologin appliance

COPY --from=grafana /usr/share/grafana /usr/share/grafana
RUN if [ -e /usr/share/grafana/bin/grafana ]; then /usr/share/grafana/bin/grafana --version; \
    else rmdir /usr/share/grafana; fi

COPY --from=build /opt/appliance/venv /opt/appliance/venv
COPY plugins /usr/share/appliance/plugins
COPY monitoring /etc/appliance/monitoring
COPY rootfs/ /
# Configuration and code are root's and read-only to everyone else, whatever the umask of the
# checkout was; the data volume belongs to the appliance user.
RUN chmod -R go-w /etc/appliance /usr/share/appliance /usr/local/bin \
    && install -d -o appliance -g appliance -m 0750 /data \
    && install -d -o root -g root -m 0755 /plugins /repos \
    && /opt/appliance/venv/bin/appliance init --check >/dev/null

ENV PATH=/opt/appliance/venv/bin:$PATH \
    APPLIANCE_BUNDLED_PLUGINS=/usr/share/appliance/plugins \
    APPLIANCE_DATA=/data \
    PYTHONDONTWRITEBYTECODE=1

# /repos is bind-mounted (read-only is enough); a VOLUME there would only leave empty anonymous volumes.
VOLUME ["/data", "/plugins"]
# MCP and the server's metrics; Prometheus; Grafana. Alertmanager (9093) listens on the container's
# loopback only: its status API shows the webhook URL, which often carries a token.
EXPOSE 8080 9090 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/appliance-healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/appliance-entrypoint"]
