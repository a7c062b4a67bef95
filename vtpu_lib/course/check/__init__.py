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

__all__ = [
    "CheckPassed", "ExerciseFailed", "ExerciseIncomplete",
    "exercise_1_1", "exercise_1_2", "PROGRAM_1_2",
    "exercise_2_1", "exercise_2_2", "exercise_2_3", "SCROLLS_2_1", "VALUES_2_1", "PROGRAM_2_2", "REGISTER_2_2",
    "exercise_3_1", "exercise_3_2", "PRODUCT_VALUES", "GOAL_3_1_CYCLES", "GOAL_3_2_CYCLES",
    "exercise_4_1", "exercise_4_2", "exercise_4_3",
    "EXERCISE_4_1_SCROLLS", "EXERCISE_4_1_GEOMETRY", "EXERCISE_4_2_BUDGET", "EXERCISE_4_3_N", "EXERCISE_4_3_SHARE",
    "exercise_5_1", "exercise_5_2",
    "exercise_6_1", "exercise_6_2", "MAX_VALUES", "GOAL_6_1_CYCLES", "FAR_SHARE_6_2",
]
