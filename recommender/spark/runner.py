"""Start a Spark training run in a child process (the JVM and its memory leave with it).

No pyspark import here: ``animerec train`` imports this module only for
``--engine spark``, and a missing extra or Java gives one clear message.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from recommender.errors import TrainingError
from recommender.spark.spec import SparkSpec

__all__ = ["check_spark", "train_in_spark"]


def check_spark() -> None:
    """Raise :class:`TrainingError` with the fix when pyspark or Java is missing."""
    if importlib.util.find_spec("pyspark") is None:
        raise TrainingError(
            "--engine spark needs pyspark: pip install 'animerec[spark]' (and Java 17)"
        )
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise TrainingError(
            "--engine spark needs Java 17 (e.g. apt-get install openjdk-17-jre-headless)"
        )


def train_in_spark(spec: SparkSpec) -> Path:
    """Run :mod:`recommender.spark.job` for ``spec``; return the artifact folder."""
    check_spark()
    with tempfile.TemporaryDirectory(prefix="animerec-spark-") as tmp:
        if spec.local_dir is None:
            spec = replace(spec, local_dir=tmp)
        env = {
            **os.environ,
            "TMPDIR": tmp,
            "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
        }
        env.setdefault("PYTHONWARNINGS", "ignore::FutureWarning")
        done = subprocess.run(
            [sys.executable, "-m", "recommender.spark.job", spec.to_json()],
            stdout=subprocess.PIPE,
            env=env,
            check=False,
        )
    out = done.stdout.decode(errors="replace").strip().splitlines()
    if done.returncode != 0 or not out:
        raise TrainingError(f"Spark training failed (exit {done.returncode}); see its log above")
    return Path(out[-1])
