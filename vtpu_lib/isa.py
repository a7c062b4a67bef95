"""The op table: the single source of truth for assembler, disassembler, simulator and docs.

Each row says which pipe the op belongs to, its operands (and which of them it writes),
which latency of the :class:`~vtpu_lib.config.MachineConfig` it pays, and, for the dense
ops, the arithmetic itself. Semantics of the sparse and coordination ops (memory, PPT,
messages) live in ``sim.py``, keyed by the same names. See notebook 02 for the tour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Callable, NamedTuple


class Pipe(StrEnum):
    D = "D"  # dense: float arithmetic
    S = "S"  # sparse: memory through the PPT, address arithmetic
    C = "C"  # coordination: messages, barriers, temperature


PIPES = (Pipe.D, Pipe.S, Pipe.C)

# Register files: name -> number of registers.
REG_FILES = {"r": 16, "p": 8, "m": 4}
MSG_LANES = 4  # a message register holds up to 4 float64 values (256 bits)


class Reg(NamedTuple):
    """A register operand, e.g. ``Reg('r', 3)`` prints as ``r3``."""
    file: str
    index: int

    def __str__(self) -> str:
        return f"{self.file}{self.index}"


class Imm(NamedTuple):
    """An immediate operand, written ``#3.5``."""
    value: float

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
    latency_key: str      # which MachineConfig latency this op pays
    summary: str          # one line for docs and error hints
    fn: Callable | None = None   # dense ops: the arithmetic on float64 sources
    min_operands: int | None = None  # for ops with optional trailing operands (pack)
    blocking: bool = False  # may stall the sentron until it can complete (recv, bar)
    ours: bool = False      # not in the original vTPU code (see docs/decisions.md)

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


def _div(a: float, b: float) -> float:
    # IEEE 754 like real hardware: x/0 is ±inf, 0/0 is nan; no Python exception mid-run.
    if b == 0.0:
        return math.nan if a == 0.0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _exp(a: float) -> float:
    return math.exp(a) if a < 709.78 else math.inf


def _cmp(a: float, b: float) -> float:
    return -1.0 if a < b else (1.0 if a > b else 0.0)


_D3 = "rd:r!, ra:r, rb:r"
OPS: dict[str, OpSpec] = {op.name: op for op in (
    OpSpec("add", Pipe.D, _ops(_D3), "add", "rd = ra + rb", fn=lambda a, b: a + b),
    OpSpec("sub", Pipe.D, _ops(_D3), "add", "rd = ra - rb", fn=lambda a, b: a - b),
    OpSpec("mul", Pipe.D, _ops(_D3), "mul", "rd = ra * rb", fn=lambda a, b: a * b),
    OpSpec("div", Pipe.D, _ops(_D3), "div", "rd = ra / rb (IEEE: x/0 = ±inf)", fn=_div),
    OpSpec("max", Pipe.D, _ops(_D3), "add", "rd = max(ra, rb)", fn=max),
    OpSpec("min", Pipe.D, _ops(_D3), "add", "rd = min(ra, rb)", fn=min),
    OpSpec("fma", Pipe.D, _ops("rd:r!, ra:r, rb:r, rc:r"), "fma", "rd = ra * rb + rc",
           fn=lambda a, b, c: a * b + c),
    OpSpec("mov", Pipe.D, _ops("rd:r!, src:ri"), "add", "rd = ra, or rd = #imm", fn=lambda a: a),
    OpSpec("exp", Pipe.D, _ops("rd:r!, ra:r"), "exp", "rd = e ** ra", fn=_exp, ours=True),
    OpSpec("neg", Pipe.D, _ops("rd:r!, ra:r"), "add", "rd = -ra", fn=lambda a: -a, ours=True),
    OpSpec("cmp", Pipe.D, _ops(_D3), "add", "rd = -1, 0 or 1 as ra <, =, > rb", fn=_cmp),
    OpSpec("sel", Pipe.D, _ops("rd:r!, ra:r, rb:r, rc:r"), "add", "rd = rb if ra != 0 else rc",
           fn=lambda a, b, c: b if a != 0.0 else c),
    OpSpec("gather", Pipe.S, _ops("rd:r!, pc:p"), "gather", "rd = memory[pc] through the PPT"),
    OpSpec("scatter", Pipe.S, _ops("pc:p, rs:r"), "scatter", "memory[pc] = rs through the PPT"),
    OpSpec("index", Pipe.S, _ops("pd:p!, ps:p, dim:dim, k:int"), "index",
           "pd = ps with dimension dim moved by k"),
    OpSpec("prefetch", Pipe.S, _ops("pc:p"), "prefetch", "install pc's page in the PPT"),
    OpSpec("send", Pipe.C, _ops("ms:m, dest:sentron"), "send", "deliver message ms to a sentron"),
    OpSpec("recv", Pipe.C, _ops("dst:rm!, src:src"), "coord",
           "take the oldest matching message (blocks until one is there)", blocking=True),
    OpSpec("bar", Pipe.C, _ops("id:int, count:int"), "coord",
           "block until count sentrons reached barrier id", blocking=True),
    OpSpec("pack", Pipe.C, _ops("md:m!, ra:r, rb:r, rc:r, re:r"), "coord",
           "md = (ra[, rb, rc, re]): a message from up to 4 registers", min_operands=2),
    OpSpec("unpack", Pipe.C, _ops("rd:r!, ms:m, lane:int"), "coord", "rd = lane `lane` of ms",
           ours=True),
    OpSpec("temp", Pipe.C, _ops("t:imm"), "coord", "set this sentron's receive temperature",
           ours=True),
    OpSpec("beacon", Pipe.C, _ops("ms:m, radius:int"), "send",
           "send ms to every sentron whose home is within `radius` (hamming)", ours=True),
    OpSpec("cprefetch", Pipe.C, _ops("pc:p"), "prefetch",
           "a prefetch issued from the C pipe, as microvtpu.py's optimized dot product does",
           ours=True),
)}

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
