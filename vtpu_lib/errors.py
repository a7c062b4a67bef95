"""Errors a learner can cause, each saying what, where and how to fix it.

``VtpuError`` is the root of everything a user can trigger (a typo in a program, a bad
coordinate, a runaway or deadlocked run, a corrupt file). A broken internal invariant raises
:class:`VtpuInternalError` instead, which is deliberately *not* a ``VtpuError``: if one
fires, it is a bug in vtpu_lib, not in the learner's program (PyRTL's split).
"""

from __future__ import annotations


class VtpuError(Exception):
    """Anything a user of vtpu_lib can cause. Rendered as one readable message."""

    def __init__(self, message: str, *, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        return self.message + (f"\n  hint: {self.hint}" if self.hint else "")


class VtpuInternalError(Exception):
    """A broken invariant inside vtpu_lib: please report it (it is never the user's fault)."""


class CoordError(VtpuError, ValueError):
    """A phext coordinate that cannot be parsed or is out of range."""


class ConfigError(VtpuError, ValueError):
    """An invalid machine configuration (latency, PPT geometry, preset name...)."""


class AsmError(VtpuError):
    """A program that does not assemble, located like a compiler error.

    Renders as ``prog.siw:7:12: unknown op 'ad' (did you mean 'add'?)`` followed by the
    source line and a caret under column ``col`` (1-based).
    """

    def __init__(self, message: str, *, file: str = "<program>", line: int = 0, col: int = 1,
                 source_line: str = "", hint: str | None = None):
        self.file, self.line, self.col, self.source_line = file, line, col, source_line
        super().__init__(message, hint=hint)

    def render(self) -> str:
        head = f"{self.file}:{self.line}:{self.col}: {self.message}"
        if self.source_line:
            caret = " " * (self.col - 1) + "^"
            head += f"\n    {self.source_line}\n    {caret}"
        return head + (f"\n  hint: {self.hint}" if self.hint else "")


class ProgramError(VtpuError):
    """A hand-built :class:`~vtpu_lib.program.Program` that is malformed (``Program.check()``):
    names the sentron, the SIW and the slot."""

    def __init__(self, message: str, *, sentron: str | None = None, pc: int | None = None,
                 slot: str | None = None, hint: str | None = None):
        self.sentron, self.pc, self.slot = sentron, pc, slot
        super().__init__(message, hint=hint)

    def render(self) -> str:
        where = []
        if self.sentron is not None:
            where.append(f"sentron {self.sentron}")
        if self.pc is not None:
            where.append(f"SIW {self.pc}")
        if self.slot is not None:
            where.append(f"{self.slot} slot")
        head = (", ".join(where) + ": " if where else "") + self.message
        return head + (f"\n  hint: {self.hint}" if self.hint else "")


class SimError(VtpuError):
    """A run that cannot go on: names the cycle, the sentron and the instruction."""

    def __init__(self, message: str, *, cycle: int, sentron: str | None = None,
                 pc: int | None = None, instr: str | None = None, hint: str | None = None):
        self.cycle, self.sentron, self.pc, self.instr = cycle, sentron, pc, instr
        super().__init__(message, hint=hint)

    def render(self) -> str:
        where = f"cycle {self.cycle}"
        if self.sentron is not None:
            where += f", sentron {self.sentron}"
        if self.pc is not None:
            where += f", SIW {self.pc}"
        text = f"{where}: {self.message}"
        if self.instr:
            text += f"\n    {self.instr}"
        return text + (f"\n  hint: {self.hint}" if self.hint else "")


class RunLimitError(SimError):
    """The run hit ``max_cycles`` before every sentron retired."""


class DeadlockError(SimError):
    """Every live sentron is waiting and nothing is in flight: the run can never finish."""


class ScheduleError(VtpuError):
    """A program the scheduler cannot transform as asked (too many live values for the registers,
    a loop it cannot pipeline, a schedule that breaks a dependence): names the sentron and the op."""

    def __init__(self, message: str, *, sentron: str | None = None, hint: str | None = None):
        self.sentron = sentron
        super().__init__(message, hint=hint)

    def render(self) -> str:
        head = (f"sentron {self.sentron}: " if self.sentron else "") + self.message
        return head + (f"\n  hint: {self.hint}" if self.hint else "")


class PhextFileError(VtpuError):
    """A memory file that cannot be saved or loaded (memory is left untouched)."""


__all__ = ["VtpuError", "VtpuInternalError", "CoordError", "ConfigError", "AsmError", "ProgramError",
           "SimError", "RunLimitError", "DeadlockError", "ScheduleError", "PhextFileError"]
