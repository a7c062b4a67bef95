"""Step a machine one cycle at a time, forwards and backwards (notebooks 02-05).

The machine always holds the state at the start of ``stepper.cycle``. Forward runs one cycle.
Back restores the nearest snapshot at or before the target (one is kept every
:attr:`Stepper.every` cycles) and replays from there, so a step costs the same at cycle 4,000
as at 10; ops are never run in reverse. A run that fails (a deadlock, a fault, the run limit)
stops the stepper at that cycle with the error kept in :attr:`Stepper.error` -- never raised
from a button. :meth:`Stepper.view` returns plain data (the step-through widget only draws it).
"""

from __future__ import annotations

from .errors import ConfigError, VtpuError
from .isa import EventKind
from .machine import Machine
from .program import Program


class Stepper:
    every = 16  # cycles between snapshots: a step back replays fewer than this many cycles

    def __init__(self, program: Program, config="seed", *, mode: str = "vliw", seed: int = 0,
                 max_cycles: int = 10_000):
        self.machine = Machine(config, mode=mode, seed=seed, max_cycles=max_cycles)
        self.machine.load(program)
        self.max_cycles = self.machine.max_cycles
        self._snaps = {0: self.machine.snapshot()}   # cycle -> state at the start of that cycle
        self.cycle = 0
        self.error: VtpuError | None = None            # why the run stopped early, if it did
        self._error_cycle: int | None = None

    @property
    def done(self) -> bool:
        m = self.machine
        if self.error is not None and self.cycle >= self._error_cycle:
            return True
        return all(s.state in ("retired", "dormant") for s in m.sentrons.values()) and self.cycle >= m.cycle

    def _run_to(self, cycle: int) -> None:
        """Advance the machine (at ``self.cycle``) to the start of ``cycle``, snapshotting on the way;
        never past the cycle where the run failed, if it did."""
        m = self.machine
        while self.cycle < cycle:
            nxt = min(cycle, (self.cycle // self.every + 1) * self.every)
            if self.error is not None:
                nxt = min(nxt, self._error_cycle)
                if nxt <= self.cycle:
                    return
            try:
                m.advance(until=nxt)
            except VtpuError as e:  # remember it, go back to where this stretch began, and stop before it
                self.error, self._error_cycle = e, max(self.cycle, getattr(e, "cycle", self.cycle))
                self._restore_to(self.cycle)
                continue
            self.cycle = nxt
            if nxt % self.every == 0 and nxt not in self._snaps:
                self._snaps[nxt] = m.snapshot()

    def _restore_to(self, cycle: int) -> None:
        base = max(c for c in self._snaps if c <= cycle)
        self.machine.restore(self._snaps[base])
        self.cycle = base
        if base < cycle:
            self.machine.advance(until=cycle)  # replays what already ran once: it cannot fail now
            self.cycle = cycle

    def forward(self) -> int:
        """Run one cycle. Returns the new cycle (unchanged once the run is over or has failed)."""
        if self.done or self.cycle >= self.max_cycles:
            return self.cycle
        self._run_to(self.cycle + 1)
        return self.cycle

    def back(self) -> int:
        if self.cycle > 0:
            self._restore_to(self.cycle - 1)
        return self.cycle

    def goto(self, cycle: int) -> int:
        if isinstance(cycle, bool) or not isinstance(cycle, int):
            raise ConfigError(f"goto({cycle!r}): a cycle is a whole number")
        cycle = max(0, cycle)
        if cycle < self.cycle:
            self._restore_to(cycle)
        while self.cycle < cycle and not self.done and self.cycle < self.max_cycles:
            before = self.cycle
            if self.forward() == before:
                break
        return self.cycle

    def last_cycle_events(self) -> list:
        """The issue and stall records of the cycle before the current one."""
        return self.machine.log.records_at(self.cycle - 1, (EventKind.ISSUE, EventKind.STALL))

    def view(self) -> dict:
        """State at the start of the current cycle and what happened in the previous one."""
        m = self.machine
        sentrons = []
        for s in m.sentrons.values():
            # a result is computed at issue but only visible when it lands (ready cycle)
            ready = s.board.ready
            pending = {name: (v, ready[i]) for i, (name, v) in enumerate(s.registers().items())
                       if ready[i] > self.cycle}
            regs = {name: v for name, v in s.registers().items() if v not in (0.0, ())
                    and not (name.startswith("p") and v == (1,) * 11) and name not in pending}
            sentrons.append({"name": s.name, "pc": s.pc, "state": s.state, "registers": regs,
                             "pending": pending})
        did = []
        for e in self.last_cycle_events():
            code = m.sentrons[e.sentron].code
            did.append(f"{code.name}: " + (f"issued {code.siws[e.pc]}" if e.kind == EventKind.ISSUE
                                           else f"stalled ({e.info})"))
        return {"cycle": self.cycle, "last_cycle": did, "sentrons": sentrons,
                "ppt": [[_fmt(page) for page in pages] for pages in m.ppt.contents()],
                "done": self.done, "error": None if self.error is None else str(self.error)}

    def render(self) -> str:
        """The view as text (what the widget prints)."""
        v = self.view()
        lines = [f"cycle {v['cycle']}" + ("  (all retired)" if v["done"] and not v["error"] else "")]
        lines += [f"  last cycle: {d}" for d in v["last_cycle"]] or ["  last cycle: -"]
        for s in v["sentrons"]:
            regs = ", ".join(f"{k}={_fmt(x)}" for k, x in s["registers"].items()) or "-"
            pend = ", ".join(f"{k} <- {_fmt(v)} at cycle {c}" for k, (v, c) in s["pending"].items())
            lines.append(f"  {s['name']}: {s['state']}, next SIW {s['pc']}; {regs}" + (f"; pending: {pend}" if pend else ""))
        used = [(i, w) for i, w in enumerate(v["ppt"]) if w]
        lines.append("  PPT: " + ("; ".join(f"set {i}: " + ", ".join(w) for i, w in used) or "empty"))
        if v["error"] and v["done"]:
            lines.append("  the run stopped here: " + v["error"].replace("\n", "\n  "))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Stepper(cycle {self.cycle}, {'done' if self.done else 'running'}, {len(self._snaps)} snapshots)"


def _fmt(x) -> str:
    if isinstance(x, float):
        return f"{x:g}"
    if hasattr(x, "short"):
        return x.short()
    if isinstance(x, tuple):
        return "(" + ", ".join(_fmt(v) for v in x) + ")"
    return str(x)


__all__ = ["Stepper"]
