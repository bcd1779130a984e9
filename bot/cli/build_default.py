"""``animerec build-default``: a model in service, building the embedded default if there is none.

The default is trained on the shipped sample (``data/sample``) the same way a
retrain trains (the fixed gate users held out), so later retrains compare with it
fairly. Nothing is fetched: it works offline on a fresh clone.
"""

from __future__ import annotations

import argparse
import logging

from bot.config import Settings
from recommender.artifact import ArtifactError, load_current, set_current
from recommender.retrain_job import JobSpec, run_job

__all__ = ["add_arguments", "ensure_model", "run"]

log = logging.getLogger(__name__)


def ensure_model(settings: Settings, *, rebuild: bool = False) -> str:
    """The version in service, after building the default when there is none (or it is broken)."""
    models_dir = settings.layout.models_dir
    if not rebuild:
        try:
            return load_current(models_dir).info.version
        except ArtifactError as error:
            print(f"animerec: no usable model yet ({error}); building the embedded default...")
    spec = JobSpec(
        models_dir=str(models_dir),
        base_folder=str(settings.kaggle_dir) if settings.kaggle_dir else None,
    )
    result = run_job(spec, progress=True)
    set_current(models_dir, result.version)
    recall = result.new_metrics["recall@20"]
    print(
        f"animerec: built {result.version} (held-out Recall@20 {recall:.3f}) "
        f"in {result.seconds:.0f} s"
    )
    return result.version


def add_arguments(parser: argparse.ArgumentParser, settings: Settings) -> None:
    """``animerec build-default`` options."""
    parser.add_argument("--rebuild", action="store_true", help="build even if a model exists")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Build the default model when missing; print the version in service."""
    version = ensure_model(settings, rebuild=args.rebuild)
    print(f"animerec: model {version} is ready in {settings.layout.models_dir}")
    return 0
