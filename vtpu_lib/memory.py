"""Phext-addressed memory: coordinate -> float64, unwritten cells read 0.0.

Memory can be saved to and loaded from a ``.phext`` file (the phext package's
``implode``/``explode``). Values are stored as ``repr(float)`` so they round-trip exactly.
The file's first scroll starts with a manifest line holding the cell count and a SHA-256
of the cells: a truncated or edited file is detected and rejected, and memory is left
untouched. Saves are atomic (temp file + rename).
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile

from .coord import Coord, from_phext_standard, to_phext_standard
from .errors import CoordError, PhextFileError

FORMAT = "vtpu-memory 1"
ORIGIN_PHEXT = "1.1.1/1.1.1/1.1.1"  # the first scroll; its first line is the manifest


def _digest(scrolls: dict[str, str]) -> str:
    """SHA-256 over the cells in a canonical form, independent of the file's layout."""
    h = hashlib.sha256()
    for key in sorted(scrolls):
        h.update(f"{key}={scrolls[key]}\n".encode())
    return h.hexdigest()


class Memory:
    """A sparse map of phext coordinates to float64 values."""

    def __init__(self, cells: dict | None = None):
        self._cells: dict[Coord, float] = {}
        for c, v in (cells or {}).items():
            self.write(Coord.parse(c) if isinstance(c, str) else c, v)

    def read(self, c: Coord) -> float:
        return self._cells.get(c, 0.0)

    def write(self, c: Coord, value: float) -> None:
        self._cells[c] = float(value)

    def cells(self) -> dict[Coord, float]:
        """Every written cell, outermost dimension first (a copy)."""
        return dict(sorted(self._cells.items()))

    def __len__(self) -> int:
        return len(self._cells)

    def __eq__(self, other) -> bool:
        return isinstance(other, Memory) and self._cells == other._cells

    def __repr__(self) -> str:
        inner = ", ".join(f"{c}: {v!r}" for c, v in list(self.cells().items())[:6])
        more = f", ... ({len(self)} cells)" if len(self) > 6 else ""
        return f"Memory({{{inner}{more}}})"

    # -- persistence --------------------------------------------------------------------------
    def to_phext(self) -> str:
        """The phext document for these cells (raises before anything is written).

        The first scroll (the origin) starts with a manifest line, ``vtpu-memory 1 cells=N
        sha256=...``; the origin cell's own value, if written, follows on the next line.
        """
        from phext.coordinate import Coordinate
        from phext.phext import Phext

        scrolls = {}
        for c, v in self._cells.items():
            try:
                scrolls[to_phext_standard(c)] = repr(v)
            except CoordError as e:
                raise PhextFileError(f"cannot save cell {c}: {e.message}",
                                     hint="phext files hold dims 0-8 in 1..999 and dims 9-10 = 1") from None
        manifest = f"{FORMAT} cells={len(scrolls)} sha256={_digest(scrolls)}"
        document = dict(scrolls)
        document[ORIGIN_PHEXT] = manifest + "\n" + scrolls.get(ORIGIN_PHEXT, "")
        return Phext().implode({Coordinate.from_string(k): t for k, t in
                                sorted(document.items(), key=lambda kv: Coordinate.from_string(kv[0]))})

    def save(self, path: str | os.PathLike) -> None:
        """Write atomically: a crash mid-save leaves the old file, never half a file."""
        text = self.to_phext()
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        try:
            fd, tmp = tempfile.mkstemp(prefix=".vtpu-", suffix=".tmp", dir=folder)
        except OSError as e:
            raise PhextFileError(f"{path}: cannot write: {e.strerror}",
                                 hint="check that the folder exists and is writable") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @staticmethod
    def parse_phext(text: str, source: str = "<phext>") -> dict[Coord, float]:
        """Cells of a saved document; raises PhextFileError on any corruption."""
        from phext.phext import Phext

        scrolls = {str(k): v for k, v in Phext().explode(text).items()}
        head, _, origin_value = scrolls.pop(ORIGIN_PHEXT, "").partition("\n")
        fields = dict(p.split("=", 1) for p in head.split()[2:] if "=" in p)
        if not head.startswith(FORMAT) or not {"cells", "sha256"} <= fields.keys():
            raise PhextFileError(f"{source}: not a vtpu memory file (its first scroll should start "
                                 f"with '{FORMAT} cells=... sha256=...', found {head[:40]!r})",
                                 hint="load files written by Memory.save")
        if origin_value:
            scrolls[ORIGIN_PHEXT] = origin_value
        if str(len(scrolls)) != fields["cells"] or _digest(scrolls) != fields["sha256"]:
            raise PhextFileError(f"{source}: the file is truncated or was changed after it was saved "
                                 f"(manifest: {fields['cells']} cells, found {len(scrolls)}; checksum "
                                 f"{'matches' if _digest(scrolls) == fields['sha256'] else 'differs'})",
                                 hint="re-save it from the machine that wrote it")
        cells = {}
        for key, value in scrolls.items():
            try:
                cells[from_phext_standard(key)] = float(value)
            except ValueError:
                raise PhextFileError(f"{source}: cell {key} holds {value[:30]!r}, not a number") from None
        return cells

    def load(self, path: str | os.PathLike) -> None:
        """Replace this memory's cells with a saved file's; on any error memory is unchanged."""
        try:
            with open(path, encoding="utf-8", newline="") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise PhextFileError(f"{os.fspath(path)}: cannot read: {e}") from None
        cells = self.parse_phext(text, os.fspath(path))
        self._cells = cells  # only now, after everything parsed and checked

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "Memory":
        m = cls()
        m.load(path)
        return m


def values_equal(a: float, b: float) -> bool:
    """Exact equality that also treats nan as equal to nan (for round-trip checks)."""
    return a == b or (math.isnan(a) and math.isnan(b))
