"""Training on Spark, for data that lives in a cluster (``animerec train --engine spark``).

The same model as :mod:`recommender.train` (stage 1: ALS blended with EASE), the same
artifact, computed where the rows are:

* :mod:`.weights`: the weighting policy (:mod:`recommender.weighting`) as one SQL
  ``CASE`` expression (no pyspark needed to build it);
* :mod:`.frames`: reading the Kaggle schema from CSV or Parquet, the checks, the
  weights, the model's anime, the long-list cap, the sample of people (the hash rule
  of :mod:`recommender.people_sample`), MLlib ALS (implicit preferences) and the EASE
  Gram matrix ``XᵀX`` (``RowMatrix.computeGramianMatrix``);
* :mod:`.job`: one training run in its own process (the JVM's memory goes with it):
  collects the item factors and the Gram, inverts EASE on the driver, writes the
  artifact with :func:`recommender.artifact.write_artifact`;
* :mod:`.runner`: starts that process (no pyspark import: ``animerec train`` stays
  importable without the ``spark`` extra).

pyspark is imported only under this package (tests/unit/test_architecture.py).
"""
