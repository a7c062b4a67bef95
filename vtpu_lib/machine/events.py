"""The event log: one typed record per thing that happened, stored compactly in columns.

Every counter, timeline and plot of the series is derived from this one log (``trace.py``).
Records are :class:`Event` tuples made on demand; storage is two typed arrays (12 bytes per
event: ``ev`` packs cycle << 32 | sentron index << 16 | code, ``arg`` holds the pc or an index
into a side table; ``code`` is the kind in 3 bits and a small payload above it) plus two side tables for what does not fit a number: the coordinates the PPT saw
(each stored once) and the messages (each stored once, shared by its send and its recv).

Order: by cycle; within a cycle, in the order the sentrons were offered it (load order, core
by core, rotating among the threads of a core). A sentron's PPT/send/recv records of a cycle
come before its issue record; ``retire`` is logged at the cycle the last result lands.

========  ===============================  ==========================================
kind      pc                               info
========  ===============================  ==========================================
start     0                                None
issue     the SIW                          effect mask: D=1, S=2, C=4 (ops that did work)
stall     the SIW it waits to issue        :class:`~vtpu_lib.isa.StallReason`
ppt       None                             :class:`PPTAccess`
send      None                             :class:`Message`
recv      None                             :class:`Message`
retire    number of SIWs                   None
========  ===============================  ==========================================
"""

from __future__ import annotations

from array import array
from typing import NamedTuple

from ..coord import Coord
from ..isa import EventKind, StallReason
from ..ppt import OUTCOMES

HOST = -1                  # the sentron id of host-side memory accesses
HOST_INDEX = 0xFFFF        # ... as stored in the sentron column (unsigned 16 bits)
MAX_SENTRONS = 0xFFFF      # sentron indexes 0..65534
MAX_CYCLE = 2**31 - 1      # the cycle column is a signed 32-bit int

KINDS = tuple(EventKind)                       # code & 7 -> kind
K_START, K_ISSUE, K_STALL, K_PPT, K_SEND, K_RECV, K_RETIRE = range(len(KINDS))
REASONS = tuple(StallReason)
REASON_CODE = {r: K_STALL | i << 3 for i, r in enumerate(REASONS)}   # a stall's whole code
PPT_OPS = ("gather", "scatter", "prefetch", "host-read", "host-write")
PPT_OUTCOMES = OUTCOMES + ("installed", "present")   # PPT.lookup's codes, then a prefetch's two
GATHER, SCATTER, PREFETCH, HOST_READ, HOST_WRITE = range(len(PPT_OPS))
INSTALLED, PRESENT = 4, 5


class PPTAccess(NamedTuple):
    """One PPT lookup: who asked (op), for which coordinate, what happened."""
    op: str            # gather, scatter, prefetch, host-read, host-write
    coord: Coord
    outcome: str       # hit, compulsory, capacity, conflict; a prefetch: installed or present
    late: bool         # a hit on a page a prefetch was still bringing in
    prefetched: bool   # the first demand use of a prefetched page


class Message(NamedTuple):
    """One message: sent by ``src`` in ``sent_cycle``, receivable from ``arrive_cycle``."""
    seq: int           # global send order (1, 2, ...): ties go to the oldest
    src: int           # sender's sentron id
    dst: int           # receiver's sentron id
    sent_cycle: int
    arrive_cycle: int
    values: tuple      # up to 4 float64 lanes


class Event(NamedTuple):
    cycle: int
    sentron: int        # sentron id, or HOST (-1)
    kind: EventKind
    pc: int | None
    info: object        # see the table in the module docstring


class EventLog:
    """Append-only columns; ``truncate`` (stepping back) never changes what a Trace already holds."""

    __slots__ = ("ev", "arg", "coords", "_coord_index", "messages", "ids", "_shared")

    def __init__(self):
        self.ev, self.arg = array("q"), array("i")   # see the module docstring
        self.coords: list[Coord] = []          # arg of a ppt record -> coordinate
        self._coord_index: dict[Coord, int] = {}
        self.messages: list[Message] = []      # arg of a send/recv record -> message
        self.ids: list[int] = []               # sentron column -> sentron id (set by the machine)
        self._shared = 0                       # records a Trace may be looking at

    def __len__(self) -> int:
        return len(self.ev)

    def add(self, cycle: int, index: int, code: int, arg: int) -> None:
        self.ev.append(cycle << 32 | index << 16 | code)
        self.arg.append(arg)

    def ppt(self, cycle: int, index: int, op: int, coord: Coord, outcome: int, late: bool, prefetched: bool):
        """A PPT record; ``op`` and ``outcome`` are codes: indexes of PPT_OPS and PPT_OUTCOMES."""
        ci = self._coord_index.get(coord)
        if ci is None:
            ci = self._coord_index[coord] = len(self.coords)
            self.coords.append(coord)
        payload = op | outcome << 3 | late << 6 | prefetched << 7
        self.ev.append(cycle << 32 | index << 16 | K_PPT | payload << 3)
        self.arg.append(ci)

    def send(self, cycle: int, index: int, msg: Message) -> None:
        self.messages.append(msg)   # message i has seq i + 1: both count sends from the start
        self.add(cycle, index, K_SEND, len(self.messages) - 1)

    def recv(self, cycle: int, index: int, msg: Message) -> None:
        self.add(cycle, index, K_RECV, msg.seq - 1)

    # -- reading -------------------------------------------------------------------------------
    def share(self) -> "LogView":
        """A read-only view of the log as it is now (what a Trace holds); truncating below it
        later gives the machine fresh columns and leaves the view's alone."""
        self._shared = len(self)
        return LogView(self.ev, self.arg, self.coords, self.messages, self.ids, self._shared)

    def decode(self, i: int) -> Event:
        v, arg = self.ev[i], self.arg[i]
        code, sidx = v & 0xFFFF, v >> 16 & 0xFFFF
        k = code & 7
        who = HOST if sidx == HOST_INDEX else self.ids[sidx]
        p = code >> 3
        if k == K_ISSUE:
            pc, info = arg, p
        elif k == K_STALL:
            pc, info = arg, REASONS[p]
        elif k == K_PPT:
            pc, info = None, PPTAccess(PPT_OPS[p & 7], self.coords[arg], PPT_OUTCOMES[p >> 3 & 7],
                                       bool(p >> 6 & 1), bool(p >> 7 & 1))
        elif k in (K_SEND, K_RECV):
            pc, info = None, self.messages[arg]
        else:
            pc, info = arg, None
        return Event(v >> 32, who, KINDS[k], pc, info)

    def records_at(self, cycle: int, kinds=None) -> list[Event]:
        """The records of one cycle (searched from the end: what a stepper shows)."""
        want = None if kinds is None else {KINDS.index(EventKind(k)) for k in kinds}
        out, i = [], len(self) - 1
        ev = self.ev
        while i >= 0 and ev[i] >> 32 >= cycle:  # retire records flushed at the end may sit later
            if ev[i] >> 32 == cycle and (want is None or ev[i] & 7 in want):
                out.append(self.decode(i))
            i -= 1
        return out[::-1]

    # -- stepping back ---------------------------------------------------------------------------
    def mark(self) -> tuple[int, int]:
        return (len(self), len(self.messages))

    def truncate(self, mark: tuple[int, int]) -> None:
        n, n_messages = mark
        if n < self._shared:  # a Trace holds these columns: give the machine fresh copies
            self.ev, self.arg = self.ev[:n], self.arg[:n]
            self.messages = self.messages[:n_messages]
            self._shared = 0
            return
        del self.ev[n:]
        del self.arg[n:]
        del self.messages[n_messages:]

    def nbytes(self) -> int:
        """Bytes held by the columns (the side tables not included)."""
        return self.ev.itemsize * len(self.ev) + self.arg.itemsize * len(self.arg)

    def __repr__(self) -> str:
        return f"EventLog({len(self):,} events, {len(self.coords):,} coordinates, {len(self.messages):,} messages)"


class LogView:
    """The first ``n`` records of a log, frozen: what a :class:`~vtpu_lib.trace.Trace` reads."""

    __slots__ = ("ev", "arg", "coords", "messages", "ids", "n")

    def __init__(self, ev, arg, coords, messages, ids, n: int):
        self.ev, self.arg, self.coords, self.messages, self.ids, self.n = ev, arg, coords, messages, list(ids), n

    decode = EventLog.decode

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"LogView({self.n:,} events)"


class _Discard:
    """A column that drops what is appended to it."""
    __slots__ = ()

    def append(self, value) -> None:
        pass

    def __len__(self) -> int:
        return 0


class NullLog(EventLog):
    """Records nothing (``Machine(record=False)``, for speed measurements)."""

    __slots__ = ()

    def __init__(self):
        super().__init__()
        self.ev, self.arg = _Discard(), _Discard()

    def add(self, cycle: int, index: int, code: int, arg: int) -> None:
        pass

    def ppt(self, *args) -> None:
        pass

    def send(self, *args) -> None:
        pass

    def recv(self, *args) -> None:
        pass

    def truncate(self, mark) -> None:
        pass

    def share(self) -> "LogView":
        return LogView(array("q"), array("i"), [], [], self.ids, 0)


__all__ = ["Event", "EventKind", "PPTAccess", "Message", "EventLog", "LogView", "NullLog", "HOST", "KINDS",
           "PPT_OPS", "PPT_OUTCOMES", "MAX_SENTRONS", "MAX_CYCLE"]
