"""The sync core never pulls in the async application or the chat libraries."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import recommender

FORBIDDEN = ("discord", "telegram", "httpx", "aiosqlite", "bot")
FORBIDDEN_SOURCE = (*FORBIDDEN, "asyncio")
CORE = Path(recommender.__file__).resolve().parent
#: libraries of optional extras (``animerec[spark]``): a clean ``make test`` venv lacks them
OPTIONAL = ("pyspark", "py4j")


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages([str(CORE)], "recommender."))


def test_importing_every_core_module_loads_no_chat_library() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {_modules()!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError as error:\n"  # an optional extra's library only
        f"        if (error.name or '').split('.')[0] not in {OPTIONAL!r}:\n"
        "            raise\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(json.dumps(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_core_source_never_imports_async_or_chat_packages() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.relative_to(CORE)}: {n}"
                for n in names
                if n.split(".")[0] in FORBIDDEN_SOURCE
            ]
    assert offenders == []
    assert len(_modules()) >= 10
