"""The reference interpreter: the readable run loop that every faster engine must agree with.

Each cycle every live sentron is offered one SIW issue, in rotating priority among the threads
of a core (threads of one core share its D, S and C pipes). :func:`offer` is one sentron's
cycle, in four questions:

1. **scoreboard** -- has every source register landed, and no write to a destination pending?
2. **blocking** -- can its recv or bar complete now?
3. **pipes** -- are its pipes free on its core (SMT)?
4. **execute** -- run the slots: dense ops through the op table's functions, S and C ops through
   their handlers; each result is written with its ready cycle on the scoreboard.

A "no" records a stall with its reason; a "yes" records the issue and the mask of the ops that
did work. Intra-SIW semantics: ``vliw`` reads all three slots' sources at the start of the cycle
and lands their writes at its end; ``sequential`` runs the slots in order (D, S, C, or the
``slot_order``), each seeing the previous slot's writes, like microvtpu.py.
"""

from __future__ import annotations

from ..errors import DeadlockError, RunLimitError, SimError
from ..isa import StallReason
from ..program import siw_line
from .decode import CONST, D1, D2, D3, HTIMED, HVALUE
from .events import K_RETIRE, REASON_CODE
from .handlers import Fault
from .state import RETIRED, RUNNING, WAITING

_ISSUED = 8  # beyond the D=1, S=2, C=4 pipe bits: "issued", so a SIW of three NOPs counts too
_DEP, _PIPE_BUSY = StallReason.DEPENDENCE, REASON_CODE[StallReason.PIPE_BUSY]


def offer(m, s, t: int, taken: int) -> int:
    """Offer sentron ``s`` cycle ``t`` (``taken``: pipes other threads of its core already used).
    Returns 0 if it stalled, else the pipes it used plus ``_ISSUED``."""
    pc = s.pc
    d = s.decoded[pc]
    ready = s.ready
    for i in d.waits:                                  # 1. the scoreboard
        if ready[i] > t:
            m.log.add(t, s.index, REASON_CODE[s.why[i]], pc)
            return 0
    if d.block is not None:                            # 2. a blocking recv / bar
        try:
            can = d.block(m, s, d.block_op, t)
        except Fault as f:
            raise _fault(m, s, t, f) from None
        if not can:
            s.state = WAITING
            m.log.add(t, s.index, REASON_CODE[d.block_reason], pc)
            return 0
    if d.pipes & taken:                                # 3. SMT: a pipe another thread took
        m.log.add(t, s.index, _PIPE_BUSY, pc)
        return 0
    s.state = RUNNING
    try:
        mask = execute(m, s, d, t)                     # 4. the slots
    except Fault as f:
        raise _fault(m, s, t, f) from None
    log = m.log
    log.ev.append(t << 32 | s.issue_key | mask << 3)   # log.add(t, s.index, K_ISSUE | mask << 3, pc), inlined
    log.arg.append(pc)
    pc += 1
    s.pc = pc
    if pc == s.n_siws:
        s.state = RETIRED
        s.retire_cycle = max(t + 1, max(ready))       # when its last result lands
        m.retiring.append((s.retire_cycle, s.index, s.pc))
    return d.pipes | _ISSUED


def execute(m, s, d, t: int) -> int:
    """Run the slots of decoded SIW ``d`` for sentron ``s`` in cycle ``t``: each result goes to its
    register with its ready cycle on the scoreboard. Returns the mask of the ops that did work."""
    R, ready, why = s.regs, s.ready, s.why
    mask = 0
    pending = [] if d.buffered else None   # vliw with an intra-SIW read-after-write: hold writes
    for op in d.ops:
        kind, fn, dst, a, b, c, lat, bit, args, _, _ = op
        if kind <= CONST:                  # dense arithmetic (the op table's function) or mov #imm
            if kind == D2:
                value = fn(R[a], R[b])
            elif kind == D1:
                value = fn(R[a])
            elif kind == D3:
                value = fn(R[a], R[b], R[c])
            else:
                value = args[0]
            ready[dst] = t + lat
            why[dst] = _DEP
        elif kind == HVALUE:               # index, pack, unpack: a handler, static latency
            value = fn(R, op)
            ready[dst] = t + lat
            why[dst] = _DEP
        elif kind == HTIMED:               # gather, recv: the handler says when the value lands
            value, ready[dst], why[dst] = fn(m, s, op, t)
        else:                              # no register result; True if it changed machine state
            if fn(m, s, op, t):
                mask |= bit
            continue
        mask |= bit
        if pending is None:
            R[dst] = value
        else:
            pending.append((dst, value))
    if pending:
        for dst, value in pending:
            R[dst] = value
    return mask


def advance(m, max_cycles: int | None = None, until: int | None = None) -> None:
    """Run ``m`` until every started sentron retires (or until cycle ``until``, resumable)."""
    limit = m.cycle + (m.max_cycles if max_cycles is None else max_cycles)
    live = [s for s in m.sentrons.values() if s.state in (RUNNING, WAITING)]
    end = t = m.cycle
    stop = limit if until is None else min(limit, until)
    while live:
        groups: dict[int, list] = {}
        for s in live:
            groups.setdefault(s.core, []).append(s)
        cores = list(groups.values())
        due = _next_due(m, stop)  # the cycle of the next retire record to log
        changed = False
        while not changed:  # cycles until a sentron retires (then regroup)
            if t >= stop:
                if until is not None and t >= until:
                    m.cycle = t
                    return
                _run_limit(m, live, t)
            if t >= due:
                flush_retires(m, t)
                due = _next_due(m, stop)
            issued = False
            for core in cores:
                if len(core) == 1:
                    s = core[0]
                    if offer(m, s, t, 0):
                        issued = True
                        if s.state == RETIRED:
                            changed = True
                    continue
                taken, n = 0, len(core)
                for k in range(n):  # rotating priority between the threads of a core
                    s = core[(t + k) % n]
                    used = offer(m, s, t, taken)
                    if used:
                        issued, taken = True, taken | used
                        if s.state == RETIRED:
                            changed = True
            t += 1
            if not issued:
                _check_deadlock(m, live, t)
        for s in live:
            if s.state == RETIRED:
                end = max(end, s.retire_cycle)
        live = [s for s in live if s.state != RETIRED]
    m.cycle = max(t, end)
    flush_retires(m, None)  # every sentron has retired: nothing can happen before these any more


def _next_due(m, default: int) -> int:
    return min((r[0] for r in m.retiring), default=default)


def flush_retires(m, upto: int | None) -> None:
    """Log the retire records due by cycle ``upto`` (all of them for None), in cycle order: a
    sentron retires when its last result lands, which may be cycles after its last issue."""
    due = sorted(r for r in m.retiring if upto is None or r[0] <= upto)
    m.retiring = [r for r in m.retiring if not (upto is None or r[0] <= upto)]
    for cycle, index, pc in due:
        m.log.add(cycle, index, K_RETIRE, pc)


# -- errors ------------------------------------------------------------------------------------

def where(s, pc: int) -> str:
    code = s.code
    pc = min(pc, len(code.siws) - 1)
    line = f"{code.lines[pc]}: " if pc < len(code.lines) else ""
    return f"{s.source}:{line}{siw_line(code.siws[pc])}" if code.siws else s.source


def _fault(m, s, t: int, f: Fault) -> SimError:
    return SimError(f.message, cycle=t, sentron=s.label, pc=s.pc, instr=where(s, s.pc), hint=f.hint)


def _run_limit(m, live, t: int):
    s = live[0]
    raise RunLimitError(f"run limit reached (max_cycles) with {len(live)} sentron(s) still live",
                        cycle=t, sentron=s.label, pc=s.pc, instr=where(s, s.pc),
                        hint="raise max_cycles (Machine(max_cycles=...) or run(max_cycles=...)) "
                             "if the program is meant to run this long")


def _waiting_for(m, s) -> str:
    what, key = s.wait_for
    if what == "barrier":
        b = m.network.barriers.get(key)
        arrived = len(b["arrived"]) if b else 0
        return f"barrier {key} ({arrived}/{b['count'] if b else '?'} arrived)"
    return f"a message from {key}"


def _check_deadlock(m, live, t: int) -> None:
    if any(s.state != WAITING for s in live):
        return
    if m.network.in_flight(t) or m.network.barriers_opening():
        return  # a message or a barrier release is still on its way
    report = "; ".join(f"{s.label} waits for {_waiting_for(m, s)} at SIW {s.pc}" for s in live)
    s = live[0]
    raise DeadlockError(f"deadlock: every live sentron is waiting and nothing is in flight: {report}",
                        cycle=t - 1, sentron=s.label, pc=s.pc, instr=where(s, s.pc),
                        hint="a recv needs a matching send; a barrier needs `count` sentrons to reach it")


__all__ = ["advance", "offer", "execute", "flush_retires", "where"]
