"""/connect, /me, /export and /forget in the terminal chat, piped, over a real SQLite file.

/export writes the JSON file under the export folder and prints its path; after
/forget confirm no table (read from the schema) holds a row about the person.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from bot.frontends.console import run_console, terminal_conversation
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import RecommendationService
from bot.service.identity import IdentityService
from bot.storage import Storage
from tests.fakes.model import FakeModel
from tests.integration.store_backends import StoreBackend


async def test_export_writes_a_file_and_forget_leaves_no_row(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    exports = tmp_path / "exports"
    script = "/me\n/recommend\n-1\n/nsfw on\n/connect\n/connect 1234 5678\n/export\n"
    async with await Storage.open(path) as store:
        service = RecommendationService(
            store, ModelSlot(FakeModel()), None, page_size=4, recommend_cooldown=Cooldown(0)
        )
        conversation = terminal_conversation(
            service, "local", identity=IdentityService(store), export_dir=exports
        )
        out = io.StringIO()
        await run_console(conversation, io.StringIO(script), out, interactive=False)
        text = out.getvalue()
        assert "I have nothing stored about you yet" in text  # /me before anything
        assert re.search(r"Your code: \d{8}", text)
        assert "That is not a code I gave out" in text and "(4 tries left this hour)" in text
        match = re.search(r"Everything I store about you \((\d+) rows\) is in (\S+)", text)
        assert match, text
        written = Path(match.group(2))
        assert written.parent == exports and written.suffix == ".json"
        tables = json.loads(written.read_text())["tables"]
        assert [r["platform_user_id"] for r in tables["identities"]] == ["local"]
        assert [r["value"] for r in tables["feedback"]] == [-1]
        assert [r["chat_id"] for r in tables["chat_settings"]] == ["tty:local"]
        assert len(tables["connect_codes"]) == 1 and len(tables["connect_attempts"]) == 1
        assert int(match.group(1)) == sum(len(rows) for rows in tables.values())
        person = await store.find_person("console", "local")
        assert person is not None

        out = io.StringIO()
        await run_console(conversation, io.StringIO("/forget confirm\n"), out, interactive=False)
        assert "deleted everything" in out.getvalue()
    left = await StoreBackend("sqlite", str(path)).rows_about(person, {"local", "tty:local"})
    assert left == dict.fromkeys(left, 0)
