"""Franchise evaluation: the top 20 as people see it, with the franchise rules off and on.

For each test user of a :class:`~recommender.evaluate.Split`, two pages of 10 (the second
excludes the first, as "more" does) from the model's ``recommend``. Reported per setting:

* ``recall@20_shown``: held-out hits in those 20 / min(20, held-out);
* ``rule1_breaks``: share of picks with an earlier entry (Prequel / Parent story, aired no
  later) the person has not completed or is not watching (an earlier entry of something
  they completed counts as seen);
* ``pages_with_franchise_repeat``: share of pages of 10 with two or more entries of one
  franchise;
* ``recaps``: share of picks that are summaries / recaps; ``extras``: recaps plus
  "Other" specials;
* ``held_out_blocked_by_rule1``: share of held-out anime rule 1 forbids showing (an
  earlier entry is missing from the person's input): hits no rule-abiding page can make.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from recommender.baselines import PersonRows
from recommender.franchise import Franchises
from recommender.franchise_rules import Viewer
from recommender.model import Recommender
from recommender.types import Filters

__all__ = ["PAGES", "franchise_metrics", "page_stats"]

PAGES = 2
PAGE = 10


def page_stats(pages: Sequence[Sequence[int]], fr: Franchises, viewer: Viewer) -> Counter[str]:
    """Counts over one person's pages: picks, rule-1 breaks, repeat pages, recaps, extras."""
    out: Counter[str] = Counter()
    for page in pages:
        out["pages"] += 1
        per = Counter(fr.franchise_of(a) for a in page)
        out["repeat_pages"] += int(any(c >= 2 for c in per.values()))
        for a in page:
            out["picks"] += 1
            out["rule1"] += int(any(p not in viewer.seen for p in fr.prerequisites(a)))
            out["recaps"] += int(fr.is_recap(a))
            out["extras"] += int(fr.is_extra(a))
    return out


def _one_setting(
    model: Recommender,
    inputs: Sequence[PersonRows],
    held_out: Sequence[np.ndarray[Any, Any]],
    rules: bool,
) -> dict[str, float]:
    fr = model.catalog.franchises
    filters = Filters(allow_nsfw=True)
    totals: Counter[str] = Counter()
    recalls = []
    for person, held in zip(inputs, held_out, strict=True):
        entries = person.entries()
        viewer = Viewer.of(entries).implied(fr)
        totals["held"] += len(held)
        totals["held_blocked"] += sum(
            any(p not in viewer.seen for p in fr.prerequisites(int(a))) for a in held
        )
        shown: list[int] = []
        pages = []
        for _ in range(PAGES):
            page = [
                p.anime_id
                for p in model.recommend(
                    entries, PAGE, filters, exclude=shown, franchise_rules=rules
                )
            ]
            pages.append(page)
            shown += page
        held_set = set(held.tolist())
        recalls.append(sum(a in held_set for a in shown[:20]) / min(20, len(held_set)))
        totals += page_stats(pages, fr, viewer)
    picks = max(totals["picks"], 1)
    return {
        "recall@20_shown": float(np.mean(recalls)) if recalls else 0.0,
        "rule1_breaks": totals["rule1"] / picks,
        "pages_with_franchise_repeat": totals["repeat_pages"] / max(totals["pages"], 1),
        "recaps": totals["recaps"] / picks,
        "extras": totals["extras"] / picks,
        "picks": totals["picks"],
        "held_out_blocked_by_rule1": totals["held_blocked"] / max(totals["held"], 1),
    }


def franchise_metrics(
    model: Recommender,
    inputs: Sequence[PersonRows],
    held_out: Sequence[np.ndarray[Any, Any]],
) -> dict[str, Any]:
    """``{"rules_off": {...}, "rules_on": {...}}`` (see the module docstring)."""
    return {
        "pages": PAGES,
        "page_size": PAGE,
        "rules_off": _one_setting(model, inputs, held_out, rules=False),
        "rules_on": _one_setting(model, inputs, held_out, rules=True),
    }
