"""Pictures of notebook 02: viz.tier_bars, and stalled cycles named in viz.slot_timeline."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import vtpu_lib as vt  # noqa: E402
from vtpu_lib import viz  # noqa: E402


def test_tier_bars_draws_one_bar_per_entry_coloured_by_tier_with_value_labels():
    fig, ax = plt.subplots()
    try:
        viz.tier_bars(["0\nscroll", "3\nbook", "10\ncluster"], [14, 18, 214], ["L1", "L2", "remote"], ax=ax,
                      title="t")
        bars = ax.patches
        assert len(bars) == 3
        colours = [matplotlib.colors.to_hex(b.get_facecolor()) for b in bars]
        assert colours == [viz.TIER_COLOURS[t].lower() for t in ("L1", "L2", "remote")]
        assert [t.get_text() for t in ax.texts] == ["14", "18", "214"]
        assert ax.get_yscale() == "log" and ax.get_title() == "t"
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["L1", "L2", "remote"]
    finally:
        plt.close(fig)


def test_tier_bars_linear_scale_starts_at_zero():
    fig, ax = plt.subplots()
    try:
        viz.tier_bars(["a"], [5], ["DRAM"], ax=ax, log=False)
        assert ax.get_yscale() == "linear" and ax.get_ylim()[0] == 0
    finally:
        plt.close(fig)


def test_slot_timeline_names_each_stalled_cycle_unless_text_is_off():
    rows = vt.run(vt.assemble(".set r1 2\nmul r2, r1, r1 | - | -\nadd r3, r2, r2 | - | -"), "realistic").slot_rows()
    stalls = [reason for _, reason, _ in rows if reason]
    assert stalls == ["dependence", "dependence"]
    for show_text, expected in [(True, stalls), (False, [])]:
        fig, ax = plt.subplots()
        try:
            viz.slot_timeline(rows, ax=ax, show_text=show_text)
            named = [t.get_text()[len("stall: "):] for t in ax.texts if t.get_text().startswith("stall: ")]
            assert named == expected
        finally:
            plt.close(fig)
