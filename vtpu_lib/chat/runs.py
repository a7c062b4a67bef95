"""The programs the chat runs, and what it needs to run many of them on ONE machine.

* :func:`parse_vectors` reads the user's numbers ("1,2,3 and 4,5,6", "[2,4,6] . [3,5,7]");
* :func:`dot_program` builds a dot product of any two equal-length vectors with
  :class:`~vtpu_lib.build.ProgramBuilder`: the vectors sit in memory, the S pipe gathers them
  through the PPT and steps the two pointers (``index``), the D pipe accumulates with ``fma``,
  and the result is scattered back to memory;
* :func:`relocate` gives a program's sentrons fresh ids and names (and rewrites the send/recv
  operands that name them) so a second run of the same example can share the chat's machine.
"""

from __future__ import annotations

import dataclasses
import math
import re

from ..build import ProgramBuilder, op
from ..coord import Coord
from ..errors import VtpuError
from ..isa import OPS, Instr
from ..program import SIW, Program, SentronCode

__all__ = ["ORIGINAL_VECTORS", "MAX_ELEMENTS", "a_at", "b_at", "RESULT_AT", "parse_vectors", "dot_vectors",
           "dot_program", "python_dot", "relocate", "outputs", "num", "show_vector"]

ORIGINAL_VECTORS = ((2.0, 4.0, 6.0), (3.0, 5.0, 7.0))   # vtpu-chat's fixed example: 68
MAX_ELEMENTS = 256          # scrolls 1..256 of one chapter: well inside a dimension's 0..2047
RESULT_AT = "1.3.2"         # chapter 2 holds the chat's dot products (attention uses chapter 1)
_TOKEN = re.compile(r"(?P<word>[^\W\d_]\w*)|(?P<num>[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
                    r"|(?P<sep>[\s,;]+)|(?P<other>.)", re.S)
EXAMPLE = "e.g. 'dot product of 1,2,3 and 4,5,6'"


def a_at(i: int) -> str:
    return f"{i + 1}.1.2"    # a[i]: scroll i+1, section 1, chapter 2


def b_at(i: int) -> str:
    return f"{i + 1}.2.2"    # b[i]: scroll i+1, section 2, chapter 2


def parse_vectors(text: str) -> list[list[float]]:
    """Runs of numbers separated only by commas, semicolons or spaces; any word or bracket ends a run."""
    groups, cur = [], []
    for m in _TOKEN.finditer(text):
        if m.lastgroup == "num":
            cur.append(float(m.group()))
        elif m.lastgroup != "sep" and cur:
            groups.append(cur)
            cur = []
    return groups + [cur] if cur else groups


def show_vector(v: list[float]) -> str:
    return "[" + ", ".join(num(x) for x in v[:8]) + (", ..." if len(v) > 8 else "") + "]"


def dot_vectors(text: str) -> tuple[tuple, tuple, bool]:
    """(a, b, default?) from a line: the user's two vectors, or the original's when there are none."""
    groups = parse_vectors(text)
    if not groups:
        return (*ORIGINAL_VECTORS, True)
    if len(groups) != 2:
        read = ", ".join(show_vector(g) for g in groups[:4]) + (" ..." if len(groups) > 4 else "")
        raise VtpuError(f"I need exactly two vectors, and I read {len(groups)} list(s) of numbers: {read}",
                        hint=f"separate the two vectors with 'and', {EXAMPLE}")
    a, b = groups
    if len(a) != len(b):
        raise VtpuError(f"the vectors have different lengths: {show_vector(a)} has {len(a)}, "
                        f"{show_vector(b)} has {len(b)}",
                        hint=f"a dot product needs two vectors of the same length, {EXAMPLE}")
    if len(a) > MAX_ELEMENTS:
        raise VtpuError(f"{len(a)} elements is more than this chat's {MAX_ELEMENTS}",
                        hint="try a shorter pair of vectors")
    if not all(math.isfinite(x) for x in a + b):
        raise VtpuError("a number is too large for a float64 (it reads as infinity)", hint=EXAMPLE)
    return tuple(a), tuple(b), False


def dot_program(a, b, name: str = "dot") -> Program:
    """r0 = sum a[i]*b[i], walked with two pointers; the result is scattered to RESULT_AT."""
    pb = ProgramBuilder("dot_product.siw")
    for i, (x, y) in enumerate(zip(a, b)):
        pb.mem(a_at(i), x).mem(b_at(i), y)
    pb.sentron(name, home=a_at(0))
    pb.set("p0", a_at(0)).set("p1", b_at(0)).set("p2", RESULT_AT)
    for i in range(len(a)):
        pb.siw(op("gather", "r1", "p0"))
        pb.siw(op("gather", "r2", "p1"))
        if i < len(a) - 1:     # step both pointers to the next scroll while the fma waits for r2
            pb.siw(op("index", "p0", "p0", "scroll", 1))
            pb.siw(op("fma", "r0", "r1", "r2", "r0"), op("index", "p1", "p1", "scroll", 1))
        else:
            pb.siw(op("fma", "r0", "r1", "r2", "r0"))
    pb.siw(op("scatter", "p2", "r0"))
    return pb.build()


def python_dot(a, b) -> float:
    """The same sum in plain Python, in the machine's order and rounding (fma rounds twice)."""
    acc = 0.0
    for x, y in zip(a, b):
        acc = x * y + acc
    return acc


def num(x: float) -> str:
    """42.0 -> '42'; other values as repr (exact)."""
    return str(int(x)) if math.isfinite(x) and x.is_integer() and abs(x) < 2**53 else repr(x)


# -- many programs on one machine -----------------------------------------------------------------

def _who(value, ids: dict, names: dict):
    if isinstance(value, bool) or value == "any":
        return value
    return ids.get(value, value) if isinstance(value, int) else names.get(value, value)


def _instr(instr: Instr | None, ids: dict, names: dict) -> Instr | None:
    if instr is None:
        return None
    kinds = [o.kind for o in OPS[instr.op].operands]
    args = tuple(_who(a, ids, names) if k in ("sentron", "src") else a for k, a in zip(kinds, instr.args))
    return instr if args == instr.args else Instr(instr.op, args)


def relocate(program: Program, machine) -> Program:
    """``program`` with ids and names that are free on ``machine`` (itself if they already are): on
    the second run ``alice`` becomes ``alice_2`` and Alice's ``send m0, bob`` becomes ``send m0, bob_2``;
    ids taken by earlier runs move past the highest id in use."""
    used_ids, used_names = set(machine.sentrons), set(machine.names)
    ids, names = {s.id: s.id for s in program.sentrons}, {s.name: s.name for s in program.sentrons}
    if used_ids.intersection(ids):
        start = max(used_ids) + 1
        ids = {s.id: start + i for i, s in enumerate(program.sentrons)}
    if used_names.intersection(names):
        k = 2
        while any(f"{s.name}_{k}" in used_names for s in program.sentrons):
            k += 1
        names = {s.name: f"{s.name}_{k}" for s in program.sentrons}
    if all(ids[s.id] == s.id and names[s.name] == s.name for s in program.sentrons):
        return program

    def moved(code: SentronCode) -> SentronCode:
        siws = tuple(SIW(*(_instr(i, ids, names) for i in siw.slots)) for siw in code.siws)
        return dataclasses.replace(code, name=names[code.name], id=ids[code.id], siws=siws)
    return Program(tuple(moved(s) for s in program.sentrons), program.preload, program.source)


def outputs(code: SentronCode) -> list[Coord]:
    """The cells a sentron scatters to, when its pointer registers are set once (.set) and never moved."""
    init = dict(code.init)
    moved = {r for siw in code.siws for i in siw.ops() if i.op != "scatter" for r in i.writes()}
    return [init[i.args[0]] for siw in code.siws for i in siw.ops()
            if i.op == "scatter" and i.args[0] in init and i.args[0] not in moved]
