"""Decode once, to data: a sentron's SIWs as a tuple of plain, immutable records.

``decode(code, config, mode, slot_order)`` is a pure function. Its records hold only numbers,
enums, tuples and the op table's own functions -- no closure captures a machine, a sentron or a
register list -- so every machine that runs the code (a fork, a what-if run, another engine)
shares them. Identical SIW lines (a ``.repeat`` body) decode to the *same* record.

A :class:`DecodedSIW` says what the scoreboard checks (``waits``), which pipes the SIW occupies
(``pipes``, D=1 S=2 C=4), its blocking check if it has a recv or bar, and one
:class:`DecodedOp` per non-empty slot in execution order; ``buffered`` is set in vliw mode when
a later slot reads what an earlier slot writes (its writes are then held to the end of the cycle).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from ..config import MachineConfig, get_config
from ..errors import ConfigError, VtpuInternalError
from ..isa import OP_ID, PIPE_BIT, PIPES, Imm, Instr, Reg, StallReason
from ..program import SIW, SentronCode
from .handlers import HANDLERS, EFFECT, TIMED, VALUE
from .state import flat

# How the run loop executes an op (DecodedOp.kind): dense ops by their number of sources,
# a constant (mov #imm), or a handler of the given kind.
D1, D2, D3, CONST, HVALUE, HTIMED, HEFFECT = range(7)
_HANDLER_KIND = {VALUE: HVALUE, TIMED: HTIMED, EFFECT: HEFFECT}
MODES = ("vliw", "sequential")


class DecodedOp(NamedTuple):
    kind: int          # D1, D2, D3, CONST, HVALUE, HTIMED or HEFFECT
    fn: Callable | None  # the dense function, or the handler (None for CONST)
    dst: int           # flat register written, or -1
    a: int             # flat source registers (-1 when absent), as the run loop reads them
    b: int
    c: int
    latency: int       # static result latency (cycles)
    bit: int           # this slot's pipe bit: D=1, S=2, C=4
    args: tuple        # non-register operands: immediates, dims, steps, ids, names
    srcs: tuple        # every flat source register, in operand order
    op: int            # op id (isa.OP_ID)


    def __repr__(self) -> str:
        from ..isa import OP_NAMES
        from .state import reg_name
        srcs = ", ".join(reg_name(i) for i in self.srcs)
        dst = f"{reg_name(self.dst)} <- " if self.dst >= 0 else ""
        extra = ", ".join(map(repr, self.args))
        return f"<{OP_NAMES[self.op]} {dst}{srcs}{'; ' + extra if extra else ''} (latency {self.latency})>"


class DecodedSIW(NamedTuple):
    waits: tuple       # registers the scoreboard checks: sources must be ready; no pending
                       # write may remain on a destination (write-after-write)
    pipes: int         # bit mask of the pipes this SIW occupies
    block: Callable | None     # can_issue of its blocking op (recv, bar), or None
    block_op: DecodedOp | None
    block_reason: StallReason | None
    ops: tuple         # DecodedOp per non-empty slot, in execution order
    buffered: bool


    def __repr__(self) -> str:
        from .state import reg_name
        pipes = "".join(p for p, bit in zip("DSC", (1, 2, 4)) if self.pipes & bit) or "none"
        return (f"DecodedSIW(pipes {pipes}, waits on {', '.join(map(reg_name, self.waits)) or 'nothing'}"
                f"{', blocking' if self.block else ''}{', buffered' if self.buffered else ''}: "
                + "; ".join(map(repr, self.ops)) + ")")


class Decoded(tuple):
    """A sentron's decoded SIWs (a tuple, one record per SIW) that prints as a summary."""

    __slots__ = ()

    def __repr__(self) -> str:
        unique = len({id(d) for d in self})
        first = f"; first: {self[0]!r}" if self else ""
        return f"Decoded({len(self):,} SIWs, {unique:,} distinct records{first})"

    def __deepcopy__(self, memo):
        return self  # immutable records: forks share them


def _decode_op(instr: Instr, pipe, latency: dict) -> DecodedOp:
    spec = instr.spec
    regs = [flat(a) for a, o in zip(instr.args, spec.operands) if isinstance(a, Reg) and not o.writes]
    dst = next((flat(a) for a, o in zip(instr.args, spec.operands) if o.writes and isinstance(a, Reg)), -1)
    others = tuple(float(a.value) if isinstance(a, Imm) else a for a in instr.args if not isinstance(a, Reg))
    a, b, c = (regs + [-1, -1, -1])[:3]
    lat = latency[spec.latency_key]
    bit = PIPE_BIT[pipe]
    if spec.fn is not None:
        if others:  # mov rd, #imm
            return DecodedOp(CONST, None, dst, -1, -1, -1, lat, bit, others, (), OP_ID[instr.op])
        kind = (D1, D2, D3)[len(regs) - 1]
        return DecodedOp(kind, spec.fn, dst, a, b, c, lat, bit, (), tuple(regs), OP_ID[instr.op])
    handler = HANDLERS.get(spec.handler)
    if handler is None:
        raise VtpuInternalError(f"op {instr.op!r} names handler {spec.handler!r}, which is not in HANDLERS")
    if instr.op == "recv":  # into an r register: lane 0 of the message; into m: all of it
        others = others + (instr.args[0].file == "r",)
    return DecodedOp(_HANDLER_KIND[handler.kind], handler.fn, dst, a, b, c, lat, bit, others, tuple(regs),
                     OP_ID[instr.op])


def decode_siw(siw: SIW, config: MachineConfig, mode: str = "vliw", slot_order: str = "DSC") -> DecodedSIW:
    latency = config.latency_cycles
    ops, srcs, dsts, written = [], [], [], set()
    pipes, buffered = 0, False
    block = block_op = block_reason = None
    by_pipe = dict(zip("DSC", siw.slots))
    for name in slot_order:
        instr = by_pipe[name]
        if instr is None:
            continue
        pipe = PIPES["DSC".index(name)]
        op = _decode_op(instr, pipe, latency)
        pipes |= op.bit
        for i in op.srcs:
            # sequential: a value produced earlier in the same SIW is forwarded, not waited for
            if not (mode == "sequential" and i in written):
                srcs.append(i)
            if mode == "vliw" and i in written:
                buffered = True  # it must read the old value: writes land at the end of the cycle
        if op.dst >= 0:
            dsts.append(op.dst)
            written.add(op.dst)
        if instr.spec.blocking:
            handler = HANDLERS[instr.spec.handler]
            block, block_op, block_reason = handler.can_issue, op, handler.reason
        ops.append(op)
    return DecodedSIW(tuple(dict.fromkeys(srcs + dsts)), pipes, block, block_op, block_reason, tuple(ops), buffered)


def check_mode(mode: str, slot_order: str) -> None:
    if mode not in MODES:
        raise ConfigError(f"unknown mode {mode!r}", hint="choose 'vliw' or 'sequential'")
    if not isinstance(slot_order, str) or sorted(slot_order) != ["C", "D", "S"]:
        raise ConfigError(f"slot_order {slot_order!r} must be an ordering of 'DSC'", hint="e.g. 'SDC'")
    if slot_order != "DSC" and mode != "sequential":
        raise ConfigError("slot_order only applies in 'sequential' mode (vliw slots are simultaneous)")


def decode(code: SentronCode, config: MachineConfig | str = "seed", mode: str = "vliw",
           slot_order: str = "DSC") -> Decoded:
    """``code``'s SIWs decoded for ``config`` and ``mode``: one record per SIW, shared between
    identical SIWs (the same object for every repetition of a line, equal records for equal lines)."""
    config = get_config(config)
    check_mode(mode, slot_order)
    by_id: dict[int, DecodedSIW] = {}
    by_value: dict[SIW, DecodedSIW] = {}
    out = []
    for siw in code.siws:
        d = by_id.get(id(siw))
        if d is None:
            d = by_value.get(siw)
            if d is None:
                d = by_value[siw] = decode_siw(siw, config, mode, slot_order)
            by_id[id(siw)] = d
        out.append(d)
    return Decoded(out)


__all__ = ["decode", "decode_siw", "Decoded", "DecodedSIW", "DecodedOp", "check_mode", "MODES",
           "D1", "D2", "D3", "CONST", "HVALUE", "HTIMED", "HEFFECT"]
