"""The learning loop: retrain on the base data plus linked lists and 👍/👎, gated, swapped in.

- :mod:`bot.retrain.product_data`: what the product adds (lists, votes, anime the catalog lacks);
- :mod:`bot.retrain.retrainer`: one retrain in a child process, the gate, the swap;
- :mod:`bot.retrain.schedule`: when ``animerec run`` retrains;
- :mod:`bot.retrain.metadata`: between retrains, live metadata for anime the catalog lacks it for.
"""

from bot.retrain.retrainer import Retrainer, RetrainOutcome
from bot.retrain.schedule import RetrainSchedule, retrain_schedule

__all__ = ["RetrainOutcome", "RetrainSchedule", "Retrainer", "retrain_schedule"]
