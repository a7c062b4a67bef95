"""Did two runs leave the same machine state? Registers and memory, compared by their bits.

The machine-side check beside :func:`~vtpu_lib.schedule.validate` (which proves equality
symbolically, before anything runs): every transformation is tested both ways.
"""

from __future__ import annotations

from ..isa import float_bits


def _bits(value):
    if isinstance(value, float):
        return float_bits(value)
    if isinstance(value, tuple) and value and isinstance(value[0], float):
        return tuple(float_bits(v) for v in value)
    return value


def differences(a, b, ignore=()) -> list[str]:
    """Where trace ``b`` ends differently from trace ``a``: one line per register or memory cell.
    ``ignore`` names registers a transformation may use as scratch (``"main.r15"`` or ``"r15"``)."""
    out = []
    by_name = {s.name: s for s in b.sentrons}
    for s in a.sentrons:
        other = by_name.get(s.name)
        if other is None:
            out.append(f"sentron {s.name} is missing")
            continue
        for reg, value in s.registers.items():
            if reg in ignore or f"{s.name}.{reg}" in ignore:
                continue
            if _bits(value) != _bits(other.registers[reg]):
                out.append(f"{s.name}.{reg}: {other.registers[reg]!r}, expected {value!r}")
    for coord in sorted(set(a.memory) | set(b.memory)):
        x, y = a.memory.get(coord), b.memory.get(coord)
        if (x is None) != (y is None) or (x is not None and float_bits(x) != float_bits(y)):
            out.append(f"memory[{coord.short()}]: {y!r}, expected {x!r}")
    return out


__all__ = ["differences"]
