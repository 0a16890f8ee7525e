# Build the wheel in one stage; install it into a slim runtime as a non-root user in the next.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY planner ./planner
COPY api ./api
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# DejaVu Sans lets PDF manifests print every name as written.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 planner
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY fixtures /home/planner/fixtures
USER planner
WORKDIR /home/planner
# The job database and keys file live in /home/planner/data; mount a volume there to keep them.
ENV PLANNER_DATABASE_URL=sqlite:////home/planner/data/planner.db \
    PLANNER_KEYS_FILE=/home/planner/data/planner-keys.json
RUN mkdir -p /home/planner/data
VOLUME ["/home/planner/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["planner"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
