"""A REPL session: ``Session().execute(line) -> str``, the pure core of every front end.

The terminal loop (``loop.py``) and the notebook widget both hand it one line at a time and print
what it returns. A user's mistake never raises: any :class:`~vtpu_lib.errors.VtpuError` comes back
as one line, ``error: what (hint: how)``, and the session goes on with its state unchanged. Only
``quit`` (or the loop's end of input) ends it: ``execute`` sets :attr:`Session.done`.

Undo: before a command that changes the machine, the session keeps a copy of its whole
:class:`~vtpu_lib.repl.state.State` (as ``Machine.fork`` copies a machine); ``undo`` puts the
last one back. A command that fails is undone at once, so a half-finished SIW leaves no trace.
"""

from __future__ import annotations

import copy
from collections import deque

from ..errors import VtpuError
from .args import Args, ReplError, render_error, split_line
from .commands import lookup
from .state import State, new_machine, plural


class Session:
    """The state of one REPL: a machine with sentron ``s0`` at the origin, as asi starts."""

    undo_depth = 100   # copies kept for undo (each is a whole machine)

    def __init__(self, config="seed", *, mode: str = "vliw", seed: int = 0):
        machine, active = new_machine(config, mode, seed)   # a bad preset or mode: ConfigError here
        self.config, self.mode, self.seed = machine.config, mode, seed
        self.state = State(machine, active)
        self.done = False
        self._undo: deque[tuple[str, State]] = deque(maxlen=self.undo_depth)

    @property
    def prompt(self) -> str:
        return f"vtpu[{self.state.active}]> "

    def execute(self, line: str) -> str:
        """Carry out one line; returns what it prints (``""`` for a blank line or a comment)."""
        try:
            return self._execute(line)
        except VtpuError as e:
            return render_error(e)

    def _execute(self, line: str) -> str:
        word, words, rest = split_line(line)
        if not word:
            return ""
        cmd = lookup(word)
        if cmd.max_args is not None and len(words) > cmd.max_args:
            most = "no arguments" if cmd.max_args == 0 else f"at most {plural(cmd.max_args, 'argument')}"
            raise ReplError(f"{cmd.name} takes {most}, got {len(words)}",
                            hint=f"usage: {cmd.usage}" + (f"; e.g. {cmd.example}" if cmd.example else ""))
        args = Args(cmd, words, rest)
        if not cmd.changes:
            return cmd.fn(self, args)
        before = copy.deepcopy(self.state)
        note = ""
        if cmd.detaches and self.state.stepper is not None:
            note = (f"\n(the program {self.state.program} is no longer stepped: its machine goes on from cycle "
                    f"{self.state.machine.cycle:,}; `undo` returns to stepping it)")
            self.state.stepper = None
        try:
            out = cmd.fn(self, args)
        except BaseException:
            self.state = before   # a failed command changes nothing
            raise
        self._undo.append((" ".join(line.split()), before))
        return out + note

    def undo(self) -> str:
        if not self._undo:
            raise ReplError("nothing to undo", hint="undo takes back write, set, the ops, spawn, load, step, run ...")
        line, self.state = self._undo.pop()
        left = len(self._undo)
        return f"undid {line!r}" + (f" ({plural(left, 'more step')} can be undone)" if left else "")

    def __repr__(self) -> str:
        st = self.state
        where = f", stepping {st.program} at cycle {st.stepper.cycle}" if st.stepper else ""
        return (f"Session({self.config.name!r}, {self.mode}: {plural(len(st.machine.sentrons), 'sentron')}, "
                f"active {st.active}, cycle {st.machine.cycle}{where}, {len(self._undo)} undo step(s))")


__all__ = ["Session", "render_error"]
