# syntax=docker/dockerfile:1
# Multi-stage: build wheels with the toolchain, run from a slim image as a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip
COPY pyproject.toml README.md ./
COPY requirements/ requirements/
COPY newswire/ newswire/
COPY services/ services/
RUN for f in requirements/*.txt; do \
      [ -f "$f" ] && pip wheel --no-deps --require-hashes -r "$f" -w /wheels; done; \
    pip wheel . -w /wheels

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 newswire
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER newswire
WORKDIR /home/newswire
ENV NEWSWIRE_DATA_DIR=/home/newswire/data \
    PYTHONUNBUFFERED=1
# Same entry point the tests and `newswire up` use; the service name is the command.
ENTRYPOINT ["newswire"]
CMD ["service", "store"]
