# Image for the API and the feed worker (same code, different command).
FROM python:3.11-slim-bookworm
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY routing routing
COPY feeds feeds
COPY maas maas
RUN pip install --no-cache-dir .
COPY bundles bundles
ENV MAAS_BUNDLE=/app/bundles/timisoara MAAS_SNAPSHOT_DIR=/snapshots
EXPOSE 8000
CMD ["maas", "serve", "--host", "0.0.0.0", "--port", "8000"]
