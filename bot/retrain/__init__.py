"""The learning loop: retrain on the base data plus linked lists and 👍/👎, gated, swapped in.

- :mod:`bot.retrain.product_data`: what the product adds (lists, votes, anime the catalog lacks);
- :mod:`bot.retrain.retrainer`: one retrain in a child process, the gate, the swap;
- :mod:`bot.retrain.schedule`: when ``animerec run`` retrains;
- :mod:`bot.retrain.metadata`: between retrains, live metadata for anime the catalog lacks it for;
- :mod:`bot.retrain.lease`: one replica retrains at a time (the PostgreSQL store's lease);
- :mod:`bot.retrain.watch`: every replica swaps in a new ``CURRENT`` from the shared folder.
"""

from bot.retrain.lease import RetrainLease
from bot.retrain.retrainer import Retrainer, RetrainOutcome
from bot.retrain.schedule import RetrainSchedule, retrain_schedule
from bot.retrain.watch import ModelWatcher, watch_models

__all__ = [
    "ModelWatcher",
    "RetrainLease",
    "RetrainOutcome",
    "RetrainSchedule",
    "Retrainer",
    "retrain_schedule",
    "watch_models",
]
