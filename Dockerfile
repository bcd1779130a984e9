# animerec: the bots in a container. Secrets come only as runtime env (--env-file .env);
# models and the SQLite database live on the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OPENBLAS_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    ANIMEREC_DATA_DIR=/data

RUN useradd --create-home --uid 10001 animerec
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY recommender ./recommender
COPY migrations ./migrations
COPY data/sample ./data/sample
# A regular install: the wheel carries migrations/ and data/sample/ inside its packages.
RUN pip install --upgrade pip && pip install .

RUN mkdir -p /data && chown animerec:animerec /data
VOLUME ["/data"]
USER animerec

# Build the sample model into the volume on first start, then run the bots
# (migrations are applied at start; SIGTERM shuts down cleanly).
STOPSIGNAL SIGTERM
CMD ["sh", "-c", "animerec build-default && exec animerec run"]
