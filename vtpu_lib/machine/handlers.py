"""What the sparse and coordination ops do: the machine's one dispatch table, :data:`HANDLERS`.

Each op row of ``isa.OPS`` names its handler; a handler is a plain function
``fn(machine, sentron, op, t)`` where ``op`` is the decoded op (``decode.DecodedOp``: flat
register indices ``a``, ``b``, ``c``, ``srcs`` and the non-register operands ``args``). It
returns, by the handler's kind:

* ``VALUE``  -- the value for the destination, ready after the op's static latency (index, pack,
                unpack). These are pure functions of the registers: ``fn(regs, op)``.
* ``TIMED``  -- ``(value, ready_cycle, stall reason)``: the latency depends on the PPT (gather) or
                the network (recv)
* ``EFFECT`` -- True if it changed machine state (a prefetch of a page already present returns
                False: it did no work, and is counted as an op but not as a useful op)

A ``blocking`` op (recv, bar) also has ``can_issue(machine, sentron, op, t) -> bool``; while it
says False the sentron stalls with the handler's ``reason``. A handler signals a fault in the
learner's program by raising :class:`Fault`; the run loop adds cycle, sentron and SIW.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from ..coord import Coord, hamming, tier
from ..errors import CoordError
from ..isa import StallReason
from .events import GATHER, INSTALLED, PREFETCH, PRESENT, SCATTER
from .state import RETIRED, reg_name

VALUE, TIMED, EFFECT = "value", "timed", "effect"


class Fault(Exception):
    """Raised by a handler; the run loop turns it into a SimError with cycle, sentron and SIW."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


class Handler(NamedTuple):
    kind: str
    fn: Callable
    can_issue: Callable | None = None   # blocking ops only
    reason: StallReason | None = None   # the stall while can_issue is False


# -- S pipe: memory through the PPT ------------------------------------------------------------

def miss_cycles(m, s, coord: Coord) -> int:
    """Extra cycles of a PPT miss from ``s``'s home: the page walk plus the tier latency
    (callers skip it when ``m.free_misses``: the seed preset, where memory is always ready)."""
    c = m.config
    return c.ppt_miss_penalty_cycles + c.tier_latency_cycles[tier(s.home, coord)]


def ppt_access(m, index: int, op: int, coord: Coord, t: int, fill: int = 0) -> int:
    """A demand lookup in the PPT (a gather, scatter or host access; ``op`` is its code in the
    log), logged. Returns the cycle the page's translation is usable."""
    ppt = m.ppt
    hit, outcome, ready, late, prefetched = ppt.lookup(coord if ppt.page_scrolls == 1 else ppt.page_of(coord),
                                                       t, fill)
    m.log.ppt(t, index, op, coord, outcome, late, prefetched)
    return ready


def gather(m, s, op, t):
    coord = s.regs[op.a]
    ready = ppt_access(m, s.index, GATHER, coord, t, 0 if m.free_misses else miss_cycles(m, s, coord)) + op.latency
    return m.memory.read(coord), ready, (StallReason.PPT_MISS if ready > t + op.latency else StallReason.DEPENDENCE)


def scatter(m, s, op, t):
    coord = s.regs[op.a]
    ppt_access(m, s.index, SCATTER, coord, t, 0 if m.free_misses else miss_cycles(m, s, coord))
    m.memory.write(coord, s.regs[op.b])  # posted: the sentron does not wait for a store miss
    return True


def prefetch(m, s, op, t):
    coord = s.regs[op.a]
    installed = m.ppt.prefetch(m.ppt.page_of(coord), t, 0 if m.free_misses else miss_cycles(m, s, coord))
    m.log.ppt(t, s.index, PREFETCH, coord, INSTALLED if installed else PRESENT, False, False)
    return installed


def index(R, op):
    dim, k = op.args
    try:
        return R[op.a].moved(dim, k)
    except CoordError as e:
        raise Fault(f"index moved {R[op.a]} out of range: {e.message}",
                    hint="each dimension must stay within 0..2047") from None


# -- C pipe: messages, barriers, temperature ------------------------------------------------------

def pack(R, op):
    srcs = op.srcs
    if len(srcs) == 1:
        return (R[srcs[0]],)
    return tuple([R[i] for i in srcs])


def unpack(R, op):
    msg, (lane,) = R[op.a], op.args
    if not 0 <= lane < len(msg):
        raise Fault(f"unpack of lane {lane} of {reg_name(op.a)}, which holds {len(msg)} value(s)",
                    hint="pack fills lanes 0.. in order; an empty message register holds none")
    return msg[lane]


def _deliver(m, s, dst, values: tuple, t: int) -> None:
    c = m.config
    msg = m.network.deliver(s, dst, values, t, c.send_base_cycles, c.send_cycles_per_hop)
    m.log.send(t, s.index, msg)


def _sentron_id(m, who, verb: str) -> int:
    """The id of the sentron a send or recv names (an id or a name); a Fault if there is none."""
    sid = m.names.get(who, who)
    if sid not in m.sentrons:
        raise Fault(f"{verb} sentron {who!r}, which does not exist",
                    hint=f"sentrons: {', '.join(x.label for x in m.sentrons.values())}")
    return sid


def send(m, s, op, t):
    _deliver(m, s, m.sentrons[_sentron_id(m, op.args[0], "send to")], s.regs[op.a], t)
    return True


def beacon(m, s, op, t):
    (radius,) = op.args
    for other in m.sentrons.values():
        if other is not s and hamming(other.home, s.home) <= radius:
            _deliver(m, s, other, s.regs[op.a], t)
    return True


def _source(m, src):
    """The sender id a recv names (None for 'any'); a Fault if there is no such sentron."""
    return None if src == "any" else _sentron_id(m, src, "recv from")


def can_recv(m, s, op, t) -> bool:
    src = op.args[0]
    sid = _source(m, src)
    if m.network.candidates(s.id, sid, t):
        return True
    if sid is not None:
        sender = m.sentrons[sid]
        if sender.state == RETIRED and not any(msg.src == sid for msg in m.network.inboxes[s.id]):
            raise Fault(f"recv from {sender.label}, which retired without sending another message",
                        hint="check that every recv has a matching send")
    s.wait_for = ("message", src)
    return False


def recv(m, s, op, t):
    src, lane0 = op.args
    msg = m.network.take(s, _source(m, src), t, m.homes)
    m.log.recv(t, s.index, msg)
    value = (msg.values[0] if msg.values else 0.0) if lane0 else msg.values
    return value, t + op.latency, StallReason.DEPENDENCE


def can_pass_barrier(m, s, op, t) -> bool:
    bid, count = op.args
    b = m.network.barriers.get(bid)
    if b is not None and b["count"] != count:
        raise Fault(f"barrier {bid} is waited on with count {count}, but another sentron uses "
                    f"count {b['count']}", hint="every bar on one id must give the same count")
    b = m.network.arrive(bid, count, s.id, t)
    s.wait_for = ("barrier", bid)
    return b["open_at"] is not None and t >= b["open_at"]


def bar(m, s, op, t):
    m.network.leave(op.args[0], s.id)
    return True


def temp(m, s, op, t):
    (value,) = op.args
    if not value >= 0.0:  # also nan
        raise Fault(f"temperature {value} is not a number >= 0", hint="use T = 0 (nearest) or T > 0")
    s.temperature = value
    return True


HANDLERS: dict[str, Handler] = {
    "gather": Handler(TIMED, gather),
    "scatter": Handler(EFFECT, scatter),
    "index": Handler(VALUE, index),
    "prefetch": Handler(EFFECT, prefetch),
    "send": Handler(EFFECT, send),
    "beacon": Handler(EFFECT, beacon),
    "recv": Handler(TIMED, recv, can_recv, StallReason.RECV_WAIT),
    "bar": Handler(EFFECT, bar, can_pass_barrier, StallReason.BARRIER_WAIT),
    "pack": Handler(VALUE, pack),
    "unpack": Handler(VALUE, unpack),
    "temp": Handler(EFFECT, temp),
}

__all__ = ["HANDLERS", "Handler", "Fault", "VALUE", "TIMED", "EFFECT", "miss_cycles", "ppt_access"]
