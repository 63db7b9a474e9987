# smart-spawn routing API (original Smart Spawn-compatible).
#   docker build -t smart-spawn .
#   docker run --rm -p 3000:3000 -v smart-spawn-data:/data \
#     -e REFRESH_API_KEY=change-me smart-spawn
# Optional: -e SMART_SPAWN_API_KEYS=key1,key2 (shared server, per-key feedback),
#           -e SMART_SPAWN_LIVE_SOURCES=true (6-hourly live refresh),
#           -e SMART_SPAWN_TRUSTED_PROXIES=10.0.0.1 (believe X-Forwarded-For from that proxy).
# Many replicas on PostgreSQL + Redis: docker-compose.yml (README, "Running it for a team").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SMART_SPAWN_HOME=/data

# libpq for the PostgreSQL store (psycopg); the scale extra adds psycopg, its pool and redis.
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md manifest.json ./
COPY skills ./skills
COPY smart_spawn_plugin ./smart_spawn_plugin
RUN pip install ".[server,scale]" \
    && useradd --system --uid 10001 --home-dir /data smartspawn \
    && mkdir -p /data && chown smartspawn /data

USER smartspawn
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/api/ready')"

# Inside a container the API must listen on all interfaces; outside, serve defaults to loopback.
ENTRYPOINT ["smart-spawn"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]
