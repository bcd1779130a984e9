"""EASE / EDLAE variants and the blend with its EASE part swapped (issue 13, item 3).

Same protocol as ``animerec evaluate`` (recommender/evaluate.py: same split, same masking).
The item-item rows share one Gram matrix of the split's binary train matrix (as the EASE
baseline, recommender/baselines.py); each is refitted from a copy. Prints one JSON line.

    PYTHONPATH=. OPENBLAS_NUM_THREADS=1 .venv/bin/python scripts/ease_variants.py --seed 0 \\
        --ease 200:0,200:0.25 --edlae 200:0.25,200:0.25:0.5 --blend 200:0.1,200:0.25

A spec is ``lam:kappa[:emphasis]`` for ``--ease`` and ``--blend``, ``lam:p[:emphasis]`` for
``--edlae`` (kappa = p/(1-p)); emphasis defaults to 1 (EDLAE's closed form, zero diagonal).
``--blend`` rows train ``als+ease`` with those EASE settings; ``--default-blend`` adds the
blend as it ships; ``--ranked`` trains those rows as the two-stage default (``als+ease+rank``).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray
from split_options import add_split_options, load_split

from recommender.baselines import EaseBaseline, binary_matrix
from recommender.catalog import Catalog
from recommender.ease import dropout_kappa, ease_from_gram, gram
from recommender.evaluate import ModelScorer, evaluate_scorer
from recommender.interactions import Interactions
from recommender.params import TrainParams


class _GramEase(EaseBaseline):
    """The EASE baseline's scoring over a shared Gram matrix, any lam / kappa / emphasis."""

    def __init__(
        self,
        name: str,
        g: NDArray[np.float32],
        item_ids: NDArray[np.int64],
        spec: tuple[float, float, float],
    ) -> None:
        super().__init__(spec[0])
        self.name = name
        self._g = g
        self._ids = item_ids
        self.kappa, self.emphasis = spec[1], spec[2]

    def fit(self, train: Interactions, catalog: Catalog) -> None:
        self._set_items(self._ids)
        self._b = ease_from_gram(self._g.copy(), self.lam, self.kappa, 1, self.emphasis)


def _specs(text: str, dropout: bool) -> list[tuple[str, tuple[float, float, float]]]:
    """``"200:0.25,100:0.5:0.5"`` -> named (lam, kappa, emphasis) triples."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        values = [float(v) for v in part.split(":")]
        lam, second = values[0], values[1]
        emphasis = values[2] if len(values) > 2 else 1.0
        kappa = dropout_kappa(second) if dropout else second
        label = f"p{second:g}" if dropout else f"kappa{second:g}"
        tail = "" if emphasis == 1.0 else f"-emph{emphasis:g}"
        out.append((f"lam{lam:g}-{label}{tail}", (lam, kappa, emphasis)))
    return out


def main() -> int:
    """Run the rows and print them as JSON."""
    ap = argparse.ArgumentParser(description=__doc__)
    add_split_options(ap)
    ap.add_argument("--ease", default="", help="item-item rows lam:kappa[:emphasis],...")
    ap.add_argument("--edlae", default="", help="item-item rows lam:p[:emphasis],...")
    ap.add_argument("--blend", default="", help="als+ease rows lam:kappa[:emphasis],...")
    ap.add_argument("--default-blend", action="store_true", help="also the blend as shipped")
    ap.add_argument("--ranked", action="store_true", help="blend rows with the second stage")
    args = ap.parse_args()

    def say(m: str) -> None:
        print(f"ease_variants: {m}", file=sys.stderr, flush=True)

    catalog, split = load_split(args)
    say(f"{len(split.inputs)} test users, seed {args.seed}")
    x, item_ids = binary_matrix(split.train)
    g = gram(x, threads=1)
    rows: dict[str, dict[str, float]] = {}
    items = _specs(args.ease, dropout=False) + _specs(args.edlae, dropout=True)
    for name, spec in items:
        scorer = _GramEase(name, g, item_ids, spec)
        rows[name] = evaluate_scorer(scorer, split, catalog)
        rows[name].update(lam=spec[0], kappa=spec[1], emphasis=spec[2])
        say(f"{name}: {rows[name]}")
    shipped = TrainParams(seed=args.seed)
    kind = "ranked"
    if not args.ranked:
        shipped, kind = replace(shipped, algorithm="als+ease"), "blend"
    blends = [(kind, None)] if args.default_blend else []
    blends += [(f"{kind}-{name}", spec) for name, spec in _specs(args.blend, dropout=False)]
    for name, blend_spec in blends:
        params = shipped
        if blend_spec is not None:
            lam, kappa, emphasis = blend_spec
            params = replace(shipped, ease_lambda=lam, ease_kappa=kappa, ease_emphasis=emphasis)
        rows[name] = evaluate_scorer(ModelScorer(name, params), split, catalog)
        rows[name].update(
            lam=params.ease_lambda, kappa=params.ease_kappa, emphasis=params.ease_emphasis
        )
        say(f"{name}: {rows[name]}")
    data_name = str(args.ratings or args.folder or "shipped sample")
    out = {"seed": args.seed, "test_users": len(split.inputs), "data": data_name, "rows": rows}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
