"""Weights on disk: safetensors files, and tensors laid out in phext memory (notebook 11).

:func:`save_weights` / :func:`load_weights` use the ``safetensors`` package's numpy API. Three
things it does not do on its own, done here:

* every array goes through ``np.ascontiguousarray`` first -- safetensors 0.8 writes a
  Fortran-ordered or strided array's memory as if it were C-ordered, **wrongly and without an
  error**;
* the file is written atomically (a temp file ``.vtpu-*.tmp`` in the same folder, fsync, then
  one ``os.replace``), so a crash leaves the old file or the new one, never half of one;
* the metadata carry a SHA-256 of the tensors (``vtpu_sha256``), so a flipped byte inside the
  data is caught (safetensors itself only notices a broken header or a wrong length).

Loading returns a complete dict or raises :class:`WeightsError` (truncated or corrupt file,
missing or unexpected tensor, wrong shape or dtype): nothing is ever half-loaded. The vTPU
computes in float64, so float64 is the only dtype saved and accepted.

:func:`weights_to_memory` / :func:`weights_from_memory` put the same tensors into phext memory
(:class:`~vtpu_lib.memory.Memory`, which saves atomically to a ``.phext`` file); the
:class:`Placement` of each tensor says where its elements live.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass

import numpy as np

from ..coord import Coord
from ..errors import VtpuError
from ..memory import Memory, check_regular_file

MAX_FILE_BYTES = 1 << 30  # 1 GiB: far beyond a course model, small enough to read safely
DIGEST_KEY = "vtpu_sha256"  # metadata entry holding the tensors' checksum
SCROLLS_PER_CHAPTER = 256  # a tensor's elements fill scrolls, then move one chapter on
_HINT_FILE = "give the path of a .safetensors file written by save_weights"


class WeightsError(VtpuError):
    """A weights file or layout that cannot be saved or loaded; nothing was half-loaded."""


def _tensors(params: dict) -> dict[str, np.ndarray]:
    """C-contiguous float64 copies-if-needed, checked: safetensors saves strided arrays wrong."""
    if not isinstance(params, dict) or not params:
        raise WeightsError(f"params must be a non-empty dict of name -> array, got {type(params).__name__}",
                           hint="e.g. save_weights(net.params, 'model.safetensors')")
    out = {}
    for name, value in params.items():
        if not isinstance(name, str) or not name:
            raise WeightsError(f"tensor name {name!r} is not a non-empty string")
        arr = np.asarray(value)
        if arr.dtype != np.float64:
            raise WeightsError(f"tensor {name!r} has dtype {arr.dtype}; the vTPU's numbers are float64",
                               hint="convert it with .astype(np.float64)")
        out[name] = np.ascontiguousarray(arr).reshape(arr.shape)  # it makes 0-d arrays 1-d
    return out


def _digest(tensors: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors):
        a = tensors[name]
        h.update(f"{name}|{a.dtype.str}|{list(a.shape)}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save_weights(params: dict[str, np.ndarray], path: str | os.PathLike) -> None:
    """Save float64 tensors to a safetensors file, atomically (old file kept on any failure)."""
    from safetensors.numpy import save_file

    path = os.fspath(path)
    tensors = _tensors(params)
    if os.path.isdir(path):
        raise WeightsError(f"{path}: is a folder, not a file",
                           hint=f"give a file name, e.g. {os.path.join(path, 'model.safetensors')}")
    folder = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".vtpu-", suffix=".tmp", dir=folder)
        os.close(fd)
        save_file(tensors, tmp, metadata={DIGEST_KEY: _digest(tensors)})
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise WeightsError(f"{path}: cannot write: {e.strerror or e}",
                           hint="check that the folder exists and is writable") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _read(path: str) -> tuple[dict[str, np.ndarray], dict]:
    """Tensors and metadata of a file, every failure as WeightsError."""
    from safetensors import SafetensorError, safe_open
    from safetensors.numpy import load_file

    try:
        check_regular_file(path, MAX_FILE_BYTES)
        tensors = load_file(path)
        with safe_open(path, framework="numpy") as f:
            metadata = f.metadata() or {}
    except OSError as e:
        raise WeightsError(f"{path}: cannot read: {e.strerror or e}", hint=_HINT_FILE) from None
    except (SafetensorError, ValueError, TypeError) as e:  # what safetensors raises on bad bytes
        raise WeightsError(f"{path}: not a valid safetensors file (truncated or corrupt): {e}",
                           hint=_HINT_FILE) from None
    return tensors, metadata


def load_weights(path: str | os.PathLike,
                 expected: dict[str, tuple[int, ...]] | None = None) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file, as writable float64 arrays.

    ``expected`` (name -> shape): the file must hold exactly these tensors with these shapes
    (the result follows its order). A file written by :func:`save_weights` is also checked
    against its checksum. Raises :class:`WeightsError` before returning anything."""
    path = os.fspath(path)
    tensors, metadata = _read(path)
    problems = [f"tensor {n!r} has dtype {a.dtype}, expected float64"
                for n, a in tensors.items() if a.dtype != np.float64]
    if DIGEST_KEY in metadata and not problems and _digest(tensors) != metadata[DIGEST_KEY]:
        problems.append("the tensors' checksum differs from the one saved (the data were changed)")
    if expected is not None:
        missing = [n for n in expected if n not in tensors]
        extra = sorted(n for n in tensors if n not in expected)
        problems += [f"tensor {n!r} is missing" for n in missing]
        problems += [f"tensor {n!r} is not expected" for n in extra]
        problems += [f"tensor {n!r} has shape {tensors[n].shape}, expected {tuple(shape)}"
                     for n, shape in expected.items() if n in tensors and tensors[n].shape != tuple(shape)]
    if problems:
        raise WeightsError(f"{path}: " + "; ".join(problems),
                           hint="save the weights again from the model they belong to")
    order = list(expected) if expected is not None else sorted(tensors)
    return {n: np.array(tensors[n], dtype=np.float64, order="C") for n in order}


# -- weights in phext memory ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Placement:
    """Where a tensor lives in phext memory: element ``i`` (row-major) at :meth:`coord`."""

    name: str
    first: Coord  # element 0
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def coord(self, i: int) -> Coord:
        """Scroll ``first + i % 256``, chapter ``first + i // 256`` (all one L1 tier)."""
        return self.first.moved(0, i % SCROLLS_PER_CHAPTER).moved(2, i // SCROLLS_PER_CHAPTER)

    def __repr__(self) -> str:
        last = self.coord(self.size - 1).short() if self.size else "-"
        return f"Placement({self.name!r}, {self.shape}, {self.first.short()}..{last})"


def weight_layout(shapes: dict[str, tuple[int, ...]], base: Coord | str = "1.1.1") -> dict[str, Placement]:
    """Tensor ``t`` (in dict order) starts at ``base`` moved ``t`` sections on. Raises unless
    every cell fits a phext file (dimensions 1..999, as :meth:`Memory.save` requires)."""
    base = Coord.parse(base) if isinstance(base, str) else base
    layout = {}
    for t, (name, shape) in enumerate(shapes.items()):
        shape = tuple(int(s) for s in shape)
        size = int(np.prod(shape, dtype=np.int64))
        last = (base[0] + min(size, SCROLLS_PER_CHAPTER) - 1, base[1] + t,
                base[2] + max(size - 1, 0) // SCROLLS_PER_CHAPTER)
        if max(last) > 999 or base[9] != 1 or base[10] != 1 or min(base[:9]) < 1:
            raise WeightsError(f"tensor {name!r} {shape} from {base.short()} would leave the cells a phext "
                               f"file can hold (dims 0-8 in 1..999, dims 9-10 = 1)",
                               hint="choose a base closer to 1.1.1 or split the tensor")
        layout[name] = Placement(name, base.moved(1, t), shape)
    return layout


def weights_to_memory(params: dict[str, np.ndarray], base: Coord | str = "1.1.1",
                      memory: Memory | None = None) -> tuple[Memory, dict[str, Placement]]:
    """Write every tensor into ``memory`` (a new :class:`Memory` if None) at
    :func:`weight_layout` places; returns the memory and the layout."""
    tensors = _tensors(params)
    layout = weight_layout({n: a.shape for n, a in tensors.items()}, base)
    memory = Memory() if memory is None else memory
    for name, place in layout.items():
        for i, value in enumerate(tensors[name].ravel().tolist()):
            memory.write(place.coord(i), value)
    return memory, layout


def weights_from_memory(memory: Memory | dict, layout: dict[str, Placement]) -> dict[str, np.ndarray]:
    """The tensors a layout describes, read back from a Memory or a trace's ``memory`` dict.
    A cell never written (memory would read it as 0.0) is an error, not a silent zero."""
    cells = memory.cells() if isinstance(memory, Memory) else dict(memory)
    out = {}
    for name, place in layout.items():
        coords = [place.coord(i) for i in range(place.size)]
        absent = [c for c in coords if c not in cells]
        if absent:
            raise WeightsError(f"tensor {name!r}: {len(absent)} of its {place.size} cells are not in memory "
                               f"(first: {absent[0].short()})",
                               hint="load the memory file the weights were saved to, with the same layout")
        out[name] = np.array([cells[c] for c in coords], dtype=np.float64).reshape(place.shape)
    return out


__all__ = ["WeightsError", "MAX_FILE_BYTES", "save_weights", "load_weights", "Placement", "weight_layout",
           "weights_to_memory", "weights_from_memory"]
