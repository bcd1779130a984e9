"""The container, built and run (``make test-docker``; slow, not in the default run).

A private dockerd (tests/docker/daemon.py) builds the repository's Dockerfile on a
Debian base made with debootstrap (``--build-arg BASE=...``), installing from wheels
downloaded on the host. Then the image, as its non-root user with the data on a named
volume: ``animerec build-default`` trains the embedded default into the volume, the
terminal chat answers ``/recommend`` with cards on piped stdin, and ``animerec run``
with a Telegram token answers ``/start`` through the fake Bot API (host network).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import uuid
from collections.abc import Iterator

import pytest

from tests.docker.daemon import (
    BASE_TAR,
    Docker,
    build_context,
    docker_binary,
    import_base,
    start_dockerd,
)
from tests.fakes.telegram_api import FakeTelegramApi, chat, user

pytestmark = [pytest.mark.slow, pytest.mark.docker, pytest.mark.timeout(2400)]

IMAGE = "animerec:test"
BASE = "local/animerec-base:bookworm"
TOKEN = "123456:container-test-token"
CARD_LINK = re.compile(r"^ *https://myanimelist\.net/anime/\d+$", re.M)


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "dockerd needs root"
    if docker_binary() is None or shutil.which("dockerd") is None:
        return "docker.io is not installed (make test-docker installs it)"
    if shutil.which("debootstrap") is None and not BASE_TAR.exists():
        return "debootstrap is not installed (make test-docker installs it)"
    return None


@pytest.fixture(scope="module")
def docker() -> Iterator[Docker]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    daemon = start_dockerd()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope="module")
def image(docker: Docker, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The Dockerfile built on the debootstrapped base, installed from host wheels."""
    import_base(docker, BASE)
    context = build_context(tmp_path_factory.mktemp("context"))
    docker.run(
        "build",
        "--network=host",
        f"--build-arg=BASE={BASE}",
        "--build-arg=PIP_FIND_LINKS=/src/wheels",
        f"--tag={IMAGE}",
        str(context),
    )
    return IMAGE


@pytest.fixture(scope="module")
def volume(docker: Docker, image: str) -> Iterator[str]:
    """A named volume on /data with the embedded default built into it."""
    name = f"animerec-data-{uuid.uuid4().hex[:8]}"
    docker.run("volume", "create", name)
    try:
        done = docker.run("run", "--rm", "-v", f"{name}:/data", image, "animerec", "build-default")
        out = done.stdout.decode()
        assert re.search(r"animerec: model \S+ is ready in /data/models", out), out
        yield name
    finally:
        docker.run("volume", "rm", "-f", name, check=False)


def test_runs_as_non_root_with_the_model_on_the_volume(
    docker: Docker, image: str, volume: str
) -> None:
    script = "id -u; id -un; ls -ln /data/models; cat /data/models/CURRENT"
    done = docker.run("run", "--rm", "-v", f"{volume}:/data", image, "sh", "-c", script)
    uid, name, *listing = done.stdout.decode().splitlines()
    assert (uid, name) == ("10001", "animerec")
    current = listing[-1]
    folder = [line for line in listing if line.endswith(" " + current)]
    assert folder and folder[0].split()[2] == "10001", listing  # written by the non-root user
    inspect = docker.run("image", "inspect", "--format={{.Config.User}} {{.Config.Volumes}}", image)
    assert inspect.stdout.decode().split()[0] == "animerec"
    assert "/data" in inspect.stdout.decode()


def test_terminal_chat_answers_recommend_with_cards(
    docker: Docker, image: str, volume: str
) -> None:
    done = docker.run(
        "run", "--rm", "-i", "-v", f"{volume}:/data", image, "animerec", "chat",
        stdin=b"/recommend\n",
    )  # fmt: skip
    out = done.stdout.decode()
    print(f"$ printf '/recommend\\n' | docker run --rm -i -v {volume}:/data {image} animerec chat")
    print(out)
    page = out.split("> /recommend", 1)[1]
    cards = re.findall(r"^ ?\d+\. \S", page, re.M)
    assert len(cards) >= 5, out
    assert len(CARD_LINK.findall(page)) == len(cards), out


async def test_run_with_a_telegram_token_answers_start(
    docker: Docker, image: str, volume: str
) -> None:
    name = f"animerec-run-{uuid.uuid4().hex[:8]}"
    async with FakeTelegramApi(TOKEN) as api:
        await asyncio.to_thread(
            docker.run,
            "run", "-d", "--name", name, "--network=host", "-v", f"{volume}:/data",
            "-e", f"TELEGRAM_TOKEN={TOKEN}", "-e", f"TELEGRAM_API_BASE_URL={api.base_url}",
            image, "animerec", "run",
        )  # fmt: skip
        try:
            await api.wait_for("getUpdates", timeout=120)
            alice = user(501, "Alice")
            api.enqueue(api.command(alice, "/start", chat(501)))
            sent = await api.wait_for(
                "sendMessage", lambda p: p["chat_id"] == 501 and "/recommend" in p["text"]
            )
            assert "/link" in sent["text"]
            await asyncio.to_thread(docker.run, "stop", "--time=30", name)
            state = await asyncio.to_thread(
                docker.run, "inspect", "--format={{.State.ExitCode}}", name
            )
            logs = await asyncio.to_thread(docker.run, "logs", name)
            assert state.stdout.decode().strip() == "0", logs.stderr.decode()[-3000:]
        finally:
            await asyncio.to_thread(docker.run, "rm", "-f", name, check=False)
