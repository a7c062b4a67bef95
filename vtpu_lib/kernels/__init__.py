"""Benchmark kernels: naive, correct programs with independently computed expected results.

Each factory in :data:`KERNELS` builds a :class:`Kernel` -- the naive program (one op per SIW,
loops as ``repeat`` regions), the cells holding its results and their expected values, computed
in plain Python from the same seeded inputs. ``kernel("dot", n=128)`` builds one;
``k.check(run(k.program, "realistic"))`` is ``[]`` when the machine left exactly those bits. The
scheduler's benchmark (issue 10, ``bench/kernels.py``) packs, unrolls, pipelines and prefetches
these programs and checks every transformed run the same way::

    from vtpu_lib.kernels import kernel
    from vtpu_lib.machine import run

    k = kernel("dot")
    assert k.check(run(k.program, "seed")) == []
    k.bounds()["dot"].mix        # 321 ops / 257 S ops = 1.25
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Mapping
from types import MappingProxyType

from ..errors import ConfigError
from .checks import BALANCED_MIX, Kernel
from .library import dot, hp_add, matvec, saxpy, stencil
from .library_multi import attention_pair, halo_stencil, pipeline, tree_reduce

KERNELS: Mapping[str, Callable[..., Kernel]] = MappingProxyType({
    "dot": dot,
    "saxpy": saxpy,
    "hp_add": hp_add,
    "matvec": matvec,
    "stencil": stencil,
    "tree_reduce": tree_reduce,
    "attention_pair": attention_pair,
    "halo_stencil": halo_stencil,
    "pipeline": pipeline,
})


def kernel(name: str, **sizes) -> Kernel:
    """The kernel ``name`` built with the given keyword sizes (each factory's defaults otherwise)."""
    factory = KERNELS.get(name) if isinstance(name, str) else None
    if factory is None:
        close = difflib.get_close_matches(str(name), KERNELS, n=1)
        raise ConfigError(f"no kernel {name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""),
                          hint=f"the kernels are {', '.join(KERNELS)}")
    params = inspect.signature(factory).parameters
    unknown = sorted(set(sizes) - set(params))
    if unknown:
        accepted = ", ".join(f"{p}={v.default!r}" for p, v in params.items()) or "none"
        raise ConfigError(f"kernel {name!r} has no parameter {', '.join(unknown)}", hint=f"its parameters: {accepted}")
    return factory(**sizes)


def all_kernels() -> list[Kernel]:
    """Every kernel at its default sizes, in registry order."""
    return [factory() for factory in KERNELS.values()]


__all__ = ["Kernel", "KERNELS", "BALANCED_MIX", "kernel", "all_kernels"]
