"""Checkers for the exercises: ``check.exercise_3_1(student_fn)`` in an exercise cell.

A checker calls the learner's function, runs what it returns on the simulator and either
prints what was measured (and returns it) or raises:

* :class:`ExerciseIncomplete` -- the function still raises ``NotImplementedError``;
* :class:`ExerciseFailed` -- it runs but misses the goal; the message says by how much and
  what to look at.

The unit tests run every checker on the reference solutions in ``solutions/``.
"""

from ._base import ExerciseFailed, ExerciseIncomplete  # noqa: F401
from .nb01 import *  # noqa: F401,F403
from .nb02 import *  # noqa: F401,F403
from .nb03 import *  # noqa: F401,F403
from .nb04 import *  # noqa: F401,F403
from .nb05 import *  # noqa: F401,F403
from .nb06 import *  # noqa: F401,F403
