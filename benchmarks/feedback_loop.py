"""Replay chat feedback from held-out users through retrains; print Recall@20 per round.

Setup (shipped sample, or ``--ratings``/``--anime``): ``--people`` users are taken out
of the base data and play the product's linked users. Each keeps 80% of their list
as their linked list and hides 20% of their liked titles (score >= 7). Every round:

1. each of them is shown ``--pages`` pages of 10 picks (fold-in, no repeats) and 👍s
   the hidden titles on them, 👎s the rest (as ``animerec evaluate --feedback-rounds``);
2. a retrain runs on the base + their lists + all votes so far (the product's
   retrain job, with its fixed gate users held out);
3. printed: the gate's Recall@20 (everyone else: must not degrade), and the feedback
   givers' Recall@20 on their still-hidden titles, with their votes folded in, under
   the retrained model and under the round-0 model (fold-in only). The difference is
   what retraining adds on top of serve-time fold-in.

    .venv/bin/python benchmarks/feedback_loop.py --rounds 3 --people 400
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recommender.artifact import load_model
from recommender.datasets import load_dataset
from recommender.interactions import Interactions
from recommender.model import Recommender
from recommender.retrain_job import JobSpec, run_job, save_interactions
from recommender.types import Filters, ListEntry, Status

LIKE_SCORE = 7
PAGE = 10


class Person:
    """One simulated product user: their linked list, hidden liked titles, votes."""

    def __init__(self, uid: int, entries: list[ListEntry], hidden: set[int]) -> None:
        self.uid = uid
        self.entries = entries
        self.hidden = hidden
        self.liked: set[int] = set()
        self.disliked: set[int] = set()

    def rows(self) -> Interactions:
        votes = [ListEntry(a, Status.LIKED) for a in self.liked]
        votes += [ListEntry(a, Status.DISLIKED) for a in self.disliked]
        return Interactions.from_entries(-self.uid - 1, [*self.entries, *votes])


def make_people(data: Interactions, n: int, seed: int) -> tuple[list[Person], np.ndarray]:
    rng = np.random.default_rng(seed)
    users = np.unique(data.user_ids)
    chosen = np.sort(rng.choice(users, size=min(n, len(users) // 4), replace=False))
    people = []
    for uid in chosen:
        rows = np.flatnonzero(data.user_ids == uid)
        liked = rows[data.score[rows] >= LIKE_SCORE]
        if len(liked) < 5:
            continue
        hide = set(rng.choice(liked, size=max(1, round(0.2 * len(liked))), replace=False))
        entries = [
            ListEntry(int(data.anime_ids[r]), Status(int(data.status[r])), int(data.score[r]))
            for r in rows
            if r not in hide
        ]
        people.append(Person(int(uid), entries, {int(data.anime_ids[r]) for r in hide}))
    return people, chosen


def give_feedback(model: Recommender, people: list[Person], pages: int) -> int:
    hits = 0
    for person in people:
        shown: set[int] = set()
        for _ in range(pages):
            picks = model.recommend(
                person.entries,
                PAGE,
                Filters(allow_nsfw=True),
                liked=person.liked,
                disliked=person.disliked,
                exclude=shown,
            )
            for pick in picks:
                shown.add(pick.anime_id)
                if pick.anime_id in person.hidden:
                    person.liked.add(pick.anime_id)
                    hits += 1
                else:
                    person.disliked.add(pick.anime_id)
    return hits


def recall_still_hidden(model: Recommender, people: list[Person]) -> float:
    recalls = []
    for person in people:
        left = person.hidden - person.liked
        if not left:
            continue
        picks = model.recommend(
            person.entries,
            20,
            Filters(allow_nsfw=True),
            liked=person.liked,
            disliked=person.disliked,
        )
        hits = sum(p.anime_id in left for p in picks)
        recalls.append(hits / min(20, len(left)))
    return float(np.mean(recalls)) if recalls else float("nan")


def write_base(folder: Path, data: Interactions, anime: Path | None) -> None:
    lines = ["user_id,anime_id,rating"]
    score = np.where(data.score > 0, data.score.astype(np.int16), -1)
    lines += [f"{u},{a},{s}" for u, a, s in zip(data.user_ids, data.anime_ids, score, strict=True)]
    (folder / "rating.csv").write_text("\n".join(lines) + "\n")
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    (folder / "anime.csv.gz").symlink_to((anime or sample / "anime.csv.gz").resolve())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ratings", type=Path)
    parser.add_argument("--anime", type=Path)
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=int, default=2, help="pages each person rates per round")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    dataset = load_dataset(ratings=args.ratings, anime=args.anime, progress=False)
    people, chosen = make_people(dataset.interactions, args.people, args.seed)
    base_rows = dataset.interactions.subset(~np.isin(dataset.interactions.user_ids, chosen))
    with tempfile.TemporaryDirectory(prefix="feedback-loop-") as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        write_base(base, base_rows, args.anime)
        product_file = Path(tmp) / "product.npz"
        print(
            f"{len(people)} feedback givers, {len(np.unique(base_rows.user_ids)):,} base users; "
            f"{args.pages} pages of {PAGE} per person per round"
        )
        print(
            f"{'round':>5} {'gate R@20':>9} {'givers R@20':>11} {'(round-0 model)':>15} "
            f"{'votes':>7} {'hits':>5} {'train s':>7}"
        )
        first: Recommender | None = None
        model: Recommender | None = None
        for round_no in range(args.rounds + 1):
            save_interactions(product_file, Interactions.concat([p.rows() for p in people]))
            started = time.perf_counter()
            result = run_job(
                JobSpec(
                    models_dir=str(Path(tmp) / "models"),
                    base_folder=str(base),
                    product_file=str(product_file),
                )
            )
            model = load_model(Path(result.path))
            first = first or model
            seconds = time.perf_counter() - started
            votes = sum(len(p.liked) + len(p.disliked) for p in people)
            hits = sum(len(p.liked) for p in people)
            givers_now = recall_still_hidden(model, people)
            givers_first = recall_still_hidden(first, people)
            print(
                f"{round_no:>5} {result.new_metrics['recall@20']:>9.4f} {givers_now:>11.4f} "
                f"{givers_first:>15.4f} {votes:>7,} {hits:>5,} {seconds:>7.1f}"
            )
            if round_no < args.rounds:
                give_feedback(model, people, args.pages)


if __name__ == "__main__":
    main()
