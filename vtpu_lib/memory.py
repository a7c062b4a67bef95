"""Phext-addressed memory: coordinate -> float64, unwritten cells read 0.0.

Memory can be saved to and loaded from a ``.phext`` file (the phext package's
``implode``/``explode``). Values are stored as ``repr(float)`` so they round-trip exactly.
The file's first scroll starts with a manifest line holding the format version, the cell
count and a SHA-256 of the cells: a truncated or edited file is detected and rejected, and
memory is left untouched. Saves are atomic (temp file + rename). Only regular files of at
most :data:`MAX_FILE_BYTES` are read (a FIFO would block forever, ``/dev/zero`` never ends).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import math
import os
import signal
import stat
import tempfile
import threading

from .coord import Coord, from_phext_standard, to_phext_standard
from .errors import CoordError, PhextFileError

MAGIC, VERSION = "vtpu-memory", "1"  # the manifest's first two words
FORMAT = f"{MAGIC} {VERSION}"
ORIGIN_PHEXT = "1.1.1/1.1.1/1.1.1"  # the first scroll; its first line is the manifest
# A cell takes ~10-30 bytes in a file, so this is ~10 million cells: far beyond any notebook,
# and small enough that parsing it cannot exhaust a laptop's memory. save() refuses to write
# a file that load() would refuse to read.
MAX_FILE_BYTES = 256 << 20
_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISSOCK, "a socket"))


def check_regular_file(path, max_bytes: int) -> None:
    """OSError (with a readable ``strerror``) unless ``path`` is a regular file of at most
    ``max_bytes``: reading a FIFO blocks until a writer comes, ``/dev/zero`` never ends."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        kind = next((k for test, k in _FILE_KINDS if test(info.st_mode)), "a special file")
        raise OSError(errno.EINVAL, f"not a regular file ({kind})", os.fspath(path))
    if info.st_size > max_bytes:
        raise OSError(errno.EFBIG, f"larger than the {max_bytes >> 20} MiB limit", os.fspath(path))


def read_regular_file(path, max_bytes: int) -> bytes:
    """The bytes of a file that passes :func:`check_regular_file` (checked before it is opened;
    one that grows past the limit while it is read is refused too)."""
    check_regular_file(path, max_bytes)
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise OSError(errno.EFBIG, f"larger than the {max_bytes >> 20} MiB limit", os.fspath(path))
    return data


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

    def snapshot(self) -> dict:
        """A copy of the cells, for :meth:`restore` (stepping back)."""
        return dict(self._cells)

    def restore(self, snap: dict) -> None:
        self._cells = dict(snap)

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
        """Write atomically: the text goes to a temp file ``.vtpu-*.tmp`` in the same folder,
        which then replaces ``path`` in one rename. A failure or a Ctrl-C mid-save leaves the
        old file (never half a file) and removes the temp file. So does SIGTERM (``kill``):
        while the main thread saves, a handler removes the temp file and then lets the signal
        do what it did before (by default, end the process). SIGKILL cannot be caught: it may
        leave a ``.vtpu-*.tmp`` behind, which is harmless (nothing reads it) and may be deleted."""
        path = os.fspath(path)
        data = self.to_phext().encode("utf-8")
        if os.path.isdir(path):
            raise PhextFileError(f"{path}: is a folder, not a file",
                                 hint=f"give a file name, e.g. {os.path.join(path, 'memory.phext')}")
        if len(data) > MAX_FILE_BYTES:
            raise PhextFileError(f"{path}: {len(self):,} cells make a {len(data) >> 20} MiB file, more than "
                                 f"the {MAX_FILE_BYTES >> 20} MiB that load() reads",
                                 hint="save fewer cells (a Memory of the region you need)")
        with _SigtermAborts(path) as guard:
            fd, guard.tmp = _make_temp(path)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(guard.tmp, path)
            guard.tmp = None

    @staticmethod
    def parse_phext(text: str, source: str = "<phext>") -> dict[Coord, float]:
        """Cells of a saved document; raises PhextFileError on any corruption."""
        from phext.phext import Phext

        scrolls = {str(k): v for k, v in Phext().explode(text).items()}
        head, _, origin_value = scrolls.pop(ORIGIN_PHEXT, "").partition("\n")
        fields = _manifest_fields(head, source)
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
            except (ValueError, CoordError):
                raise PhextFileError(f"{source}: cell {key} holds {value[:30]!r}, not a number") from None
        return cells

    def load(self, path: str | os.PathLike) -> None:
        """Replace this memory's cells with a saved file's; on any error memory is unchanged.
        Only a regular file of at most :data:`MAX_FILE_BYTES` is read."""
        name = os.fspath(path)
        try:
            text = read_regular_file(name, MAX_FILE_BYTES).decode("utf-8")
        except OSError as e:
            raise PhextFileError(f"{name}: cannot read: {e.strerror or e}",
                                 hint="give the path of a .phext file written by Memory.save") from None
        except UnicodeDecodeError as e:
            raise PhextFileError(f"{name}: cannot read: not UTF-8 text (byte {e.start}: {e.reason})",
                                 hint="give the path of a .phext file written by Memory.save") from None
        cells = self.parse_phext(text, name)
        self._cells = cells  # only now, after everything parsed and checked

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "Memory":
        m = cls()
        m.load(path)
        return m


def _manifest_fields(head: str, source: str) -> dict[str, str]:
    """The manifest's ``cells`` and ``sha256``; its first two words must be exactly
    ``vtpu-memory 1`` (``vtpu-memory 10`` is another format, not this one)."""
    words = head.split(" ")
    if words[0] == MAGIC and len(words) > 1 and words[1] != VERSION:
        raise PhextFileError(f"{source}: memory file format version {words[1][:20]!r}; this vtpu_lib "
                             f"reads version {VERSION!r}", hint="save it again with this version of vtpu_lib")
    fields = dict(p.split("=", 1) for p in words[2:] if "=" in p)
    if words[:2] != [MAGIC, VERSION] or not {"cells", "sha256"} <= fields.keys():
        raise PhextFileError(f"{source}: not a vtpu memory file (its first scroll should start "
                             f"with '{FORMAT} cells=... sha256=...', found {head[:40]!r})",
                             hint="load files written by Memory.save")
    return fields


def _make_temp(path: str) -> tuple[int, str]:
    folder = os.path.dirname(os.path.abspath(path))
    try:
        return tempfile.mkstemp(prefix=".vtpu-", suffix=".tmp", dir=folder)
    except OSError as e:
        raise PhextFileError(f"{path}: cannot write: {e.strerror}",
                             hint="check that the folder exists and is writable") from None


class _Terminated(BaseException):
    """Raised by the SIGTERM handler inside a save, to unwind it (caught by _SigtermAborts)."""


class _SigtermAborts:
    """Around a save: any exception or a SIGTERM removes the temp file ``self.tmp``.

    Python runs signal handlers in the main thread only, so elsewhere this only cleans up on
    exceptions. A SIGTERM unwinds the save once (a second one during the cleanup only waits
    for it); then the previous handler is put back and the signal raised again, so it does
    what it would have done without us: by default end the process. If a Python handler
    chose not to end it, the save fails with PhextFileError.
    """

    def __init__(self, path: str):
        self.path, self.tmp, self.previous = path, None, None
        self.armed = self.terminated = False

    def __enter__(self) -> "_SigtermAborts":
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGTERM)
            if previous not in (signal.SIG_IGN, None):  # None: a handler not set from Python
                self.previous, self.armed = previous, True
                signal.signal(signal.SIGTERM, self._on_sigterm)
        return self

    def _on_sigterm(self, signum, frame) -> None:
        self.terminated = True
        if self.armed:
            self.armed = False
            raise _Terminated

    def __exit__(self, kind, exc, tb) -> bool:
        self.armed = False
        if self.tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
        if self.terminated:
            signal.raise_signal(signal.SIGTERM)  # the previous handler's turn: by default, the end
        if kind is _Terminated:  # ... and that handler let the process go on
            raise PhextFileError(f"{self.path}: save interrupted by SIGTERM; the file is unchanged")
        if isinstance(exc, OSError):
            raise PhextFileError(f"{self.path}: cannot write: {exc.strerror or exc}",
                                 hint="check the disk space and that the file is writable") from None
        return False


def values_equal(a: float, b: float) -> bool:
    """Exact equality that also treats nan as equal to nan (for round-trip checks)."""
    return a == b or (math.isnan(a) and math.isnan(b))


__all__ = ["FORMAT", "ORIGIN_PHEXT", "MAX_FILE_BYTES", "check_regular_file", "read_regular_file", "Memory", "values_equal"]
