# The Citrine CSMS image: one image for every role (citrine serve, worker, migrate).
FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /app citrine
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY citrine_base citrine_base
COPY citrine_data citrine_data
COPY citrine_util citrine_util
COPY citrine_modules citrine_modules
COPY server server
COPY migrations migrations
# Editable: citrine_data finds its migrations next to the package (/app/migrations).
RUN pip install --no-cache-dir -e . && chown -R citrine /app
USER citrine
ENV CITRINE_HOST=0.0.0.0 CITRINE_PORT=8080 CITRINE_LOG__FORMAT=json PYTHONUNBUFFERED=1
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=2)"]
CMD ["citrine", "serve"]
