# syntax=docker/dockerfile:1
# Bolden's image: `bolden run` as an unprivileged user (`docker run IMAGE migrate` runs another
# command). One container keeps its SQLite database in the volume /data; compose.yaml runs two
# on PostgreSQL behind a proxy. Python 3.11 on Debian 12, as the tests run; both stages use the
# same base, so the venv's interpreter is where the final stage expects it.
ARG BASE=python:3.11-slim-bookworm

FROM ${BASE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY handlers handlers
COPY storage storage
# The venv gets Bolden and its dependencies (all of them wheels), but no pip of its own.
RUN python -m venv --without-pip /opt/venv \
    && pip --python /opt/venv/bin/python install .

FROM ${BASE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    BOLDEN_DATABASE=/data/bolden.sqlite3 \
    BOLDEN_WEB_HOST=0.0.0.0 \
    BOLDEN_WEB_PORT=8080
# pg_dump for `bolden backup` of a PostgreSQL database: Debian 12's is version 15, the version
# compose.yaml runs (pg_dump refuses a server newer than itself).
RUN apt-get update \
    && apt-get install --yes --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 bolden \
    && useradd --uid 10001 --gid bolden --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin bolden \
    && install --directory --owner=bolden --group=bolden --mode=0755 /data
COPY --from=build /opt/venv /opt/venv
USER bolden
# A relative BOLDEN_DATABASE, or a relative path given to `bolden backup`, lands in the volume.
WORKDIR /data
VOLUME /data
EXPOSE 8080
# 200 while the database takes writes and the outbox sender runs; 503 (a failure here) when not.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('BOLDEN_WEB_PORT', '8080') + '/readyz', timeout=4)"]
ENTRYPOINT ["bolden"]
CMD ["run"]
