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

_RED, _YELLOW, _BOLD, _RESET = "\x1b[31m", "\x1b[33m", "\x1b[1m", "\x1b[0m"


class _Feedback(VtpuError):
    """An exercise outcome shown as a short coloured message, not a traceback: IPython calls
    ``_render_traceback_`` instead of formatting the stack (internal errors keep theirs)."""
    _colour = _RED

    def _hint_lines(self) -> list[str]:
        return [("  hint: " if i == 0 else "        ") + h for i, h in enumerate((self.hint or "").splitlines())]

    def render(self) -> str:
        return "\n".join([self.message] + self._hint_lines())

    def _render_traceback_(self) -> list[str]:
        head, *rest = self.message.splitlines() or [""]
        return ([f"{_BOLD}{self._colour}{head}{_RESET}"] + [f"{self._colour}{line}{_RESET}" for line in rest]
                + [f"{_YELLOW}{line}{_RESET}" for line in self._hint_lines()])


class ExerciseIncomplete(_Feedback):
    """The exercise has not been attempted yet."""
    _colour = _YELLOW


class ExerciseFailed(_Feedback):
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


def _with_init(program: Program, registers: dict, *, learner_wins: bool) -> Program:
    codes = []
    for code in program.sentrons:
        given = {reg(r, "r"): float(v) for r, v in registers.get(code.name, {}).items()}
        init = {**given, **dict(code.init)} if learner_wins else {**dict(code.init), **given}
        codes.append(dataclasses.replace(code, init=tuple(init.items())))
    return dataclasses.replace(program, sentrons=tuple(codes))


def _preset(program: Program, registers: dict) -> Program:
    """``program`` with r registers preset by the checker, ``{sentron name: {"r1": 3.0}}``: as if
    ``.set`` lines opened those sections, so the learner's own ``.set`` lines still win."""
    return _with_init(program, registers, learner_wins=True)


def _override(program: Program, registers: dict) -> Program:
    """``program`` with r registers set by the checker *over* the learner's own ``.set`` lines: a
    second filling of the inputs, so that an answer must compute its result, not hold it."""
    return _with_init(program, registers, learner_wins=False)


def _run(name: str, program: Program, config="seed", **kw) -> Trace:
    try:
        m = Machine(config, max_cycles=100_000, **kw)
        m.load(program)
        return m.run()
    except VtpuError as e:
        raise ExerciseFailed(f"exercise {name}: your program failed while running:\n{e}") from None


def _names_used(fn, names) -> list[str]:
    """Which of ``names`` ``fn``'s code refers to (globals and attributes, read from its bytecode,
    nested functions included); a local variable of that name does not count."""
    import types
    code = getattr(fn, "__code__", None)
    found, stack = set(), [code] if code is not None else []
    while stack:
        co = stack.pop()
        stack += [c for c in co.co_consts if isinstance(c, types.CodeType)]
        found |= set(co.co_names) & set(names)
    return sorted(found)


def _fail(name: str, message: str, hint: str | None = None):
    raise ExerciseFailed(f"exercise {name}: {message}", hint=hint)


def _ok(name: str, message: str, measured: Mapping) -> CheckPassed:
    return CheckPassed(name, message, measured)


def _expect_r(name: str, trace: Trace, reg: str, want: float, sentron=None, when: str = "") -> None:
    regs = trace.info(sentron).registers if sentron is not None else trace.sentrons[0].registers
    got = regs[reg]
    if got != want:
        _fail(name, f"{when}{reg} = {got!r} at the end, expected {want!r}")


def _stall_cycles(trace: Trace, sentron=None) -> list[int]:
    """The cycles in which a sentron stalled (from the slot rows of the event log)."""
    return [cycle for cycle, reason, _ in trace.slot_rows(sentron) if reason]


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _judge(name: str, parts: list[tuple], reveal: bool, detail: str = "", answer=None) -> None:
    """Fail a prediction by naming its wrong parts -- not the measured values, unless ``reveal``.

    ``parts``: ``(label, predicted, measured, right, hint)`` for each part of the prediction (``hint``:
    a string or a tuple of them; repeated hints are shown once);
    ``detail``: more of the measurement, shown only with ``reveal``; ``answer``: the learner's
    function, named in the line that says how to ask for the measurement."""
    wrong = [p for p in parts if not p[3]]
    if not wrong:
        return
    verb = "is" if len(wrong) == 1 else "are"
    message = f"not yet: your {_join([p[0] for p in wrong])} {verb} wrong"
    right = [p[0] for p in parts if p[3]]
    if right:
        message += f" ({_join(right)} {'is' if len(right) == 1 else 'are'} right)"
    if reveal:
        message += "\nmeasured: " + ", ".join(f"{label} {real}" for label, _, real, *_ in parts)
        message += f"\n{detail}" if detail else ""
    else:
        fn = getattr(answer, "__name__", "")
        fn = fn if fn.isidentifier() else "your_function"
        message += (f"\nstuck? check.exercise_{name.replace('.', '_')}({fn}, reveal=True) "
                    "shows the measurement")
    hints = list(dict.fromkeys(h for p in wrong for h in ((p[4],) if isinstance(p[4], str) else p[4] or ()) if h))
    _fail(name, message, hint="\n".join(hints) or None)
