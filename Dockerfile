# syntax=docker/dockerfile:1
# KAM image: one image for web, worker, beat and the one-off migrate job (docker-compose.yml picks the command).

# Stage 1: front-end packages from npm, exactly as locked in package-lock.json.
FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# Stage 2: the application on a slim Python 3.11.
FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

RUN groupadd --system --gid 10001 kam \
    && useradd --system --uid 10001 --gid kam --home-dir /app --shell /usr/sbin/nologin kam

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY --from=assets /app/node_modules ./node_modules
COPY . .

# Hashed, compressed static files baked into the image; whitenoise serves them. The key only lets settings load.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput

USER kam
EXPOSE 8000
# No HEALTHCHECK here: the same image runs web, worker and beat; docker-compose.yml gives each its own check.
# Workers: WEB_CONCURRENCY (gunicorn reads it; docker-compose.yml sets 2 by default).
CMD ["gunicorn", "kam.wsgi", "--bind", "0.0.0.0:8000", "--no-control-socket"]
