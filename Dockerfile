# syntax=docker/dockerfile:1
# Arcane's image. Stages: build (compiles the virtualenv), test (adds the test tools; the code is
# mounted by `docker compose run --rm tests`), runtime (the default: slim, non-root, no compiler).
# No secret is baked in: JWT_SECRET_KEY and MONGODB_URI come from the environment at run time.
# DocumentDB's CA bundle is not in the image either: the host mounts it read-only at
# /etc/ssl/certs/rds-global-bundle.pem (see docs/deployment.md).
ARG PYTHON_VERSION=3.11.14

# The full image has the C compiler meinheld's sdist needs; nothing of it but /opt/venv ships.
FROM python:${PYTHON_VERSION}-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Requirements first: this layer is rebuilt only when a pin changes, not when the code does.
COPY requirements.txt requirements-meinheld.txt ./
# meinheld declares greenlet<0.5, which does not build on Python 3.11: its pins go in without
# dependency resolution (pip check reports that one known exception).
RUN pip install --no-cache-dir -r requirements.txt \
    && pip install --no-cache-dir --no-deps -r requirements-meinheld.txt

FROM build AS test
COPY requirements-dev.txt ./
RUN pip install --no-cache-dir -r requirements-dev.txt
WORKDIR /app
ENV ARCANE_ENV=test \
    PYTHONPATH=/app
USER 65534:65534
CMD ["pytest", "-q", "-p", "no:cacheprovider"]

FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    ARCANE_ENV=production \
    HOST=0.0.0.0 \
    PORT=5222
RUN groupadd --system --gid 10001 arcane \
    && useradd --system --uid 10001 --gid arcane --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin arcane
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Owned by root and read-only for the service user.
COPY config/gunicorn.conf.py config/
COPY scripts/__init__.py scripts/seed.py scripts/
COPY arcane arcane/
USER 10001:10001
EXPOSE 5222
# No curl in the slim image: the interpreter does the probe (liveness only, no database).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '5222') + '/health', timeout=4)"]
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "arcane:create_app()"]
