"""Shared pieces of the exercise checkers (see ``vtpu_lib.course.check``)."""


from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ...asm import assemble
from ...build import reg
from ...errors import VtpuError
from ...machine import Machine
from ...program import Program
from ...trace import Trace

__all__ = ["CheckPassed", "ExerciseFailed", "ExerciseIncomplete"]


class ExerciseIncomplete(VtpuError):
    """The exercise has not been attempted yet."""


class ExerciseFailed(VtpuError):
    """The answer runs but does not meet the exercise's goal."""


@dataclass(frozen=True, slots=True, eq=False)
class CheckPassed(Mapping):
    """What a checker returns when the answer passes: its repr is the pass message (the last
    line of a notebook cell shows it), and it reads like a dict of what was measured."""
    name: str
    message: str
    measured: Mapping = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "measured", MappingProxyType(dict(self.measured)))

    def __getitem__(self, key):
        return self.measured[key]

    def __iter__(self):
        return iter(self.measured)

    def __len__(self) -> int:
        return len(self.measured)

    def __repr__(self) -> str:
        return f"exercise {self.name} passed: {self.message}"

    __str__ = __repr__


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


def _preset(program: Program, registers: dict) -> Program:
    """``program`` with r registers preset by the checker, ``{sentron name: {"r1": 3.0}}``: as if
    ``.set`` lines opened those sections, so the learner's own ``.set`` lines still win."""
    codes = []
    for code in program.sentrons:
        init = {reg(r, "r"): float(v) for r, v in registers.get(code.name, {}).items()}
        init.update(code.init)
        codes.append(dataclasses.replace(code, init=tuple(init.items())))
    return dataclasses.replace(program, sentrons=tuple(codes))


def _run(name: str, program: Program, config="seed", **kw) -> Trace:
    try:
        m = Machine(config, max_cycles=100_000, **kw)
        m.load(program)
        return m.run()
    except VtpuError as e:
        raise ExerciseFailed(f"exercise {name}: your program failed while running:\n{e}") from None


def _fail(name: str, message: str, hint: str | None = None):
    raise ExerciseFailed(f"exercise {name}: {message}", hint=hint)


def _ok(name: str, message: str, measured: Mapping) -> CheckPassed:
    return CheckPassed(name, message, measured)


def _expect_r(name: str, trace: Trace, reg: str, want: float, sentron=None) -> None:
    regs = trace.info(sentron).registers if sentron is not None else trace.sentrons[0].registers
    got = regs[reg]
    if got != want:
        _fail(name, f"{reg} = {got!r} at the end, expected {want!r}")
