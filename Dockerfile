# animerec: the bots in a container. Secrets come only as runtime env (--env-file .env);
# models, the SQLite database and caches live on the /data volume.
#
#   docker build -t animerec .
#   docker run --rm -v animerec-data:/data animerec animerec build-default
#   docker run --rm -it -v animerec-data:/data animerec animerec chat
#   docker run -d --env-file .env -v animerec-data:/data animerec
#
# BASE is the official Python image; `make test-docker` builds on a local Debian base
# made with debootstrap (images cannot be pulled on its machines). PIP_FIND_LINKS, when
# set, installs from wheels in the build context (`wheels/`) instead of PyPI.
ARG BASE=python:3.11-slim

# ---- build: a virtualenv with animerec and its dependencies --------------------------------
FROM ${BASE} AS build
ARG PIP_FIND_LINKS=
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/animerec
# the context is filtered by .dockerignore: the package sources, the sample data, wheels/
COPY . /src
RUN /opt/animerec/bin/pip install \
        ${PIP_FIND_LINKS:+--no-index --find-links ${PIP_FIND_LINKS}} /src

# ---- run: the virtualenv, a non-root user, data on a volume ---------------------------------
FROM ${BASE}
# LightGBM needs the OpenMP runtime (the slim image lacks it)
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OPENBLAS_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    ANIMEREC_DATA_DIR=/data \
    PATH=/opt/animerec/bin:$PATH
COPY --from=build /opt/animerec /opt/animerec
RUN useradd --create-home --uid 10001 animerec \
    && mkdir -p /data && chown animerec:animerec /data
VOLUME ["/data"]
USER animerec
WORKDIR /home/animerec

# Build the sample model into the volume on first start, then run the bots
# (migrations are applied at start; SIGTERM shuts down cleanly).
STOPSIGNAL SIGTERM
CMD ["sh", "-c", "animerec build-default && exec animerec run"]
