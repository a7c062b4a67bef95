"""The op table: the single source of truth for assembler, disassembler, simulator, bounds and docs.

Each row of :data:`OPS` says which pipe the op belongs to, its operands (and which of them it
writes), which latency of the :class:`~vtpu_lib.config.MachineConfig` it pays -- and what it
does: a dense op carries its arithmetic as a function (``OpSpec.fn``) that works on float64
scalars and, elementwise with identical results, on numpy arrays; a sparse or coordination op
names its handler in the machine's one dispatch table (``vtpu_lib.machine.handlers``).
``blocking`` ops (recv, bar) are the only ones that can hold a sentron until they can complete.
The enums next to the table -- :class:`LatencyKey`, :class:`StallReason`, :class:`EventKind` --
are what the configuration, the scoreboard and the event log are keyed by. Notebook 02 tours it.

IEEE 754 edge cases (one rule every engine follows; docs/decisions.md says why):

* ``div``: x/0 is ±inf by the signs, 0/0 and nan/0 are nan -- never a Python exception mid-run.
* ``exp``: ``math.exp`` (the C library's), +inf exactly where it overflows (x > 709.782712893384),
  nan for nan. Arrays apply the same ``math.exp`` elementwise: numpy's own SIMD ``exp`` differs
  from it in the last bit for ~4 % of inputs, so an engine must not use it.
* ``max``/``min``: a nan operand gives nan (IEEE 754-2019 maximum/minimum); -0 < +0, so
  ``max(-0.0, 0.0)`` is +0.0 and ``min`` -0.0 in either operand order.
* ``cmp``: -1, 0 or 1 as ra <, =, > rb; nan if either operand is nan (unordered).
* ``sel``: a nonzero condition selects rb -- nan is nonzero, so it selects rb.
* ``fma``: rounds like ``a*b + c`` (twice), as the original vTPU computed it; it is not fused.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from enum import StrEnum
from typing import Callable, NamedTuple

import numpy as np


class Pipe(StrEnum):
    D = "D"  # dense: float arithmetic
    S = "S"  # sparse: memory through the PPT, address arithmetic
    C = "C"  # coordination: messages, barriers, temperature


PIPES = (Pipe.D, Pipe.S, Pipe.C)
PIPE_BIT = {Pipe.D: 1, Pipe.S: 2, Pipe.C: 4}  # a SIW's pipes as a bit mask; also the effect mask


class LatencyKey(StrEnum):
    """Which result latency of the configuration an op pays (``MachineConfig.latency_cycles``)."""
    ADD = "add"            # add, sub, max, min, mov, neg, cmp, sel
    MUL = "mul"
    FMA = "fma"
    DIV = "div"
    EXP = "exp"
    GATHER = "gather"      # on a PPT hit; a miss adds the page walk and the tier latency
    SCATTER = "scatter"
    INDEX = "index"
    PREFETCH = "prefetch"
    COORD = "coord"        # recv, bar, pack, unpack, temp
    SEND = "send"          # send, beacon


class StallReason(StrEnum):
    """Why a sentron could not issue its next SIW in a cycle (one per stall event)."""
    DEPENDENCE = "dependence"      # a source register's value has not landed yet (or a WAW)
    PPT_MISS = "ppt-miss"          # ... and that value is a gather waiting for a PPT miss
    RECV_WAIT = "recv-wait"        # recv: no matching message has arrived
    BARRIER_WAIT = "barrier-wait"  # bar: not every sentron has reached the barrier
    PIPE_BUSY = "pipe-busy"        # SMT: another thread of the core took a pipe this cycle


class EventKind(StrEnum):
    """The kinds of record in the event log (``vtpu_lib.trace.Event``)."""
    START = "start"
    ISSUE = "issue"
    STALL = "stall"
    PPT = "ppt"
    SEND = "send"
    RECV = "recv"
    RETIRE = "retire"


# Register files: name -> number of registers.
REG_FILES = {"r": 16, "p": 8, "m": 4}
MSG_LANES = 4  # a message register holds up to 4 float64 values (256 bits)


class Reg(NamedTuple):
    """A register operand, e.g. ``Reg('r', 3)`` prints as ``r3``."""
    file: str
    index: int

    def __str__(self) -> str:
        return f"{self.file}{self.index}"


def float_bits(x: float) -> int:
    """The 64 bits of a float64: equality by bits treats nan as equal to itself and -0 != +0."""
    return struct.unpack("<q", struct.pack("<d", x))[0]


class Imm(NamedTuple):
    """An immediate operand, written ``#3.5``. Equal by bits, so ``Imm(nan) == Imm(nan)``."""
    value: float

    def __eq__(self, other) -> bool:
        return isinstance(other, Imm) and float_bits(float(self.value)) == float_bits(float(other.value))

    def __ne__(self, other) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(("Imm", float_bits(float(self.value))))

    def __str__(self) -> str:
        v = float(self.value)
        negative_zero = v == 0.0 and math.copysign(1.0, v) < 0
        if v.is_integer() and abs(v) < 1e15 and not negative_zero:
            return f"#{int(v)}"
        return f"#{v!r}"  # repr round-trips exactly: -0.0, 1e-300, inf, nan


# Operand kinds. 'r', 'p', 'm': a register of that file; 'rm': r or m; 'ri': r or #imm;
# 'imm': #float; 'int': a whole number (with or without '#'); 'dim': 0..10 or a dimension
# name; 'sentron': a sentron id or name; 'src': a sentron or 'any'.
@dataclass(frozen=True, slots=True)
class Operand:
    name: str
    kind: str
    writes: bool = False


@dataclass(frozen=True, slots=True)
class OpSpec:
    name: str
    pipe: Pipe
    operands: tuple[Operand, ...]
    latency_key: LatencyKey    # which MachineConfig latency this op pays
    summary: str               # one line for docs and error hints
    fn: Callable | None = None   # dense ops: the arithmetic (float64 scalars or numpy arrays)
    handler: str | None = None   # sparse/coordination ops: the name in the machine's dispatch table
    min_operands: int | None = None  # for ops with optional trailing operands (pack)
    blocking: bool = False     # may hold the sentron until it can complete (recv, bar)
    ours: bool = False         # not in the original vTPU code (see docs/decisions.md)

    @property
    def max_operands(self) -> int:
        return len(self.operands)


def _ops(sig: str) -> tuple[Operand, ...]:
    """'rd:r!, ra:r' -> operands; a '!' marks the operand the op writes."""
    out = []
    for item in filter(None, (s.strip() for s in sig.split(","))):
        name, kind = item.split(":")
        out.append(Operand(name, kind.rstrip("!"), kind.endswith("!")))
    return tuple(out)


# -- the dense arithmetic: scalars take the first branch (fast), arrays the numpy one ------------------

def _div(a, b):
    if type(a) is float and type(b) is float:
        if b == 0.0:
            if a == 0.0 or a != a:
                return math.nan
            return math.copysign(math.inf, a) * math.copysign(1.0, b)
        return a / b
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.true_divide(a, b)


def _exp_scalar(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return math.inf


_exp_array = np.frompyfunc(_exp_scalar, 1, 1)


def _exp(a):
    if type(a) is float:
        return _exp_scalar(a)
    with _quiet():  # math.exp leaves the overflow flag set, which numpy would report
        return _exp_array(np.asarray(a, dtype=np.float64)).astype(np.float64)


def _max(a, b):
    if type(a) is float and type(b) is float:
        if a > b:
            return a
        if b > a:
            return b
        if a != a or b != b:
            return math.nan
        return b if math.copysign(1.0, a) < 0 else a  # equal: +0 beats -0
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    with _quiet():
        return np.where(a == b, np.where(np.signbit(a), b, a), np.maximum(a, b))


def _min(a, b):
    if type(a) is float and type(b) is float:
        if a < b:
            return a
        if b < a:
            return b
        if a != a or b != b:
            return math.nan
        return a if math.copysign(1.0, a) < 0 else b  # equal: -0 beats +0
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    with _quiet():
        return np.where(a == b, np.where(np.signbit(a), a, b), np.minimum(a, b))


def _cmp(a, b):
    if type(a) is float and type(b) is float:
        if a < b:
            return -1.0
        if a > b:
            return 1.0
        return 0.0 if a == b else math.nan
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    with _quiet():
        return np.where(a < b, -1.0, np.where(a > b, 1.0, np.where(a == b, 0.0, np.nan)))


def _sel(a, b, c):
    if type(a) is float and type(b) is float and type(c) is float:
        return b if a != 0.0 else c
    return np.where(np.asarray(a, dtype=np.float64) != 0.0, b, c).astype(np.float64)


# add, sub, mul, fma, neg: Python floats follow IEEE 754 silently (inf - inf is nan, overflow is
# inf); numpy arrays get the same results with its floating-point warnings turned off.
def _quiet():
    return np.errstate(all="ignore")



def _add(a, b):
    if type(a) is float is type(b):
        return a + b
    with _quiet():
        return np.add(a, b, dtype=np.float64)


def _sub(a, b):
    if type(a) is float is type(b):
        return a - b
    with _quiet():
        return np.subtract(a, b, dtype=np.float64)


def _mul(a, b):
    if type(a) is float is type(b):
        return a * b
    with _quiet():
        return np.multiply(a, b, dtype=np.float64)


def _fma(a, b, c):  # two roundings, like the original: not a fused multiply-add
    if type(a) is float is type(b) and type(c) is float:
        return a * b + c
    with _quiet():
        return np.add(np.multiply(a, b, dtype=np.float64), c, dtype=np.float64)


def _neg(a):
    return -a if type(a) is float else np.negative(np.asarray(a, dtype=np.float64))


def _mov(a):
    return a if type(a) is float else np.array(a, dtype=np.float64)


_D3 = "rd:r!, ra:r, rb:r"
_L = LatencyKey
OPS: dict[str, OpSpec] = {op.name: op for op in (
    OpSpec("add", Pipe.D, _ops(_D3), _L.ADD, "rd = ra + rb", fn=_add),
    OpSpec("sub", Pipe.D, _ops(_D3), _L.ADD, "rd = ra - rb", fn=_sub),
    OpSpec("mul", Pipe.D, _ops(_D3), _L.MUL, "rd = ra * rb", fn=_mul),
    OpSpec("div", Pipe.D, _ops(_D3), _L.DIV, "rd = ra / rb (IEEE: x/0 = ±inf, 0/0 = nan)", fn=_div),
    OpSpec("max", Pipe.D, _ops(_D3), _L.ADD, "rd = max(ra, rb) (nan if either is nan; -0 < +0)", fn=_max),
    OpSpec("min", Pipe.D, _ops(_D3), _L.ADD, "rd = min(ra, rb) (nan if either is nan; -0 < +0)", fn=_min),
    OpSpec("fma", Pipe.D, _ops("rd:r!, ra:r, rb:r, rc:r"), _L.FMA, "rd = ra * rb + rc (rounded twice)",
           fn=_fma),
    OpSpec("mov", Pipe.D, _ops("rd:r!, src:ri"), _L.ADD, "rd = ra, or rd = #imm", fn=_mov),
    OpSpec("exp", Pipe.D, _ops("rd:r!, ra:r"), _L.EXP, "rd = e ** ra (inf on overflow, nan for nan)",
           fn=_exp, ours=True),
    OpSpec("neg", Pipe.D, _ops("rd:r!, ra:r"), _L.ADD, "rd = -ra", fn=_neg, ours=True),
    OpSpec("cmp", Pipe.D, _ops(_D3), _L.ADD, "rd = -1, 0 or 1 as ra <, =, > rb (nan if unordered)",
           fn=_cmp),
    OpSpec("sel", Pipe.D, _ops("rd:r!, ra:r, rb:r, rc:r"), _L.ADD, "rd = rb if ra != 0 else rc",
           fn=_sel),
    OpSpec("gather", Pipe.S, _ops("rd:r!, pc:p"), _L.GATHER, "rd = memory[pc] through the PPT",
           handler="gather"),
    OpSpec("scatter", Pipe.S, _ops("pc:p, rs:r"), _L.SCATTER, "memory[pc] = rs through the PPT",
           handler="scatter"),
    OpSpec("index", Pipe.S, _ops("pd:p!, ps:p, dim:dim, k:int"), _L.INDEX,
           "pd = ps with dimension dim moved by k", handler="index"),
    OpSpec("prefetch", Pipe.S, _ops("pc:p"), _L.PREFETCH, "install pc's page in the PPT", handler="prefetch"),
    OpSpec("send", Pipe.C, _ops("ms:m, dest:sentron"), _L.SEND, "deliver message ms to a sentron",
           handler="send"),
    OpSpec("recv", Pipe.C, _ops("dst:rm!, src:src"), _L.COORD,
           "take the oldest matching message (blocks until one is there)", handler="recv", blocking=True),
    OpSpec("bar", Pipe.C, _ops("id:int, count:int"), _L.COORD,
           "block until count sentrons reached barrier id", handler="bar", blocking=True),
    OpSpec("pack", Pipe.C, _ops("md:m!, ra:r, rb:r, rc:r, re:r"), _L.COORD,
           "md = (ra[, rb, rc, re]): a message from up to 4 registers", handler="pack", min_operands=2),
    OpSpec("unpack", Pipe.C, _ops("rd:r!, ms:m, lane:int"), _L.COORD, "rd = lane `lane` of ms",
           handler="unpack", ours=True),
    OpSpec("temp", Pipe.C, _ops("t:imm"), _L.COORD, "set this sentron's receive temperature",
           handler="temp", ours=True),
    OpSpec("beacon", Pipe.C, _ops("ms:m, radius:int"), _L.SEND,
           "send ms to every sentron whose home is within `radius` (hamming)", handler="beacon", ours=True),
    OpSpec("cprefetch", Pipe.C, _ops("pc:p"), _L.PREFETCH,
           "a prefetch issued from the C pipe, as microvtpu.py's optimized dot product does",
           handler="prefetch", ours=True),
)}

OP_NAMES = tuple(OPS)                                   # op id -> name (array-friendly decoded SIWs)
OP_ID = {name: i for i, name in enumerate(OP_NAMES)}   # name -> op id
NOP = "-"  # an empty slot; 'nop' is accepted too. Never counted as an op.


@dataclass(frozen=True, slots=True)
class Instr:
    """One op with its operands, e.g. ``Instr('add', (Reg('r',3), Reg('r',1), Reg('r',2)))``."""
    op: str
    args: tuple

    @property
    def spec(self) -> OpSpec:
        return OPS[self.op]

    def __str__(self) -> str:
        return self.op + (" " + ", ".join(str(a) for a in self.args) if self.args else "")

    def writes(self) -> list[Reg]:
        """Registers this op writes (its destination), in operand order."""
        return [a for a, o in zip(self.args, self.spec.operands) if o.writes and isinstance(a, Reg)]

    def reads(self) -> list[Reg]:
        """Registers this op reads."""
        return [a for a, o in zip(self.args, self.spec.operands) if not o.writes and isinstance(a, Reg)]


def ops_of_pipe(pipe: Pipe) -> list[str]:
    return [name for name, spec in OPS.items() if spec.pipe == pipe]


def op_table_markdown() -> str:
    """The op table as Markdown, for docs and notebook 02 (generated, never hand-copied)."""
    rows = ["| pipe | op | operands | latency key | effect |", "|---|---|---|---|---|"]
    for spec in OPS.values():
        operands = ", ".join(o.name for o in spec.operands)
        mark = " (ours)" if spec.ours else ""
        rows.append(f"| {spec.pipe} | `{spec.name}`{mark} | {operands} | {spec.latency_key} | {spec.summary} |")
    return "\n".join(rows)


__all__ = ["Pipe", "PIPES", "PIPE_BIT", "LatencyKey", "StallReason", "EventKind", "REG_FILES", "MSG_LANES",
           "Reg", "Imm", "float_bits", "Operand", "OpSpec", "OPS", "OP_NAMES", "OP_ID", "NOP", "Instr",
           "ops_of_pipe", "op_table_markdown"]
