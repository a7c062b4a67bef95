"""Step a machine one cycle at a time, forwards and backwards (notebooks 02-05).

Going back restores a snapshot taken when that cycle was first reached; ops are never run
in reverse. :meth:`Stepper.view` returns plain data (the step-through widget only draws it).
"""

from __future__ import annotations

from .program import Program
from .sim import Machine


class Stepper:
    def __init__(self, program: Program, config="seed", *, mode: str = "vliw", seed: int = 0,
                 max_cycles: int = 10_000):
        self.machine = Machine(config, mode=mode, seed=seed)
        self.machine.load(program)
        self.max_cycles = max_cycles
        self._snaps = [self.machine.snapshot()]   # _snaps[c]: state at the start of cycle c
        self.cycle = 0

    @property
    def done(self) -> bool:
        m = self.machine
        return all(s.state in ("retired", "dormant") for s in m.sentrons.values()) and self.cycle >= m.cycle

    def forward(self) -> int:
        """Run one cycle (or re-use the snapshot if we have been here). Returns the new cycle."""
        if self.cycle + 1 < len(self._snaps):
            self.cycle += 1
            self.machine.restore(self._snaps[self.cycle], truncate_events=False)
            return self.cycle
        if self.done or self.cycle >= self.max_cycles:  # (events of the run so far stay in the log)
            return self.cycle
        self.machine.run(until=self.cycle + 1)
        self.cycle += 1
        self._snaps.append(self.machine.snapshot())
        return self.cycle

    def back(self) -> int:
        if self.cycle > 0:
            self.cycle -= 1
            self.machine.restore(self._snaps[self.cycle], truncate_events=False)
        return self.cycle

    def goto(self, cycle: int) -> int:
        while self.cycle < cycle and not self.done:
            before = self.cycle
            if self.forward() == before:
                break
        while self.cycle > cycle:
            self.back()
        return self.cycle

    def view(self) -> dict:
        """State at the start of the current cycle and what happened in the previous one."""
        m = self.machine
        last = [e for e in m.events if e[0] == self.cycle - 1 and e[2] in ("issue", "stall")]
        sentrons = []
        for s in m.sentrons.values():
            # a result is computed at issue but only visible when it lands (ready cycle)
            pending = {name: (v, s.ready[i]) for i, (name, v) in enumerate(s.registers().items())
                       if s.ready[i] > self.cycle}
            regs = {name: v for name, v in s.registers().items() if v not in (0.0, ())
                    and not (name.startswith("p") and v == (1,) * 11) and name not in pending}
            sentrons.append({"name": s.name, "pc": s.pc, "state": s.state, "registers": regs,
                             "pending": pending})
        did = []
        for t, sid, kind, a, b in last:
            code = m.sentrons[sid].code
            did.append(f"{code.name}: {'issued ' + str(code.siws[a]) if kind == 'issue' else 'stalled (' + b + ')'}")
        return {"cycle": self.cycle, "last_cycle": did, "sentrons": sentrons,
                "ppt": [[_fmt(page) for page in pages] for pages in m.ppt.contents()],
                "done": self.done}

    def render(self) -> str:
        """The view as text (what the widget prints)."""
        v = self.view()
        lines = [f"cycle {v['cycle']}" + ("  (all retired)" if v["done"] else "")]
        lines += [f"  last cycle: {d}" for d in v["last_cycle"]] or ["  last cycle: -"]
        for s in v["sentrons"]:
            regs = ", ".join(f"{k}={_fmt(x)}" for k, x in s["registers"].items()) or "-"
            pend = ", ".join(f"{k} <- {_fmt(v)} at cycle {c}" for k, (v, c) in s["pending"].items())
            lines.append(f"  {s['name']}: {s['state']}, next SIW {s['pc']}; {regs}" + (f"; pending: {pend}" if pend else ""))
        used = [(i, w) for i, w in enumerate(v["ppt"]) if w]
        lines.append("  PPT: " + ("; ".join(f"set {i}: " + ", ".join(w) for i, w in used) or "empty"))
        return "\n".join(lines)


def _fmt(x) -> str:
    if isinstance(x, float):
        return f"{x:g}"
    if hasattr(x, "short"):
        return x.short()
    if isinstance(x, tuple):
        return "(" + ", ".join(_fmt(v) for v in x) + ")"
    return str(x)
