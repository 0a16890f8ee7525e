# Build the wheel in one stage, install it into a slim runtime as a non-root user in the next.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY planner ./planner
COPY api ./api
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 planner
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY fixtures /home/planner/fixtures
USER planner
WORKDIR /home/planner
HEALTHCHECK CMD ["planner", "--help"]
ENTRYPOINT ["planner"]
CMD ["plan", "fixtures/contract-example.json"]
