"""The PPT: set-associative true-LRU translation cache, 3C miss classes, prefetch scoring."""

import pytest

from vtpu_lib.coord import Coord
from vtpu_lib.ppt import CAPACITY, COMPULSORY, CONFLICT, HIT, PPT

FILL = 12  # cycles to bring a translation in; any positive number works


def scroll(n: int) -> Coord:
    """The cell n scrolls along from the origin's section: n.1.1/1.1.1/1.1.1.1.1."""
    return Coord.parse(f"{n}.1.1")


A, B, C, D = scroll(1), scroll(2), scroll(3), scroll(4)


def outcomes(ppt: PPT, pages, start_cycle: int = 0) -> list[str]:
    """Access pages one per cycle (long after any fill) and return each outcome."""
    return [ppt.access(p, start_cycle + 100 * i, FILL).outcome for i, p in enumerate(pages)]


# -- true LRU ---------------------------------------------------------------------------------

def test_lru_evicts_the_least_recently_used_way_not_way_0():
    ppt = PPT(sets=1, ways=2)
    assert outcomes(ppt, [A, B, A, C]) == [COMPULSORY, COMPULSORY, HIT, COMPULSORY]
    assert ppt.contents() == [[A, C]]  # B evicted; A kept, least recently used first
    assert A in ppt and B not in ppt


def test_lru_order_follows_hits():
    ppt = PPT(sets=1, ways=3)
    outcomes(ppt, [A, B, C, A, B])
    assert ppt.contents() == [[C, A, B]]
    outcomes(ppt, [D])
    assert ppt.contents() == [[A, B, D]]  # C was the least recently used


def test_a_hit_reports_the_present_cycle_as_ready():
    ppt = PPT(sets=1, ways=2)
    first = ppt.access(A, 5, FILL)
    assert (first.hit, first.outcome, first.ready_cycle, first.late) == (False, COMPULSORY, 5 + FILL, False)
    again = ppt.access(A, 40, FILL)
    assert (again.hit, again.outcome, again.ready_cycle, again.late) == (True, HIT, 40, False)


# -- 3C classification ------------------------------------------------------------------------

def test_first_touch_of_every_page_is_compulsory():
    ppt = PPT(sets=4, ways=2)
    assert outcomes(ppt, [A, B, C, D]) == [COMPULSORY] * 4


def test_miss_that_a_fully_associative_ppt_would_also_take_is_capacity():
    ppt = PPT(sets=1, ways=2)  # already fully associative: every re-miss is capacity
    assert outcomes(ppt, [A, B, C, A, B]) == [COMPULSORY] * 3 + [CAPACITY, CAPACITY]


def test_miss_caused_only_by_two_pages_sharing_a_set_is_conflict():
    ppt = PPT(sets=2, ways=1)  # 2 entries in total, 1 per set
    assert ppt.set_of(A) == ppt.set_of(C) != ppt.set_of(B)  # scrolls 1 and 3 share a set
    # A and C fight over one set while the other set is free: a 2-entry fully
    # associative PPT would hold both, so the re-misses are conflicts.
    assert outcomes(ppt, [A, C, A, C]) == [COMPULSORY, COMPULSORY, CONFLICT, CONFLICT]
    assert ppt.contents()[ppt.set_of(B)] == []


def test_capacity_and_conflict_in_one_run_with_few_sets():
    ppt = PPT(sets=2, ways=1)  # A and C share set 1, B is alone in set 0
    # A, C: compulsory. A again: the 2-entry fully associative PPT holds A and C -> conflict.
    # B: compulsory. C again: since C, the fully associative PPT saw A and B -> capacity.
    assert outcomes(ppt, [A, C, A, B, C]) == [COMPULSORY, COMPULSORY, CONFLICT, COMPULSORY, CAPACITY]


def test_re_miss_is_capacity_when_more_distinct_pages_than_entries_were_used_since():
    ppt = PPT(sets=2, ways=2)  # 4 entries
    pages = [scroll(n) for n in range(1, 7)]  # 6 pages cycled, 3 per set: LRU misses every time
    assert outcomes(ppt, pages) == [COMPULSORY] * 6
    assert outcomes(ppt, pages, start_cycle=1000) == [CAPACITY] * 6


def test_every_access_is_exactly_one_hit_or_one_classified_miss():
    ppt = PPT(sets=2, ways=2)  # odd scrolls in set 1, even in set 0; the shadow holds 4 pages
    seq = [scroll(n) for n in (1, 3, 5, 1, 2, 3, 7, 1, 5, 2, 2, 9, 3)]
    # worked by hand: set 1 (2 ways, LRU) and the fully associative 4-page LRU shadow, per access
    assert outcomes(ppt, seq) == [
        COMPULSORY, COMPULSORY, COMPULSORY,   # 1, 3, 5: first touches; 5 evicts 1 from set 1
        CONFLICT,                             # 1: the shadow [1 3 5] still has it
        COMPULSORY,                           # 2: set 0
        CONFLICT,                             # 3: evicted from set 1 by 1; the shadow [3 5 1 2] has it
        COMPULSORY,                           # 7: the shadow drops 5
        CONFLICT,                             # 1: the shadow [1 2 3 7] has it
        CAPACITY,                             # 5: the shadow [2 3 7 1] dropped it too
        HIT, HIT,                             # 2, 2: set 0 never lost it
        COMPULSORY,                           # 9: the shadow drops 7; set 1 is now [5 9]
        CAPACITY,                             # 3: not in the shadow [1 5 2 9] either
    ]


# -- injective mapping ------------------------------------------------------------------------

def test_coordinates_128_scrolls_apart_never_alias():
    ppt = PPT(sets=64, ways=4)
    low, high = scroll(1), scroll(129)
    assert ppt.set_of(low) == ppt.set_of(high)  # same set...
    first, second = ppt.access(low, 0, FILL), ppt.access(high, 100, FILL)
    assert (first.outcome, second.outcome) == (COMPULSORY, COMPULSORY)  # ...but not one entry
    assert low in ppt and high in ppt
    assert ppt.access(low, 200, FILL).hit and ppt.access(high, 300, FILL).hit
    assert sorted(ppt.contents()[ppt.set_of(low)]) == sorted([low, high])


def test_pages_differing_only_in_an_outer_dimension_stay_distinct():
    ppt = PPT(sets=8, ways=2)
    a, b = Coord.parse("1.1.1/1.1.1/1.1.1.1.1"), Coord.parse("1.1.1/1.1.1/1.1.1.1.9")
    assert outcomes(ppt, [a, b, a, b]) == [COMPULSORY, COMPULSORY, HIT, HIT]


def test_set_of_spreads_consecutive_scrolls_over_all_sets():
    ppt = PPT(sets=8, ways=1)
    assert sorted(ppt.set_of(scroll(n)) for n in range(8)) == list(range(8))


def test_contents_lists_one_entry_per_set():
    ppt = PPT(sets=4, ways=2)
    outcomes(ppt, [scroll(n) for n in range(8)])
    assert len(ppt.contents()) == 4
    assert all(len(s) == 2 for s in ppt.contents())


# -- pages of several scrolls ----------------------------------------------------------------

def test_page_of_one_scroll_pages_is_the_coordinate():
    assert PPT(page_scrolls=1).page_of(scroll(7)) == scroll(7)


def test_page_scrolls_groups_neighbouring_scrolls_into_one_page():
    ppt = PPT(sets=4, ways=2, page_scrolls=4)
    assert ppt.page_of(scroll(4)) == ppt.page_of(scroll(5)) == ppt.page_of(scroll(7))
    assert ppt.page_of(scroll(3)) != ppt.page_of(scroll(4)) != ppt.page_of(scroll(8))
    assert ppt.page_of(scroll(5))[0] == 1 and tuple(ppt.page_of(scroll(5))[1:]) == (1,) * 10


def test_accesses_within_one_page_hit_after_the_first():
    ppt = PPT(sets=4, ways=2, page_scrolls=4)
    pages = [ppt.page_of(scroll(n)) for n in (4, 5, 6, 7, 8)]
    assert outcomes(ppt, pages) == [COMPULSORY, HIT, HIT, HIT, COMPULSORY]


def test_page_keeps_outer_dimensions():
    ppt = PPT(page_scrolls=4)
    assert ppt.page_of(Coord.parse("5.1.1")) != ppt.page_of(Coord.parse("5.2.1"))


# -- prefetch ---------------------------------------------------------------------------------

def test_prefetch_installs_an_absent_page_and_returns_true():
    ppt = PPT(sets=1, ways=2)
    assert ppt.prefetch(A, 0, FILL) is True
    assert A in ppt
    assert ppt.access(A, 100, FILL).hit


def test_prefetch_of_a_present_page_returns_false():
    ppt = PPT(sets=1, ways=2)
    ppt.access(A, 0, FILL)
    assert ppt.prefetch(A, 50, FILL) is False
    ppt.prefetch(B, 60, FILL)
    assert ppt.prefetch(B, 61, FILL) is False


def test_demand_access_before_the_prefetch_lands_is_a_late_hit():
    ppt = PPT(sets=1, ways=2)
    ppt.prefetch(A, 10, 20)  # ready at cycle 30
    early = ppt.access(A, 15, 20)
    assert (early.hit, early.outcome, early.late, early.ready_cycle) == (True, HIT, True, 30)


def test_demand_access_after_the_prefetch_lands_is_on_time():
    ppt = PPT(sets=1, ways=2)
    ppt.prefetch(A, 10, 20)
    on_time = ppt.access(A, 30, 20)
    assert (on_time.hit, on_time.late, on_time.ready_cycle) == (True, False, 30)
    later = PPT(sets=1, ways=2)
    later.prefetch(A, 10, 20)
    assert later.access(A, 55, 20).ready_cycle == 55


def test_prefetched_flag_is_set_on_the_first_demand_use_only():
    ppt = PPT(sets=1, ways=2)
    ppt.prefetch(A, 0, FILL)
    assert ppt.access(A, 100, FILL).prefetched is True
    assert ppt.access(A, 200, FILL).prefetched is False
    assert ppt.access(A, 300, FILL).prefetched is False


def test_demand_filled_pages_are_never_marked_prefetched():
    ppt = PPT(sets=1, ways=2)
    assert ppt.access(A, 0, FILL).prefetched is False
    ppt.prefetch(A, 50, FILL)  # already present: no effect
    assert ppt.access(A, 100, FILL).prefetched is False


def test_prefetch_can_evict_the_least_recently_used_page():
    ppt = PPT(sets=1, ways=2)
    outcomes(ppt, [A, B, A])
    assert ppt.prefetch(C, 500, FILL) is True
    assert ppt.contents() == [[A, C]]


def test_late_hit_on_a_second_access_still_waits_for_the_fill():
    ppt = PPT(sets=1, ways=2)
    ppt.prefetch(A, 0, 40)
    first, second = ppt.access(A, 5, 40), ppt.access(A, 6, 40)
    assert (first.late, first.ready_cycle, first.prefetched) == (True, 40, True)
    assert (second.late, second.ready_cycle, second.prefetched) == (True, 40, False)


@pytest.mark.parametrize("sets, ways", [(1, 1), (1, 4), (4, 1), (16, 2)])
def test_a_ppt_never_holds_more_than_ways_pages_per_set(sets, ways):
    ppt = PPT(sets=sets, ways=ways)
    for i in range(3 * sets * ways):
        ppt.access(scroll(i % 50), i, FILL)
        ppt.prefetch(scroll((7 * i) % 50), i, FILL)
    assert len(ppt.contents()) == sets
    assert all(len(s) <= ways for s in ppt.contents())
    assert all(ppt.set_of(p) == k for k, s in enumerate(ppt.contents()) for p in s)
