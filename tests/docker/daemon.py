"""A private Docker daemon for the image test: its own data root, socket and pid file.

``dockerd`` runs with ``--bridge=none --iptables=false --ip6tables=false``, so it creates
no ``docker0`` bridge and no firewall tables (builds and containers use the host's
network: the fake Bot API listens on 127.0.0.1). Stopping it (SIGTERM to its pid, then
SIGKILL) also ends the containerd it started; anything it left (a ``docker0`` that did
not exist before, mounts under the data root) is removed.

Base images cannot be pulled on the test machines, so :func:`import_base` makes one:
``debootstrap --variant=minbase bookworm`` (cached as a tarball under
``$ANIMEREC_DOCKER_CACHE``, default ``~/.cache/animerec-docker``) piped into
``docker import``. :func:`build_context` copies the sources and downloads the wheels on
the host (pip inside a build cannot verify certificates here).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("ANIMEREC_DOCKER_CACHE", Path.home() / ".cache" / "animerec-docker"))
BASE_TAR = CACHE / "bookworm-minbase.tar"
BASE_PACKAGES = "python3,python3-venv,passwd"
#: what the image needs from the repository (mirrors .dockerignore's allow-list)
CONTEXT_FILES = ("Dockerfile", ".dockerignore", "pyproject.toml", "README.md")
CONTEXT_DIRS = ("bot", "recommender", "migrations", "data/sample")


def docker_binary() -> str | None:
    """Debian's client (it matches Debian's dockerd) before any other ``docker`` on PATH."""
    if Path("/usr/bin/docker").is_file():
        return "/usr/bin/docker"
    return shutil.which("docker")


def apt_mirror() -> str:
    """The Debian mirror apt is configured with (deb822 or one-line sources)."""
    for path in sorted(Path("/etc/apt").glob("sources.list*")) + sorted(
        Path("/etc/apt/sources.list.d").glob("*")
    ):
        if not path.is_file():
            continue
        for line in path.read_text(errors="replace").splitlines():
            words = line.split()
            if words[:1] == ["URIs:"] and len(words) > 1 and "security" not in words[1]:
                return words[1]
            if words[:1] == ["deb"] and len(words) > 2 and "security" not in words[1]:
                return words[1]
    return "http://deb.debian.org/debian"


def _bridge_exists(name: str = "docker0") -> bool:
    return Path("/sys/class/net", name).exists()


@dataclass
class Docker:
    """A running private ``dockerd`` and a client bound to it."""

    root: Path
    process: subprocess.Popen[bytes]
    client: str
    bridge_before: bool
    log: IO[bytes]

    @property
    def host(self) -> str:
        return f"unix://{self.root / 'docker.sock'}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": self.host, "DOCKER_BUILDKIT": "0"}

    def run(
        self, *args: str, stdin: bytes | None = None, check: bool = True, timeout: float = 1200
    ) -> subprocess.CompletedProcess[bytes]:
        """``docker ARGS``; stdout and stderr captured; raises with both on failure."""
        done = subprocess.run(
            [self.client, *args],
            input=stdin,
            capture_output=True,
            env=self.env(),
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"docker {' '.join(args[:3])} exited {done.returncode}:\n"
                f"{done.stdout.decode(errors='replace')[-3000:]}\n"
                f"{done.stderr.decode(errors='replace')[-3000:]}"
            )
        return done

    def stop(self) -> None:
        """SIGTERM dockerd (it stops its containers and containerd), SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        if not self.bridge_before and _bridge_exists():
            subprocess.run(["ip", "link", "delete", "docker0"], check=False)
        # dockerd unmounts its layers on a clean stop; lazily unmount anything left
        mounts = Path("/proc/mounts").read_text().splitlines()
        for line in reversed(mounts):
            target = line.split()[1]
            if target.startswith(str(self.root)):
                subprocess.run(["umount", "-l", target], check=False)
        self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)


def start_dockerd(wait_seconds: float = 60) -> Docker:
    """Start a private dockerd under a fresh temp dir; return once it answers."""
    client = docker_binary()
    dockerd = shutil.which("dockerd")
    if client is None or dockerd is None:
        raise RuntimeError("docker.io is not installed (apt-get install -y docker.io)")
    root = Path(tempfile.mkdtemp(prefix="ar-docker-", dir="/tmp"))
    log = (root / "dockerd.log").open("wb")
    argv = [
        dockerd,
        f"--data-root={root / 'data'}",
        f"--exec-root={root / 'exec'}",
        f"--pidfile={root / 'docker.pid'}",
        f"-H=unix://{root / 'docker.sock'}",
        "--bridge=none",
        "--iptables=false",
        "--ip6tables=false",
    ]
    if driver := os.environ.get("ANIMEREC_DOCKER_STORAGE_DRIVER"):
        argv.append(f"--storage-driver={driver}")
    bridge_before = _bridge_exists()
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    docker = Docker(root, process, client, bridge_before, log)
    deadline = time.monotonic() + wait_seconds
    while True:
        if process.poll() is not None:
            docker.stop()
            raise RuntimeError(f"dockerd exited {process.returncode}; see its log above")
        if docker.run("version", check=False, timeout=10).returncode == 0:
            return docker
        if time.monotonic() > deadline:
            tail = (root / "dockerd.log").read_text(errors="replace")[-2000:]
            docker.stop()
            raise RuntimeError(f"dockerd did not answer within {wait_seconds} s:\n{tail}")
        time.sleep(0.5)


def base_tarball() -> Path:
    """A debootstrapped Debian bookworm (minbase + python3) as a tarball, cached."""
    if BASE_TAR.is_file():
        return BASE_TAR
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ar-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={BASE_PACKAGES}",
                "bookworm",
                str(rootfs),
                apt_mirror(),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        partial = BASE_TAR.with_suffix(".tar.partial")
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(partial), "."], check=True)
        partial.replace(BASE_TAR)
    return BASE_TAR


def import_base(docker: Docker, tag: str) -> str:
    """``docker import`` the debootstrapped base as ``tag``."""
    with base_tarball().open("rb") as fh:
        done = subprocess.run(
            [docker.client, "import", "-", tag],
            stdin=fh,
            capture_output=True,
            env=docker.env(),
            check=False,
        )
    if done.returncode != 0:
        raise AssertionError(f"docker import failed: {done.stderr.decode(errors='replace')}")
    return tag


def build_context(target: Path) -> Path:
    """The build context: the files the image needs, plus ``wheels/`` of every dependency
    (and the build backend) downloaded on the host, for ``PIP_FIND_LINKS=/src/wheels``."""
    target.mkdir(parents=True, exist_ok=True)
    for name in CONTEXT_FILES:
        shutil.copy2(REPO / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in CONTEXT_DIRS:
        shutil.copytree(REPO / name, target / name, ignore=ignore)
    wheels = target / "wheels"
    with tempfile.TemporaryDirectory(prefix="ar-src-") as tmp:
        # build from a copy so the context gets no build/ or egg-info leftovers
        source = Path(tmp) / "src"
        shutil.copytree(target, source, ignore=shutil.ignore_patterns("wheels"))
        _pip(["wheel", "--quiet", "--wheel-dir", str(wheels), str(source)])
    _pip(["download", "--quiet", "--dest", str(wheels), "setuptools>=68", "wheel"])
    for own in wheels.glob("animerec-*.whl"):
        own.unlink()  # the image builds animerec itself, from /src
    return target


def _pip(args: Sequence[str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        check=True,
        stdout=subprocess.DEVNULL,
    )
