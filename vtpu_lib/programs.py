"""The original vTPU's example programs, as files and as builders.

Files live in ``vtpu_lib/programs/*.siw`` (``python -m vtpu_lib run`` takes them by path);
:func:`load` reads one by name. :func:`dot_product` builds the microvtpu dot products for any
vectors; a test checks it reproduces the shipped files for the original's four pairs.
"""

from __future__ import annotations

import difflib
from importlib import resources

from .asm import assemble
from .errors import ConfigError
from .program import Program

__all__ = ["ORIGINAL_PAIRS", "names", "source", "path", "load", "dot_product"]

ORIGINAL_PAIRS = ((2.0, 3.0), (4.0, 5.0), (6.0, 7.0), (8.0, 9.0))  # microvtpu.py's vectors: 140.0


def names() -> list[str]:
    return sorted(p.name[:-4] for p in resources.files(__package__).joinpath("programs").iterdir()
                  if p.name.endswith(".siw"))


def source(name: str) -> str:
    """The text of a shipped program, e.g. ``source('alice')``."""
    path = resources.files(__package__).joinpath("programs", f"{name}.siw")
    if not isinstance(name, str) or not path.is_file():
        close = difflib.get_close_matches(str(name), names(), n=1)
        raise ConfigError(f"no example program {name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""),
                          hint=f"the examples are {', '.join(names())}")
    return path.read_text(encoding="utf-8")


def path(name: str) -> str:
    source(name)  # raises a clear ConfigError for an unknown name
    return str(resources.files(__package__).joinpath("programs", f"{name}.siw"))


def load(name: str) -> Program:
    return assemble(source(name), file=f"{name}.siw")


def _a(i: int) -> str:
    return f"{i + 1}.1.1"  # a[i] lives at scroll i+1 of section 1


def _b(i: int) -> str:
    return f"{i + 1}.2.1"  # b[i] at scroll i+1 of section 2


def dot_product(pairs=ORIGINAL_PAIRS, version: str = "naive") -> str:
    """Program text for microvtpu's dot product: 'baseline', 'naive' or 'optimized'.

    * baseline: the CPU of microvtpu.py, one fused multiply-add per cycle, values in registers.
    * naive: gather a, gather b, mul, add -- one op per SIW.
    * optimized: microvtpu.py's "fully packed" version: the mul/add of element i-1 share SIWs
      with the gathers of element i, and the C slot carries prefetch hints for the next b.
    """
    if version not in ("baseline", "naive", "optimized"):
        raise ConfigError(f"version must be 'baseline', 'naive' or 'optimized', not {version!r}",
                          hint="the shipped files are microvtpu_baseline, microvtpu_naive, microvtpu_optimized")
    n = len(pairs)
    if version == "baseline":
        if 2 * n > 15:
            raise ConfigError(f"the baseline keeps a and b in r1..r15: at most 7 pairs, got {n}",
                              hint="use 'naive' or 'optimized' for up to 4 pairs from memory, or fewer pairs")
        lines = ["# dot product on microvtpu's baseline CPU: one fma per cycle, values in registers",
                 ".sentron cpu id=0"]
        for i, (a, b) in enumerate(pairs):
            lines += [f".set r{2 * i + 1} {a!r}", f".set r{2 * i + 2} {b!r}"]
        lines += [f"fma r0, r{2 * i + 1}, r{2 * i + 2}, r0 | - | -" for i in range(n)]
        return "\n".join(lines) + "\n"
    if n > 4:
        raise ConfigError(f"the {version} dot product addresses a and b with p0..p7: at most 4 pairs, got {n}",
                          hint="use 'baseline' for up to 7 pairs held in registers")
    lines = [f"# dot product, {version}: r0 = sum a[i]*b[i]; a[i] at {_a(0)}.., b[i] at {_b(0)}.."]
    for i, (a, b) in enumerate(pairs):
        lines += [f".mem {_a(i)} {a!r}", f".mem {_b(i)} {b!r}"]
    lines.append(".sentron dot id=0")
    lines += [f".set p{i} {_a(i)}" for i in range(n)] + [f".set p{4 + i} {_b(i)}" for i in range(n)]
    if version == "naive":
        for i in range(n):
            lines += [f"-              | gather r1, p{i} | -",
                      f"-              | gather r2, p{4 + i} | -",
                      "mul r3, r1, r2 | -             | -",
                      "add r0, r0, r3 | -             | -"]
    else:  # optimized
        for i in range(n):
            d1, d2 = ("mul r3, r1, r2", "add r0, r0, r3") if i > 0 else ("-", "-")
            hint = f"cprefetch p{4 + i + 1}" if i < n - 1 else "-"
            lines += [f"{d1:<14} | gather r1, p{i} | {hint}", f"{d2:<14} | gather r2, p{4 + i} | -"]
        lines += ["mul r3, r1, r2 | -             | -", "add r0, r0, r3 | -             | -"]
    return "\n".join(lines) + "\n"
