"""Shared pieces of the exercise checkers (see ``vtpu_lib.check``)."""


from __future__ import annotations

from ..asm import assemble
from ..errors import VtpuError
from ..program import Program
from ..sim import Machine
from ..trace import Trace


class ExerciseIncomplete(VtpuError):
    """The exercise has not been attempted yet."""


class ExerciseFailed(VtpuError):
    """The answer runs but does not meet the exercise's goal."""


def _call(name: str, fn, *args):
    try:
        return fn(*args)
    except NotImplementedError:
        raise ExerciseIncomplete(
            f"exercise {name}: not done yet -- replace `raise NotImplementedError` in the cell above "
            "with your answer, run that cell, then run this one again",
            hint="the notebook's text above the exercise says what to aim for") from None
    except VtpuError as e:
        raise ExerciseFailed(f"exercise {name}: your answer raised an error:\n{e}") from None


def _program(name: str, text) -> Program:
    if not isinstance(text, str):
        raise ExerciseFailed(f"exercise {name}: expected the program as text (a str), got {type(text).__name__}")
    try:
        return assemble(text, file=f"exercise_{name}.siw")
    except VtpuError as e:
        raise ExerciseFailed(f"exercise {name}: your program does not assemble:\n{e}") from None


def _run(name: str, program: Program, config="seed", **kw) -> Trace:
    try:
        m = Machine(config, max_cycles=100_000, **kw)
        m.load(program)
        return m.run()
    except VtpuError as e:
        raise ExerciseFailed(f"exercise {name}: your program failed while running:\n{e}") from None


def _fail(name: str, message: str, hint: str | None = None):
    raise ExerciseFailed(f"exercise {name}: {message}", hint=hint)


def _ok(name: str, message: str) -> None:
    print(f"exercise {name} passed: {message}")


def _expect_r(name: str, trace: Trace, reg: str, want: float, sentron=None) -> None:
    regs = trace.info(sentron).registers if sentron is not None else trace.sentrons[0].registers
    got = regs[reg]
    if got != want:
        _fail(name, f"{reg} = {got!r} at the end, expected {want!r}")
