"""Phext coordinates: 11 dimensions of 11 bits, written scroll first.

``Coord.parse("2.1.1/1.1.1/1.1.1.1.1")`` is the cell one scroll away from the origin
(all ones). The first written number is dimension 0, the innermost ("scroll"); see
notebook 02 for the picture. Short forms fill the missing outer dimensions with 1:
``Coord.parse("4.1.1") == Coord.parse("4.1.1/1.1.1/1.1.1.1.1")``.
"""

from __future__ import annotations

from .errors import CoordError

NDIMS = 11
DIM_MAX = 2047  # 11 bits per dimension
GROUPS = (3, 3, 5)  # the written form a.b.c/d.e.f/g.h.i.j.k
DIM_NAMES = ("scroll", "section", "chapter", "book", "volume", "collection",
             "series", "shelf", "library", "node", "cluster")  # innermost first

# Locality tier by the highest differing dimension (the spec's table).
TIERS = ("L1", "L2", "L3", "DRAM", "remote")
_TIER_OF_DIM = ("L1",) * 3 + ("L2",) * 2 + ("L3",) * 3 + ("DRAM",) * 2 + ("remote",)


def _is_uint(text: str) -> bool:
    """1 to 18 ASCII digits: str.isdigit() also accepts '²', which int() rejects, and int()
    refuses numbers of more than 4300 digits."""
    return text.isascii() and text.isdigit() and len(text) <= 18


class Coord(tuple):
    """An immutable 11-dimensional phext coordinate; ``c[0]`` is the scroll (innermost).

    A tuple subclass so that hashing and equality run at C speed: coordinates are the keys
    of memory and of the PPT, touched on every gather and scatter.
    Ordering is lexicographic from the outermost dimension to the innermost.
    """

    __slots__ = ()

    def __new__(cls, dims=(1,) * NDIMS):
        dims = tuple(dims)
        if len(dims) != NDIMS:
            raise CoordError(f"a coordinate has {NDIMS} dimensions, got {len(dims)}: {dims}")
        for i, d in enumerate(dims):
            if not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= DIM_MAX:
                raise CoordError(f"dimension {i} ({DIM_NAMES[i]}) = {d!r} is outside 0..{DIM_MAX}")
        return _interned(dims) if cls is Coord else tuple.__new__(cls, dims)

    @classmethod
    def parse(cls, text: str) -> "Coord":
        """Parse ``a.b.c/d.e.f/g.h.i.j.k`` or a short form such as ``4.1.1``."""
        if isinstance(text, Coord):
            return text
        if not isinstance(text, str) or not text.strip():
            raise CoordError(f"expected a coordinate like '1.1.1/1.1.1/1.1.1.1.1', got {text!r}")
        groups = text.strip().split("/")
        if len(groups) > 3:
            raise CoordError(f"coordinate {text!r} has {len(groups)} groups; at most 3 (3/3/5 numbers)",
                             hint="write a.b.c/d.e.f/g.h.i.j.k, scroll first")
        dims: list[int] = []
        for g, group in enumerate(groups):
            parts = group.split(".")
            if len(parts) > GROUPS[g] or (g < len(groups) - 1 and len(parts) != GROUPS[g]):
                raise CoordError(f"group {g + 1} of coordinate {text!r} has {len(parts)} numbers, "
                                 f"expected {GROUPS[g]}", hint="groups hold 3, 3 and 5 numbers")
            for part in parts:
                if not _is_uint(part.strip()):
                    raise CoordError(f"{part!r} in coordinate {text!r} is not a whole number")
                value = int(part)
                if value > DIM_MAX:
                    raise CoordError(f"{value} in coordinate {text!r} ({DIM_NAMES[len(dims)]}) "
                                     f"is outside 0..{DIM_MAX}")
                dims.append(value)
        return cls(dims + [1] * (NDIMS - len(dims)))

    def __str__(self) -> str:
        d = [str(x) for x in self]
        return ".".join(d[:3]) + "/" + ".".join(d[3:6]) + "/" + ".".join(d[6:])

    def __repr__(self) -> str:
        return f"Coord('{self}')"

    def __copy__(self):
        return self  # immutable

    def __deepcopy__(self, memo):
        return self

    def short(self) -> str:
        """The shortest written form that parses back to this cell: ``2.1.1`` for
        ``2.1.1/1.1.1/1.1.1.1.1`` (trailing groups of ones dropped)."""
        text = str(self)
        for tail in ("/1.1.1.1.1", "/1.1.1"):
            if text.endswith(tail):
                text = text[: -len(tail)]
            else:
                break
        return text

    def moved(self, dim: int, k: int) -> "Coord":
        """This coordinate with dimension ``dim`` moved by ``k`` (what the ``index`` op does)."""
        v = self[dim] + k
        if not 0 <= v <= DIM_MAX:
            raise CoordError(f"dimension {dim} ({DIM_NAMES[dim]}) = {v} is outside 0..{DIM_MAX}")
        return _interned(self[:dim] + (v,) + self[dim + 1:])

    # ordering: outermost dimension first
    def _key(self):
        return tuple(reversed(self))

    def __lt__(self, other): return self._key() < Coord._key(other)
    def __le__(self, other): return self._key() <= Coord._key(other)
    def __gt__(self, other): return self._key() > Coord._key(other)
    def __ge__(self, other): return self._key() >= Coord._key(other)
    __hash__ = tuple.__hash__
    __eq__ = tuple.__eq__


# Equal coordinates are usually the same object: a dict that finds its key by identity skips
# Coord's Python-level __eq__ (memory, the PPT and the event log look coordinates up on every
# gather and scatter). A memo, not state: it only changes which object an equal value is.
_INTERNED: dict[tuple, Coord] = {}
_INTERN_LIMIT = 1 << 16


def _interned(dims: tuple) -> Coord:
    c = _INTERNED.get(dims)
    if c is None:
        c = tuple.__new__(Coord, dims)
        if len(_INTERNED) < _INTERN_LIMIT:
            _INTERNED[tuple(dims)] = c
    return c


ORIGIN = Coord()


def hamming(a: Coord, b: Coord) -> int:
    """Number of dimensions in which ``a`` and ``b`` differ."""
    return sum(x != y for x, y in zip(a, b))


def manhattan(a: Coord, b: Coord) -> int:
    """Sum of absolute differences over all 11 dimensions."""
    return sum(abs(x - y) for x, y in zip(a, b))


def highest_differing_dim(a: Coord, b: Coord) -> int:
    """The outermost dimension where ``a`` and ``b`` differ, or -1 if they are equal."""
    for i in range(NDIMS - 1, -1, -1):
        if a[i] != b[i]:
            return i
    return -1


def tier(home: Coord, c: Coord) -> str:
    """Locality tier of an access from ``home`` to ``c``: L1, L2, L3, DRAM or remote."""
    d = highest_differing_dim(home, c)
    return "L1" if d < 0 else _TIER_OF_DIM[d]


def to_phext_standard(c: Coord) -> str:
    """The same cell in the phext standard's order: 9 dims, library first, each 1..999."""
    if c[9] != 1 or c[10] != 1:
        raise CoordError(f"{c} uses node/cluster (dims 9-10), which a phext file cannot express")
    if not all(1 <= d <= 999 for d in c[:9]):
        raise CoordError(f"{c} has a dimension outside 1..999, which a phext file cannot express")
    d = [str(x) for x in reversed(c[:9])]
    return ".".join(d[:3]) + "/" + ".".join(d[3:6]) + "/" + ".".join(d[6:])


def from_phext_standard(text: str) -> Coord:
    """Inverse of :func:`to_phext_standard`."""
    parts = text.replace("/", ".").split(".")
    if len(parts) != 9 or not all(_is_uint(p) and 1 <= int(p) <= 999 for p in parts):
        raise CoordError(f"{text!r} is not a phext standard coordinate (9 numbers, library first)")
    return Coord([int(p) for p in reversed(parts)] + [1, 1])


__all__ = ["NDIMS", "DIM_MAX", "GROUPS", "DIM_NAMES", "TIERS", "Coord", "ORIGIN", "hamming", "manhattan", "highest_differing_dim", "tier", "to_phext_standard", "from_phext_standard"]
