"""Phext coordinates: parsing, printing, distances, ordering, tiers, phext-standard order."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtpu_lib.coord import (
    DIM_MAX,
    NDIMS,
    ORIGIN,
    Coord,
    from_phext_standard,
    hamming,
    highest_differing_dim,
    manhattan,
    tier,
    to_phext_standard,
)
from vtpu_lib.errors import CoordError, VtpuError


def at(dim: int, value: int) -> Coord:
    """The origin with one dimension changed."""
    dims = [1] * NDIMS
    dims[dim] = value
    return Coord(dims)


# -- parsing -------------------------------------------------------------------------------

def test_full_form_puts_the_first_number_in_dimension_0():
    c = Coord.parse("4.5.6/7.8.9/10.11.12.13.14")
    assert tuple(c) == (4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)
    assert c[0] == 4  # scroll, innermost


@pytest.mark.parametrize("short, full", [
    ("4.1.1", "4.1.1/1.1.1/1.1.1.1.1"),
    ("4", "4.1.1/1.1.1/1.1.1.1.1"),
    ("4.2", "4.2.1/1.1.1/1.1.1.1.1"),
    ("4.1.1/2.3.4", "4.1.1/2.3.4/1.1.1.1.1"),
    ("4.1.1/2.3.4/5", "4.1.1/2.3.4/5.1.1.1.1"),
    ("  4.1.1  ", "4.1.1/1.1.1/1.1.1.1.1"),
])
def test_short_form_fills_missing_outer_dimensions_with_1(short, full):
    assert Coord.parse(short) == Coord.parse(full)


def test_origin_is_all_ones():
    assert ORIGIN == Coord.parse("1.1.1/1.1.1/1.1.1.1.1") == Coord()
    assert tuple(ORIGIN) == (1,) * 11


def test_str_prints_the_full_three_group_form():
    assert str(Coord.parse("4.1.1")) == "4.1.1/1.1.1/1.1.1.1.1"
    assert str(Coord.parse("0.2047.3/4.5.6/7.8.9.10.11")) == "0.2047.3/4.5.6/7.8.9.10.11"


def test_repr_reads_as_data():
    assert repr(Coord.parse("2.1.1")) == "Coord('2.1.1/1.1.1/1.1.1.1.1')"


def test_parse_returns_a_coord_unchanged():
    c = Coord.parse("3.2.1")
    assert Coord.parse(c) is c


def test_zero_and_2047_are_the_dimension_bounds():
    c = Coord.parse("0.2047.0/2047.0.2047/0.0.0.0.2047")
    assert c[0] == 0 and c[1] == DIM_MAX == 2047


def test_coordinates_hash_like_equal_values():
    cells = {Coord.parse("4.1.1"): 1.0}
    assert cells[Coord.parse("4.1.1/1.1.1/1.1.1.1.1")] == 1.0


# -- parse errors ----------------------------------------------------------------------------

def test_coord_error_is_both_a_vtpu_error_and_a_value_error():
    with pytest.raises(CoordError) as e:
        Coord.parse("x")
    assert isinstance(e.value, VtpuError)
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize("text, named", [
    ("2048.1.1", "2048"),
    ("1.1.1/1.1.1/1.1.1.1.9999", "9999"),
    ("1.3000.1", "3000"),
])
def test_value_above_2047_is_an_error_naming_the_value(text, named):
    with pytest.raises(CoordError, match=named) as e:
        Coord.parse(text)
    assert "0..2047" in str(e.value)


def test_value_above_2047_error_names_the_dimension():
    with pytest.raises(CoordError, match=r"\(section\)"):
        Coord.parse("1.2048.1")


@pytest.mark.parametrize("text, message", [
    ("1.1.1/1.1.1/1.1.1.1.1/1", "4 groups"),
    ("1.1.1/1.1.1/1.1.1.1.1/1/1", "5 groups"),
    ("1.1.1.1", "group 1 .* has 4 numbers, expected 3"),
    ("1.1/1.1.1", "group 1 .* has 2 numbers, expected 3"),
    ("1.1.1/1.1.1.1", "group 2 .* has 4 numbers, expected 3"),
    ("1.1.1/1.1/1", "group 2 .* has 2 numbers, expected 3"),
    ("1.1.1/1.1.1/1.1.1.1.1.1", "group 3 .* has 6 numbers, expected 5"),
])
def test_wrong_group_or_number_count_is_an_error_naming_the_group(text, message):
    with pytest.raises(CoordError, match=message):
        Coord.parse(text)


@pytest.mark.parametrize("text, part", [
    ("a.1.1", "'a'"),
    ("1.x.1/1.1.1/1.1.1.1.1", "'x'"),
    ("1.1.1/1.1.1/1.1.1.1.-1", "'-1'"),
    ("1.5e2.1", "'5e2'"),
    ("4..1", "''"),
    ("4.1.1/", "''"),
    ("+4.1.1", "'\\+4'"),
])
def test_non_number_is_an_error_naming_the_part(text, part):
    with pytest.raises(CoordError, match=part) as e:
        Coord.parse(text)
    assert "not a whole number" in str(e.value)


@pytest.mark.parametrize("text", ["", "   ", None, 42])
def test_empty_or_non_text_is_an_error(text):
    with pytest.raises(CoordError, match="expected a coordinate"):
        Coord.parse(text)


@pytest.mark.parametrize("text, part", [("².1.1", "'²'"), ("1.٣.1", "'٣'")])
def test_non_ascii_digits_are_a_coord_error_not_a_crash(text, part):
    with pytest.raises(CoordError, match=part):
        Coord.parse(text)


def test_a_number_too_long_for_int_is_a_coord_error():
    with pytest.raises(CoordError):
        Coord.parse("9" * 5000 + ".1.1")


def test_constructor_rejects_wrong_length_and_out_of_range_values():
    with pytest.raises(CoordError, match="11 dimensions, got 3"):
        Coord((1, 2, 3))
    with pytest.raises(CoordError, match=r"dimension 4 \(volume\) = 2048"):
        Coord((1, 1, 1, 1, 2048, 1, 1, 1, 1, 1, 1))
    with pytest.raises(CoordError, match="dimension 0"):
        Coord((-1,) + (1,) * 10)
    with pytest.raises(CoordError, match="True"):
        Coord((True,) + (1,) * 10)


# -- distances --------------------------------------------------------------------------------

def test_hamming_counts_differing_dimensions():
    a = Coord.parse("1.1.1/1.1.1/1.1.1.1.1")
    assert hamming(a, a) == 0
    assert hamming(a, Coord.parse("2.1.1")) == 1
    assert hamming(a, Coord.parse("9.1.1/1.5.1/1.1.1.1.7")) == 3


def test_manhattan_sums_absolute_differences():
    a = Coord.parse("5.1.1/1.1.1/1.1.1.1.1")
    b = Coord.parse("2.1.1/1.4.1/1.1.1.1.11")
    assert manhattan(a, b) == 3 + 3 + 10
    assert manhattan(b, a) == 16
    assert manhattan(a, a) == 0


def test_bob_is_one_scroll_from_alice():
    alice, bob = Coord.parse("1.1.1/1.1.1/1.1.1.1.1"), Coord.parse("2.1.1/1.1.1/1.1.1.1.1")
    assert hamming(alice, bob) == 1 and manhattan(alice, bob) == 1
    assert tier(alice, bob) == "L1"


# -- ordering ---------------------------------------------------------------------------------

def test_ordering_compares_the_outermost_dimension_first():
    inner_big = Coord.parse("2047.2047.2047/2047.2047.2047/2047.2047.2047.2047.1")
    outer_big = Coord.parse("1.1.1/1.1.1/1.1.1.1.2")
    assert inner_big < outer_big
    assert outer_big > inner_big
    assert inner_big <= outer_big and outer_big >= inner_big


def test_ordering_falls_back_to_inner_dimensions_on_ties():
    assert Coord.parse("1.1.1") < Coord.parse("2.1.1") < Coord.parse("1.2.1")
    assert Coord.parse("3.1.1") <= Coord.parse("3.1.1") >= Coord.parse("3.1.1")


def test_sorting_lists_scrolls_within_a_section_together():
    cs = [Coord.parse(t) for t in ("2.2.1", "1.1.2", "1.2.1", "2.1.1", "1.1.1")]
    assert [str(c).split("/")[0] for c in sorted(cs)] == ["1.1.1", "2.1.1", "1.2.1", "2.2.1", "1.1.2"]


# -- moved ------------------------------------------------------------------------------------

def test_moved_changes_one_dimension_and_keeps_the_rest():
    c = Coord.parse("4.1.1/1.1.1/1.1.1.1.1")
    assert c.moved(0, 3) == Coord.parse("7.1.1")
    assert c.moved(0, -4) == Coord.parse("0.1.1")
    assert c.moved(10, 5) == Coord.parse("4.1.1/1.1.1/1.1.1.1.6")
    assert isinstance(c.moved(2, 1), Coord)
    assert c == Coord.parse("4.1.1")  # unchanged


@pytest.mark.parametrize("dim, k, value", [(0, -5, -1), (3, 2047, 2048)])
def test_moved_out_of_range_is_an_error_naming_the_dimension(dim, k, value):
    with pytest.raises(CoordError, match=f"dimension {dim} .* = {value} is outside 0..2047"):
        Coord.parse("4.1.1").moved(dim, k)


# -- tiers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dim, expected", [
    (0, "L1"), (1, "L1"), (2, "L1"),
    (3, "L2"), (4, "L2"),
    (5, "L3"), (6, "L3"), (7, "L3"),
    (8, "DRAM"), (9, "DRAM"),
    (10, "remote"),
])
def test_tier_is_set_by_the_highest_differing_dimension(dim, expected):
    home = ORIGIN
    assert tier(home, at(dim, 2)) == expected
    # inner differences do not change the tier once an outer dimension differs
    assert tier(home, at(dim, 2).moved(0, 5)) == expected
    assert highest_differing_dim(home, at(dim, 2)) == dim


def test_tier_of_the_home_cell_itself_is_l1():
    assert tier(ORIGIN, ORIGIN) == "L1"
    assert highest_differing_dim(ORIGIN, ORIGIN) == -1


def test_tier_with_many_differences_uses_the_outermost():
    home = Coord.parse("1.1.1/1.1.1/1.1.1.1.1")
    c = Coord.parse("9.9.9/9.1.1/1.9.1.1.1")  # dims 0-3 and 7 differ
    assert tier(home, c) == "L3"


# -- phext standard order ------------------------------------------------------------------

def test_phext_standard_order_writes_library_first():
    assert to_phext_standard(Coord.parse("4.1.1/1.1.1/1.1.1.1.1")) == "1.1.1/1.1.1/1.1.4"
    assert to_phext_standard(Coord.parse("1.2.3/4.5.6/7.8.9.1.1")) == "9.8.7/6.5.4/3.2.1"


def test_from_phext_standard_reverses_the_order():
    assert from_phext_standard("1.1.1/1.1.1/1.1.4") == Coord.parse("4.1.1/1.1.1/1.1.1.1.1")
    assert from_phext_standard("9.8.7/6.5.4/3.2.1") == Coord.parse("1.2.3/4.5.6/7.8.9.1.1")


@pytest.mark.parametrize("c, reason", [
    (at(0, 0), "outside 1..999"),
    (at(4, 1000), "outside 1..999"),
    (at(8, 2047), "outside 1..999"),
    (at(9, 2), "node/cluster"),
    (at(10, 2), "node/cluster"),
])
def test_to_phext_standard_rejects_cells_phext_cannot_express(c, reason):
    with pytest.raises(CoordError, match=reason) as e:
        to_phext_standard(c)
    assert str(c) in str(e.value)


@pytest.mark.parametrize("text", [
    "1.1.1/1.1.1/1.1",          # 8 numbers
    "1.1.1/1.1.1/1.1.1.1",      # 10 numbers
    "1.1.1/1.1.1/1.1.x",
    "",
    "1.1.1/1.1.1/1.1.-1",
])
def test_from_phext_standard_rejects_malformed_text(text):
    with pytest.raises(CoordError, match="not a phext standard coordinate"):
        from_phext_standard(text)


@pytest.mark.parametrize("text", ["1.1.1/1.1.1/1.1.0", "1000.1.1/1.1.1/1.1.1"])
def test_from_phext_standard_rejects_values_outside_1_to_999(text):
    with pytest.raises(CoordError):
        from_phext_standard(text)


# -- properties -------------------------------------------------------------------------------

coords = st.lists(st.integers(0, DIM_MAX), min_size=NDIMS, max_size=NDIMS).map(Coord)
phext_coords = st.tuples(st.lists(st.integers(1, 999), min_size=9, max_size=9)).map(
    lambda t: Coord(t[0] + [1, 1]))


@settings(max_examples=200, deadline=None)
@given(coords)
def test_parse_of_str_is_the_same_coordinate(c):
    assert Coord.parse(str(c)) == c
    assert str(Coord.parse(str(c))) == str(c)


@settings(max_examples=200, deadline=None)
@given(phext_coords)
def test_phext_standard_conversion_round_trips(c):
    assert from_phext_standard(to_phext_standard(c)) == c


@settings(max_examples=200, deadline=None)
@given(coords, coords)
def test_distances_are_symmetric_and_consistent(a, b):
    assert hamming(a, b) == hamming(b, a) <= manhattan(a, b) == manhattan(b, a)
    assert (hamming(a, b) == 0) == (a == b)
    assert (a < b) == (tuple(reversed(a)) < tuple(reversed(b)))
