"""What putting live metadata into service costs, at the full 2020 catalogue.

The shipped 17,562-anime catalog and a synthetic model of the default shapes (as
``benchmarks/serve.py`` builds it). For 20 anime given relations and cover art:

* ours: ``Catalog.with_meta`` + ``Recommender.with_catalog`` (arrays shared) + the first
  cold page after it (which builds the franchise index), what one refresh swap costs;
* naive, same run: ``Recommender(arrays, new catalog)`` (every derived table rebuilt) and
  ``artifact.load_model`` (reloading the model to pick the metadata up).

Usage::

    python benchmarks/live_meta.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from serve import child_build  # noqa: E402

from recommender.artifact import load_model  # noqa: E402
from recommender.catalog import Anime  # noqa: E402
from recommender.model import Recommender  # noqa: E402


def _best(repeat: int, work: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        built = child_build(tmp)
        model = load_model(Path(built["path"]))
        model.recommend([], 10)  # warm: franchise index and filter masks built
        lacking = [a for a in model.catalog if not (a.relations or a.picture_url)][:20]
        meta = {
            a.anime_id: Anime(
                a.anime_id,
                a.title,
                picture_url=f"https://cdn.myanimelist.net/images/anime/1/{a.anime_id}l.jpg",
                relations=(("Prequel", lacking[0].anime_id),) if i else (),
            )
            for i, a in enumerate(lacking)
        }

        def ours() -> None:
            twin = model.with_catalog(model.catalog.with_meta(meta))
            twin.recommend([], 10)

        def naive_init() -> None:
            fresh = Recommender(
                model.arrays, model.catalog.with_meta(meta), model.info, model.params
            )
            fresh.recommend([], 10)

        def naive_reload() -> None:
            load_model(Path(built["path"])).recommend([], 10)

        ours_ms = _best(args.repeat, ours)
        init_ms = _best(args.repeat, naive_init)
        reload_ms = _best(args.repeat, naive_reload)
    print(f"catalog {built['catalog']} anime, model {built['items']} items, 20 anime updated")
    print(f"ours   with_meta + with_catalog + first page : {ours_ms:8.1f} ms")
    print(
        f"naive  Recommender(arrays, catalog) + page   : {init_ms:8.1f} ms"
        f"  ({init_ms / ours_ms:.1f}x ours)"
    )
    print(
        f"naive  load_model + page                     : {reload_ms:8.1f} ms"
        f"  ({reload_ms / ours_ms:.1f}x ours)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
