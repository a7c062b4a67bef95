"""Checkers for the exercises: ``check.exercise_3_1(student_fn)`` in an exercise cell.

A checker calls the learner's function, runs what it returns on the simulator and either
returns a :class:`CheckPassed` -- shown as ``exercise 3.1 passed: ...`` when it is the last
line of a cell, and readable like a dict of what was measured -- or raises:

* :class:`ExerciseIncomplete` -- the function still raises ``NotImplementedError``;
* :class:`ExerciseFailed` -- it runs but misses the goal; the message says by how much and
  what to look at.

Both render in a notebook as a short coloured message, not a traceback (``_render_traceback_``).
A prediction that is wrong is told which of its parts are wrong, never the measured values,
unless the learner asks with ``reveal=True``. Answers that compute a result are run on a
second filling of their inputs, so a hard-coded result fails. ``tests/test_exercise_copies.py``
feeds each checker the nearest code of its notebook and expects a failure; the unit tests run
every checker on the reference solutions in ``solutions/``.
"""

from ._base import CheckPassed, ExerciseFailed, ExerciseIncomplete
from .nb01 import PROGRAM_1_2, exercise_1_1, exercise_1_2
from .nb02 import PROGRAM_2_2, REGISTER_2_2, SCROLLS_2_1, VALUES_2_1, exercise_2_1, exercise_2_2, exercise_2_3
from .nb03 import GOAL_3_1_CYCLES, GOAL_3_2_CYCLES, PRODUCT_VALUES, exercise_3_1, exercise_3_2
from .nb04 import (EXERCISE_4_1_GEOMETRY, EXERCISE_4_1_SCROLLS, EXERCISE_4_2_BUDGET, EXERCISE_4_3_N,
                   EXERCISE_4_3_SHARE, exercise_4_1, exercise_4_2, exercise_4_3)
from .nb05 import exercise_5_1, exercise_5_2
from .nb06 import FAR_SHARE_6_2, GOAL_6_1_CYCLES, MAX_VALUES, exercise_6_1, exercise_6_2
from .nb07 import (INPUTS_7_2, MIX_7_2, PARTS_7_1, PROGRAM_7_1, SECOND_INPUTS_7_2, SHARE_7_2, exercise_7_1,
                   exercise_7_2)
from .nb09 import (CHALLENGE_9_1, CONFIG_9_1, GOAL_9_1_PCT, PPT_SIZES_9_2, SEEDS_9_1, STALL_GOAL_9_2, exercise_9_1,
                   exercise_9_2)
from .nb08 import (GOAL_8_1_CYCLES, PACKER_8_1_CYCLES, PROGRAM_8_1, PROGRAM_8_2, SECOND_MEMORY_8_1, exercise_8_1,
                   exercise_8_2)

__all__ = [
    "CheckPassed", "ExerciseFailed", "ExerciseIncomplete",
    "exercise_1_1", "exercise_1_2", "PROGRAM_1_2",
    "exercise_2_1", "exercise_2_2", "exercise_2_3", "SCROLLS_2_1", "VALUES_2_1", "PROGRAM_2_2", "REGISTER_2_2",
    "exercise_3_1", "exercise_3_2", "PRODUCT_VALUES", "GOAL_3_1_CYCLES", "GOAL_3_2_CYCLES",
    "exercise_4_1", "exercise_4_2", "exercise_4_3",
    "EXERCISE_4_1_SCROLLS", "EXERCISE_4_1_GEOMETRY", "EXERCISE_4_2_BUDGET", "EXERCISE_4_3_N", "EXERCISE_4_3_SHARE",
    "exercise_5_1", "exercise_5_2",
    "exercise_6_1", "exercise_6_2", "MAX_VALUES", "GOAL_6_1_CYCLES", "FAR_SHARE_6_2",
    "exercise_7_1", "exercise_7_2", "PROGRAM_7_1", "PARTS_7_1", "MIX_7_2", "SHARE_7_2", "INPUTS_7_2",
    "SECOND_INPUTS_7_2",
    "exercise_8_1", "exercise_8_2", "PROGRAM_8_1", "SECOND_MEMORY_8_1", "GOAL_8_1_CYCLES", "PACKER_8_1_CYCLES",
    "PROGRAM_8_2",
    "exercise_9_1", "exercise_9_2", "CHALLENGE_9_1", "SEEDS_9_1", "GOAL_9_1_PCT", "CONFIG_9_1", "PPT_SIZES_9_2",
    "STALL_GOAL_9_2",
]
