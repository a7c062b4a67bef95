"""What each op does, compiled once per (sentron, SIW) into small closures for the run loop.

A compiled SIW is a :class:`Compiled` record: the registers the scoreboard must check, the
pipes it occupies, an optional *blocking* check (recv, bar) and one executor per non-empty
slot. Executors come in three kinds:

* ``VALUE``  -- ``fn() -> value``: a pure result with the op's static latency (dense ops, pack...)
* ``TIMED``  -- ``fn(t) -> (value, ready_cycle, reason)``: the latency depends on the PPT (gather)
                or on a message (recv)
* ``EFFECT`` -- ``fn(t) -> bool``: no register result; True if it changed machine state
                (a prefetch of a page already present returns False: it did no work)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from .errors import CoordError
from .isa import PIPES, Imm, Instr, Reg
from .program import SIW
from .sentron import SentronState, flat

if TYPE_CHECKING:
    from .sim import Machine

VALUE, TIMED, EFFECT = 0, 1, 2
DEP, MISS, RECV_WAIT, BAR_WAIT, PIPE_BUSY = "dependence", "ppt-miss", "recv-wait", "barrier-wait", "pipe-busy"
STALL_REASONS = (DEP, MISS, RECV_WAIT, BAR_WAIT, PIPE_BUSY)


class Fault(Exception):
    """Raised by an executor; the run loop turns it into a SimError with cycle/sentron/SIW."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


class Slot(NamedTuple):
    kind: int
    fn: object
    dst: int        # flat register index written, or -1
    latency: int    # static result latency (VALUE kind)
    bit: int        # this slot's bit in the effect mask: D=1, S=2, C=4


class Compiled(NamedTuple):
    waits: tuple    # what the scoreboard checks: every source must be ready, and no destination
                    # may have a pending write (write-after-write)
    pipes: int      # bit mask of the pipes this SIW occupies
    block: object   # None or fn(t) -> bool: can the blocking C op complete now?
    block_reason: str
    slots: tuple    # Slot per non-empty slot, in execution order
    buffered: bool  # vliw and a later slot reads what an earlier slot writes: hold writes to the end


def compile_siw(siw: SIW, s: SentronState, m: "Machine", order: str) -> Compiled:
    """Compile one SIW for sentron ``s``. ``order`` is 'DSC' (or e.g. 'SDC' in sequential mode)."""
    lat = m.config.latency_cycles
    R = s.regs
    slots, srcs, dsts, written, pipes = [], [], [], set(), 0
    buffered = False
    block, block_reason = None, ""
    by_pipe = dict(zip("DSC", siw.slots))
    for pipe_name in order:
        instr = by_pipe[pipe_name]
        if instr is None:
            continue
        bit = 1 << "DSC".index(pipe_name)
        pipes |= bit
        for reg in instr.reads():
            i = flat(reg)
            # in sequential mode a value produced earlier in the same SIW is forwarded
            if not (m.mode == "sequential" and i in written):
                srcs.append(i)
            if m.mode == "vliw" and i in written:
                buffered = True  # it must read the old value: writes land at the end of the cycle
        for reg in instr.writes():
            dsts.append(flat(reg))
            written.add(flat(reg))
        kind, fn, dst = _executor(instr, s, m, R)
        slots.append(Slot(kind, fn, dst, lat[instr.spec.latency_key], bit))
        if instr.op == "recv":
            block, block_reason = (lambda t, src=instr.args[1]: m.has_message(s, src, t)), RECV_WAIT
        elif instr.op == "bar":
            block, block_reason = (lambda t, a=instr.args: m.barrier_open(s, a[0], a[1], t)), BAR_WAIT
    return Compiled(tuple(dict.fromkeys(srcs + dsts)), pipes, block, block_reason, tuple(slots), buffered)


def _executor(instr: Instr, s: SentronState, m: "Machine", R: list):
    """(kind, fn, dst) for one op. Reads happen when fn runs; writes are the loop's job."""
    op, args, spec = instr.op, instr.args, instr.spec
    idx = [flat(a) if isinstance(a, Reg) else a for a in args]
    if spec.fn is not None:  # dense arithmetic
        f, d = spec.fn, idx[0]
        if isinstance(args[1], Imm):
            value = float(args[1].value)
            return VALUE, (lambda: value), d
        srcs = idx[1:]
        if len(srcs) == 1:
            a, = srcs
            return VALUE, (lambda: f(R[a])), d
        if len(srcs) == 2:
            a, b = srcs
            return VALUE, (lambda: f(R[a], R[b])), d
        a, b, c = srcs
        return VALUE, (lambda: f(R[a], R[b], R[c])), d
    if op == "gather":
        d, pc = idx
        return TIMED, (lambda t: m.gather(s, R[pc], t)), d
    if op == "scatter":
        pc, rs = idx
        return EFFECT, (lambda t: m.scatter(s, R[pc], R[rs], t)), -1
    if op == "index":
        d, ps, dim, k = idx

        def index():
            try:
                return R[ps].moved(dim, k)
            except CoordError as e:
                raise Fault(f"index moved {R[ps]} out of range: {e.message}",
                            hint="each dimension must stay within 0..2047") from None
        return VALUE, index, d
    if op in ("prefetch", "cprefetch"):
        pc, = idx
        return EFFECT, (lambda t: m.prefetch(s, R[pc], t)), -1
    if op == "pack":
        d, regs = idx[0], idx[1:]
        return VALUE, (lambda: tuple(R[i] for i in regs)), d
    if op == "unpack":
        d, ms, lane = idx

        def unpack():
            msg = R[ms]
            if not 0 <= lane < len(msg):
                raise Fault(f"unpack of lane {lane} of m{ms - flat(Reg('m', 0))}, which holds "
                            f"{len(msg)} value(s)", hint="pack fills lanes 0.. in order; an empty "
                            "message register holds none")
            return msg[lane]
        return VALUE, unpack, d
    if op == "send":
        ms, dest = idx
        return EFFECT, (lambda t: m.send(s, dest, R[ms], t)), -1
    if op == "beacon":
        ms, radius = idx
        return EFFECT, (lambda t: m.beacon(s, R[ms], radius, t)), -1
    if op == "recv":
        d, src = idx
        lane0 = isinstance(args[0], Reg) and args[0].file == "r"
        return TIMED, (lambda t: m.recv(s, src, t, lane0)), d
    if op == "bar":
        return EFFECT, (lambda t: m.barrier_pass(s, idx[0])), -1
    if op == "temp":
        value = float(args[0].value)

        def temp(t):
            if value < 0:
                raise Fault(f"temperature {value} is negative", hint="use T = 0 (nearest) or T > 0")
            s.temperature = value
            return True
        return EFFECT, temp, -1
    raise AssertionError(f"op {op!r} has no executor")


__all__ = ["compile_siw", "Compiled", "Slot", "Fault", "STALL_REASONS", "PIPES"]
