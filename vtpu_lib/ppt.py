"""The Phext Page Table (PPT): a set-associative, true-LRU translation cache in front of memory.

A page is a coordinate with its scroll (dim 0) divided by ``page_scrolls``. The set of a
page comes from its page number (the page's dims read as one mixed-radix number, scroll
fastest), like the low address bits of a real cache; the full page is kept as the tag, so
two different pages never alias (the original's PPT aliased coordinates 128 apart).

Every demand access (gather, scatter, host read/write) is one hit or one miss; a miss is
classified compulsory (first touch), capacity (a fully associative LRU PPT of the same size
would miss too) or conflict (it would not). Prefetches install pages and are scored later.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

from .coord import DIM_MAX
from .errors import ConfigError

HIT, COMPULSORY, CAPACITY, CONFLICT = "hit", "compulsory", "capacity", "conflict"
OUTCOMES = (HIT, COMPULSORY, CAPACITY, CONFLICT)   # PPT.lookup's outcome codes 0..3


class Access(NamedTuple):
    """Outcome of one PPT lookup."""
    hit: bool
    outcome: str        # 'hit' or the miss class
    ready_cycle: int    # when the page's translation is usable (later than now: a late prefetch)
    late: bool = False  # hit on a page a prefetch is still bringing in
    prefetched: bool = False  # first demand use of a prefetched page


def _geometry(name: str, value, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= hi:
        raise ConfigError(f"PPT {name} = {value!r} must be a whole number in 1..{hi:,}")
    return value


class PPT:
    """Declared state: the sets (page -> [ready cycle, prefetched and unused], LRU first), the
    fully associative shadow that classifies misses, and the pages ever seen."""

    def __init__(self, sets: int = 64, ways: int = 4, page_scrolls: int = 1):
        from .config import MAX_PAGE_SCROLLS, MAX_PPT_PAGES, MAX_PPT_SETS, MAX_PPT_WAYS
        self.sets = _geometry("sets", sets, MAX_PPT_SETS)
        self.ways = _geometry("ways", ways, MAX_PPT_WAYS)
        self.page_scrolls = _geometry("page_scrolls", page_scrolls, MAX_PAGE_SCROLLS)
        if sets * ways > MAX_PPT_PAGES:
            raise ConfigError(f"a PPT of {sets:,} x {ways:,} = {sets * ways:,} pages is larger than {MAX_PPT_PAGES:,}")
        self._sets: dict[int, OrderedDict] = {}    # set index -> its entries (made on first use)
        self._shadow: OrderedDict = OrderedDict()  # fully associative LRU of the same capacity
        self._seen: set = set()
        self._set_index: dict = {}

    def _entries(self, page) -> OrderedDict:
        i = self.set_of(page)
        entries = self._sets.get(i)
        if entries is None:
            entries = self._sets[i] = OrderedDict()
        return entries

    def snapshot(self) -> tuple:
        """A copy of the PPT's state, for :meth:`restore` (stepping back)."""
        sets = {i: OrderedDict((p, list(e)) for p, e in entries.items()) for i, entries in self._sets.items()}
        return (sets, OrderedDict(self._shadow), set(self._seen))

    def restore(self, snap: tuple) -> None:
        sets, shadow, seen = snap
        self._sets = {i: OrderedDict((p, list(e)) for p, e in entries.items()) for i, entries in sets.items()}
        self._shadow, self._seen = OrderedDict(shadow), set(seen)

    def __repr__(self) -> str:
        used = sum(len(e) for e in self._sets.values())
        return (f"PPT({self.sets} sets x {self.ways} ways = {self.sets * self.ways} pages, "
                f"{self.page_scrolls} scroll(s)/page, {used} in use)")

    # -- geometry ---------------------------------------------------------------------------
    def page_of(self, coord) -> tuple:
        if self.page_scrolls == 1:
            return coord  # one page per coordinate: the coordinate is the page
        return (coord[0] // self.page_scrolls,) + tuple(coord[1:])

    def set_of(self, page: tuple) -> int:
        s = self._set_index.get(page)
        if s is None:
            if len(self._set_index) > 1 << 16:  # a memo, not state: keep it bounded
                self._set_index.clear()
            number = 0
            for d in reversed(page):
                number = number * (DIM_MAX + 1) + d
            s = self._set_index[page] = number % self.sets
        return s

    # -- state for pictures and tests ------------------------------------------------------
    def contents(self) -> list[list[tuple]]:
        """Pages per set, least recently used first."""
        return [list(self._sets.get(i, ())) for i in range(self.sets)]

    def __contains__(self, page) -> bool:
        return page in self._sets.get(self.set_of(page), ())

    # -- the two operations ----------------------------------------------------------------
    def access(self, page: tuple, cycle: int, fill_cycles: int) -> Access:
        """A demand lookup at ``cycle``; a miss fills the page, usable after ``fill_cycles``."""
        hit, outcome, ready, late, prefetched = self.lookup(page, cycle, fill_cycles)
        return Access(hit, OUTCOMES[outcome], ready, late, prefetched)

    def lookup(self, page: tuple, cycle: int, fill_cycles: int) -> tuple:
        """:meth:`access` as a plain tuple with the outcome as a code (an index of OUTCOMES):
        what every gather and scatter calls, so it makes no NamedTuple and no string."""
        entries = self._entries(page)
        in_shadow = self._touch_shadow(page)
        entry = entries.get(page)
        if entry is not None:
            entries.move_to_end(page)
            ready, prefetched = entry
            entry[1] = False
            return (True, 0, ready if ready > cycle else cycle, ready > cycle, prefetched)
        if page not in self._seen:
            outcome = 1   # compulsory
        elif not in_shadow:
            outcome = 2   # capacity
        else:
            outcome = 3   # conflict
        self._insert(entries, page, cycle + fill_cycles, prefetched=False)
        return (False, outcome, cycle + fill_cycles, False, False)

    def prefetch(self, page: tuple, cycle: int, fill_cycles: int) -> bool:
        """Install ``page`` (ready after ``fill_cycles``); False if it was already present."""
        entries = self._entries(page)
        if page in entries:
            return False
        self._touch_shadow(page)
        self._insert(entries, page, cycle + fill_cycles, prefetched=True)
        return True

    def _insert(self, entries: OrderedDict, page, ready: int, prefetched: bool) -> None:
        self._seen.add(page)
        if len(entries) >= self.ways:
            entries.popitem(last=False)  # evict the least recently used way
        entries[page] = [ready, prefetched]

    def _touch_shadow(self, page) -> bool:
        """Access the fully associative shadow; True if the page was already in it."""
        shadow = self._shadow
        if page in shadow:
            shadow.move_to_end(page)
            return True
        shadow[page] = None
        if len(shadow) > self.sets * self.ways:
            shadow.popitem(last=False)
        return False


__all__ = ["Access", "PPT", "OUTCOMES", "HIT", "COMPULSORY", "CAPACITY", "CONFLICT"]
