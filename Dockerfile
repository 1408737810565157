# syntax=docker/dockerfile:1.7
# The image of one service of the suite, chosen with SERVICE. Build from the repository root,
# so that the shared library and the pinned constraints are in the context:
#   docker build --build-arg SERVICE=applications -t ruralcredit/applications:TAG .
#   docker build --build-arg SERVICE=cashflow     -t ruralcredit/cashflow:TAG .
#   docker build --build-arg SERVICE=scoring      -t ruralcredit/scoring:TAG .
# One image runs every role of its service:
#   python -m ruralcredit_<service> {api|consumer|relay|all|migrate|prepare}
# Nothing secret is baked in: database URL and API keys come from the environment at run time.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: resolve and install into a virtual environment, then throw the toolchain away
FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src
COPY constraints.txt ./
COPY libs/common ./libs/common
COPY services ./services
# Non-editable install, every version pinned by constraints.txt (the same pins as `make install`).
# Each image holds its own service and the runtime library only: no other service, and none of
# the development tools (launcher, demo, local broker, simulator) of libs/dev.
RUN --mount=type=cache,target=/root/.cache/pip \
    case "$SERVICE" in \
      applications|cashflow|scoring) pip install -c constraints.txt "./libs/common[postgres]" "./services/$SERVICE" ;; \
      *) echo "build with --build-arg SERVICE=applications|cashflow|scoring (got '$SERVICE')" >&2; exit 1 ;; \
    esac

# ---- runtime
FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
# LightGBM's wheel (cashflow's forecaster, scoring's model) links against the system OpenMP
# runtime, which the slim image lacks. Not version-pinned: the base image's Debian release
# fixes it, and security updates apply.
# hadolint ignore=DL3008
RUN if [ "$SERVICE" != applications ]; then \
      apt-get update \
      && apt-get install --yes --no-install-recommends libgomp1 \
      && rm -rf /var/lib/apt/lists/*; \
    fi
# A fixed numeric uid/gid, so that Kubernetes' runAsNonRoot can verify it and volume
# ownership (fsGroup) is predictable.
RUN groupadd --system --gid 10001 ruralcredit \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin ruralcredit
COPY --from=build /opt/venv /opt/venv

# Mount point of scoring's model registry. A new named volume copies this ownership, so the
# service user can read it (and a training job, mounted read-write, can write it).
RUN if [ "$SERVICE" = scoring ]; then \
      mkdir -p /var/lib/ruralcredit/models && chown 10001:10001 /var/lib/ruralcredit/models; \
    fi

# PYTHONDONTWRITEBYTECODE: the root filesystem is read-only in production (bytecode was
# compiled at install time). HOME=/tmp: libraries that want a cache dir get a writable one.
# Each service reads only the variables of its own prefix, so the others' settings below
# are inert; every service's HTTP port defaults to its own (8001, 8002, 8003).
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    RURALCREDIT_SERVICE=${SERVICE} \
    APPLICATIONS_HTTP_HOST=0.0.0.0 \
    CASHFLOW_HTTP_HOST=0.0.0.0 \
    SCORING_HTTP_HOST=0.0.0.0 \
    SCORING_REGISTRY_DIR=/var/lib/ruralcredit/models
WORKDIR /opt/ruralcredit
USER 10001:10001

# The service's HTTP API (api and all roles): 8001 applications, 8002 cashflow, 8003 scoring.
# 9100: /metrics of the consumer and relay roles, which open it when <PREFIX>_METRICS_PORT=9100
# is set (Compose and the manifests set it).
EXPOSE 8001 8002 8003 9100

# Docker and Compose use this; Kubernetes ignores it and uses the probes in deploy/k8s.
# Only the api and all roles answer it: Compose overrides it for the consumer and relay.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; s = os.environ['RURALCREDIT_SERVICE']; port = os.environ.get(s.upper() + '_HTTP_PORT', {'applications': '8001', 'cashflow': '8002', 'scoring': '8003'}[s]); urllib.request.urlopen('http://127.0.0.1:%s/healthz' % port, timeout=4)"]

CMD ["sh", "-c", "exec python -m \"ruralcredit_${RURALCREDIT_SERVICE}\" all"]
