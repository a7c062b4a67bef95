"""Pictures of runs (matplotlib only): data in, Axes out. Never simulates, never calls show().

Colours are chosen to stay distinguishable for common colour-vision deficiencies
(Okabe-Ito palette); empty slots are light grey, ops that did no work are hatched.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Patch, Rectangle

# Okabe-Ito
PIPE_COLOURS = {"D": "#0072B2", "S": "#E69F00", "C": "#009E73"}
STALL_COLOURS = {"dependence": "#D55E00", "ppt-miss": "#CC79A7", "recv-wait": "#56B4E9",
                 "barrier-wait": "#F0E442", "pipe-busy": "#000000"}
NOP_COLOUR = "#e6e6e6"


def _axes(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def slot_timeline(rows, ax=None, title: str = "", show_text: bool = True):
    """Cycles (x) by pipes D/S/C (y): one box per slot.

    ``rows`` is ``Trace.slot_rows(...)``. Filled slots take their pipe's colour (hatched when
    the op did no work), empty slots are grey, a stalled cycle spans all three pipes in the
    colour of its reason.
    """
    n = max((r[0] for r in rows), default=0) + 1
    ax = _axes(ax, (max(6.0, 0.9 * min(n, 40)), 2.6))
    pipes = ["D", "S", "C"]
    for cycle, reason, cells in rows:
        if reason is not None:
            ax.add_patch(Rectangle((cycle, 0), 1, 3, facecolor=STALL_COLOURS.get(reason, "k"),
                                   edgecolor="white", alpha=0.85))
            if show_text and n <= 24:  # name the stall: its colour alone is close to the S pipe's
                ax.text(cycle + 0.5, 1.5, f"stall: {reason}", ha="center", va="center", rotation=90,
                        fontsize=6.5, color="black" if reason in ("barrier-wait", "recv-wait") else "white")
            continue
        for p, text, status in cells:
            y = 2 - pipes.index(p)
            colour = NOP_COLOUR if status == "nop" else PIPE_COLOURS[p]
            ax.add_patch(Rectangle((cycle, y), 1, 1, facecolor=colour, edgecolor="white",
                                   hatch="///" if status == "no-effect" else None, linewidth=1.0))
            if show_text and status != "nop" and n <= 24:
                ax.text(cycle + 0.5, y + 0.5, text.replace(", ", ",\n", 1), ha="center", va="center",
                        fontsize=6.5, color="white" if p == "D" else "black")
    ax.set_xlim(0, n)
    ax.set_ylim(0, 3)
    ax.set_yticks([2.5, 1.5, 0.5], ["D", "S", "C"])
    ax.set_xlabel("cycle")
    ax.set_xticks(range(0, n, max(1, n // 20)))
    reasons = sorted({r[1] for r in rows if r[1] is not None})
    handles = [Patch(facecolor=PIPE_COLOURS[p], label=f"{p} op") for p in pipes]
    handles += [Patch(facecolor="white", edgecolor="grey", hatch="///", label="op with no effect"),
                Patch(facecolor=NOP_COLOUR, label="empty slot (NOP)")]
    handles += [Patch(facecolor=STALL_COLOURS[r], label=f"stall: {r}") for r in reasons]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    if title:
        ax.set_title(title)
    return ax


def ops_per_cycle_bars(labels, counted, useful, bounds=None, ax=None, title: str = ""):
    """Grouped bars of ops/cycle (every op) and useful ops/cycle per version.

    ``bounds``: optional list (one per version) of dicts like ``{"mix bound": 2.4}`` drawn as
    short horizontal ticks over each group; the peak of 3 ops/cycle is a dashed line.
    """
    ax = _axes(ax, (7.0, 3.6))
    x = range(len(labels))
    w = 0.38
    b1 = ax.bar([i - w / 2 for i in x], counted, w, label="ops/cycle (every op)", color="#0072B2")
    b2 = ax.bar([i + w / 2 for i in x], useful, w, label="useful ops/cycle", color="#009E73")
    for bars in (b1, b2):
        ax.bar_label(bars, fmt="%.2f", fontsize=8, padding=2)
    ax.axhline(3.0, ls="--", color="grey", lw=1)
    ax.text(len(labels) - 0.5, 3.02, "peak: 3 ops/cycle", ha="right", va="bottom", fontsize=8, color="grey")
    styles = [("black", "-"), ("#D55E00", ":"), ("#CC79A7", "-.")]
    names = sorted({name for bd in bounds or [] for name in bd})
    for k, name in enumerate(names):
        colour, style = styles[k % len(styles)]
        first = True
        for i, bd in enumerate(bounds or []):
            if name in bd:
                ax.hlines(min(bd[name], 3.35), i - w, i + w, colors=colour, linestyles=style, lw=1.6,
                          label=name if first else None)
                first = False
    ax.set_xticks(list(x), labels)
    ax.set_ylabel("ops per cycle")
    ax.set_ylim(0, 3.45)
    ax.legend(fontsize=8, loc="upper left", frameon=False)
    if title:
        ax.set_title(title)
    return ax


def ppt_hit_rate(series, window: int = 16, ax=None, title: str = ""):
    """PPT hit rate over a run: each access as a tick (hit up, miss down), the cumulative hit
    rate and a moving average over ``window`` accesses. ``series`` is ``Trace.ppt_series()``."""
    ax = _axes(ax, (7.5, 3.0))
    hits = [1.0 if h else 0.0 for _, h, *_ in series]
    n = len(hits)
    xs = list(range(1, n + 1))
    cumulative, total = [], 0.0
    for i, h in enumerate(hits, 1):
        total += h
        cumulative.append(total / i)
    moving = [sum(hits[max(0, i - window):i]) / (i - max(0, i - window)) for i in xs]
    ax.plot(xs, cumulative, color="#0072B2", lw=1.8, label="cumulative hit rate")
    ax.plot(xs, moving, color="#E69F00", lw=1.4, ls="--", label=f"moving average ({window} accesses)")
    ax.scatter([x for x, h in zip(xs, hits) if not h], [0.0] * hits.count(0.0), marker="|", s=60,
               color="#D55E00", label="miss", zorder=3)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlim(0.5, max(n, 1) + 0.5)
    ax.set_xlabel("PPT access (demand gathers and scatters, in order)")
    ax.set_ylabel("hit rate")
    ax.legend(fontsize=8, loc="lower right", frameon=False)
    if title:
        ax.set_title(title)
    return ax


def ppt_occupancy(contents, ways: int, ax=None, title: str = "", label=str):
    """The PPT as a grid: one row per set, one column per way (LRU on the left, MRU on the
    right). ``contents`` is ``PPT.contents()``; ``label(page)`` names a page in its box."""
    sets = len(contents)
    ax = _axes(ax, (max(3.8, 1.2 + 1.1 * ways), 0.9 + 0.32 * sets))
    for s, pages in enumerate(contents):
        for w in range(ways):
            filled = w < len(pages)
            ax.add_patch(Rectangle((w, sets - 1 - s), 1, 1, facecolor="#56B4E9" if filled else NOP_COLOUR,
                                   edgecolor="white", linewidth=1.5))
            if filled and sets <= 32:
                ax.text(w + 0.5, sets - 0.5 - s, label(pages[w]), ha="center", va="center", fontsize=7)
    ax.set_xlim(0, ways)
    ax.set_ylim(0, sets)
    ax.set_xticks([w + 0.5 for w in range(ways)], [f"way {w}" for w in range(ways)])
    step = max(1, sets // 16)
    ax.set_yticks([sets - 0.5 - s for s in range(0, sets, step)], [f"set {s}" for s in range(0, sets, step)])
    ax.set_xlabel("least recently used  ->  most recently used")
    if title:
        ax.set_title(title)
    return ax


def curve(xs, ys, ax=None, xlabel: str = "", ylabel: str = "", label: str = "", title: str = "",
          reference=None, reference_label: str = "", logx: bool = False):
    """A measured curve (points and line) with an optional model curve ``reference`` (dashed)."""
    ax = _axes(ax, (6.5, 3.4))
    ax.plot(xs, ys, marker="o", color="#0072B2", label=label or "measured")
    if reference is not None:
        ax.plot(xs, reference, ls="--", color="#D55E00", label=reference_label or "model")
    if logx:
        ax.set_xscale("log", base=2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False)
    if title:
        ax.set_title(title)
    return ax


# Okabe-Ito, near (L1) to far (remote)
TIER_COLOURS = {"L1": "#009E73", "L2": "#56B4E9", "L3": "#E69F00", "DRAM": "#D55E00", "remote": "#CC79A7"}


def tier_bars(labels, values, tiers, ax=None, ylabel: str = "cycles", xlabel: str = "", title: str = "",
              log: bool = True):
    """One bar per entry (e.g. per highest differing dimension), coloured by its locality tier
    (``coord.tier``: L1, L2, L3, DRAM, remote) and labelled with its value; log scale by default
    because a remote access costs an order of magnitude more than an L1 one (notebook 02)."""
    ax = _axes(ax, (max(6.0, 0.75 * len(labels) + 1.5), 3.4))
    xs = range(len(labels))
    bars = ax.bar(xs, values, color=[TIER_COLOURS[t] for t in tiers], edgecolor="white", width=0.8)
    ax.bar_label(bars, labels=[f"{v:g}" for v in values], fontsize=8, padding=2)
    if log:
        ax.set_yscale("log")
        ax.set_ylim(min(values) / 1.6, max(values) * 2.2)
    else:
        ax.set_ylim(0, max(values) * 1.15)
    ax.set_xticks(list(xs), labels, fontsize=8)
    ax.set_ylabel(ylabel)
    if xlabel:
        ax.set_xlabel(xlabel)
    seen = [t for t in TIER_COLOURS if t in tiers]
    ax.legend(handles=[Patch(facecolor=TIER_COLOURS[t], label=t) for t in seen], title="tier",
              fontsize=8, title_fontsize=8, loc="upper left", frameon=False)
    if title:
        ax.set_title(title)
    return ax


def fleet_timeline(trace, sentrons=None, ax=None, title: str = "", arrows: bool = True):
    """Several sentrons on one time axis: one row group (D, S, C) per sentron, stalls in the
    colour of their reason, and each message as an arrow from the sender's C row in the cycle
    it was sent to the receiver's C row in the cycle it was received."""
    names = [s.name for s in trace.sentrons] if sentrons is None else list(sentrons)
    end = max(1, trace.counters().cycles + min(s.start_cycle or 0 for s in trace.sentrons))
    ax = _axes(ax, (max(7.0, min(16.0, 0.45 * end + 3)), 0.8 + 1.0 * len(names)))
    gap = 0.6
    base = {}
    for k, name in enumerate(names):
        y0 = (len(names) - 1 - k) * (3 + gap)
        base[trace.info(name).id] = y0
        for cycle, reason, cells in trace.slot_rows(name):
            if reason is not None:
                ax.add_patch(Rectangle((cycle, y0), 1, 3, facecolor=STALL_COLOURS.get(reason, "k"),
                                       edgecolor="white", linewidth=0.3, alpha=0.85))
                continue
            for p, _, status in cells:
                y = y0 + 2 - "DSC".index(p)
                ax.add_patch(Rectangle((cycle, y), 1, 1, facecolor=NOP_COLOUR if status == "nop" else PIPE_COLOURS[p],
                                       edgecolor="white", linewidth=0.3,
                                       hatch="///" if status == "no-effect" else None))
    if arrows:
        for msg in trace.messages():
            if msg.recv_cycle is None or msg.src not in base or msg.dst not in base:
                continue
            ax.annotate("", xy=(msg.recv_cycle + 0.5, base[msg.dst] + 0.5),
                        xytext=(msg.sent_cycle + 0.5, base[msg.src] + 0.5),
                        arrowprops=dict(arrowstyle="->", color="black", lw=1.0, shrinkA=2, shrinkB=2))
    ax.set_xlim(0, end)
    ax.set_ylim(-gap / 2, len(names) * (3 + gap) - gap / 2)
    ax.set_yticks([base[trace.info(n).id] + 1.5 for n in names], names)
    ax.set_xlabel("cycle")
    reasons = sorted({r for n in names for _, r, _ in trace.slot_rows(n) if r})
    handles = [Patch(facecolor=PIPE_COLOURS[p], label=f"{p} op") for p in "DSC"]
    handles += [Patch(facecolor=NOP_COLOUR, label="empty slot (NOP)")]
    handles += [Patch(facecolor=STALL_COLOURS[r], label=f"stall: {r}") for r in reasons]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    if title:
        ax.set_title(title)
    return ax


def choice_histogram(counts: dict, ax=None, title: str = "", labels=None):
    """Bars of how often each message value was taken (``course.scenarios.temperature_choices``)."""
    ax = _axes(ax, (5.5, 3.2))
    keys = list(counts)
    total = sum(counts.values()) or 1
    colours = ["#009E73", "#E69F00", "#CC79A7", "#0072B2"]
    bars = ax.bar([str(labels[k]) if labels else f"{k:g}" for k in keys], [counts[k] for k in keys],
                  color=colours[:len(keys)])
    ax.bar_label(bars, labels=[f"{100 * counts[k] / total:.1f}%" for k in keys], fontsize=8, padding=2)
    ax.set_ylim(0, total * 1.12)
    ax.set_ylabel(f"times taken (of {total} runs)")
    ax.set_xlabel("message taken by recv any")
    if title:
        ax.set_title(title)
    return ax


__all__ = ["PIPE_COLOURS", "STALL_COLOURS", "NOP_COLOUR", "slot_timeline", "ops_per_cycle_bars", "ppt_hit_rate", "ppt_occupancy", "curve", "TIER_COLOURS", "tier_bars", "fleet_timeline", "choice_histogram"]
