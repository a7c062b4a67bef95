"""What serves particular notebooks, apart from the machine: the course's own code.

* :mod:`~vtpu_lib.course.micro` -- the vTPU idea in one page of plain Python (notebook 01);
* :mod:`~vtpu_lib.course.tour` -- small measurements for the tour of notebooks 00-02;
* :mod:`~vtpu_lib.course.ppt_study` -- the PPT experiments of notebook 04;
* :mod:`~vtpu_lib.course.scenarios` -- the multi-sentron scenarios of notebooks 05 and 06;
* :mod:`~vtpu_lib.course.measuring` -- where the slots go, naive and packed (notebook 07);
* :mod:`~vtpu_lib.course.packing` and :mod:`~vtpu_lib.course.packing_plots` -- list scheduling by hand
  and by the library, unrolling (notebook 08);
* :mod:`~vtpu_lib.course.pipelining` and :mod:`~vtpu_lib.course.pipelining_plots` -- modulo
  schedules, prefetch distance, SMT and the kernel table (notebook 09);
* :mod:`~vtpu_lib.course.check` -- the exercise checkers (``check.exercise_3_1(fn)``).

The dependency points one way: these modules use the core (``vtpu_lib.machine``, ``trace``,
``build``...), the core never imports ``vtpu_lib.course``. Import a module by name, e.g.
``from vtpu_lib.course import ppt_study as ps``; nothing is imported until asked for.
"""

__all__ = ["check", "measuring", "micro", "packing", "packing_plots", "pipelining", "pipelining_plots", "ppt_study", "scenarios",
           "tour"]
