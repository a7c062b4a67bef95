"""Pictures of runs (matplotlib only): data in, Axes out. Never simulates, never calls show().

Colours come from the Okabe-Ito palette, which stays distinguishable for common colour-vision
deficiencies. The pipes are blue (D), orange (S) and green (C); a stalled cycle fills its whole
column (all three pipe rows) in a colour no pipe uses -- black for a dependence stall, so it is
never mistaken for an S op. Empty slots are light grey, ops that did no work are hatched.
Legends list only what is drawn, axes say their units, and titles are the caller's: a notebook
states its finding there. :func:`machine_diagram` draws the machine itself, from a configuration.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch, Rectangle

from .config import get_config
from .isa import MSG_LANES, OPS, REG_FILES

# Okabe-Ito
PIPE_COLOURS = {"D": "#0072B2", "S": "#E69F00", "C": "#009E73"}
# No stall shares a pipe's hue (dependence was vermillion, too close to the S pipe's orange);
# pipe-busy (two threads on one core) has no colour of its own: white, cross-hatched in black.
STALL_COLOURS = {"dependence": "#000000", "ppt-miss": "#CC79A7", "recv-wait": "#56B4E9",
                 "barrier-wait": "#F0E442", "pipe-busy": "#FFFFFF"}
STALL_HATCH = {"pipe-busy": "xx"}
NOP_COLOUR = "#e6e6e6"


def _axes(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _stall_box(ax, cycle, y0, reason, linewidth=1.0):
    """One stalled cycle: a box over the three pipe rows that start at ``y0``."""
    ax.add_patch(Rectangle((cycle, y0), 1, 3, facecolor=STALL_COLOURS.get(reason, "#000000"), edgecolor="white",
                           hatch=STALL_HATCH.get(reason), hatchcolor="black", linewidth=linewidth))


def _stall_text_colour(reason) -> str:
    return "white" if STALL_COLOURS.get(reason, "#000000") == "#000000" else "black"


def _slot_legend(ax, row_lists, message: bool = False):
    """A legend naming only what ``row_lists`` (``slot_rows`` lists) draw, outside on the right."""
    pipes, reasons, no_effect, nop = set(), [], False, False
    for rows in row_lists:
        for _, reason, cells in rows:
            if reason is not None and reason not in reasons:
                reasons.append(reason)
            for p, _, status in cells:
                nop |= status == "nop"
                no_effect |= status == "no-effect"
                if status != "nop":
                    pipes.add(p)
    handles = [Patch(facecolor=PIPE_COLOURS[p], label=f"{p} op") for p in "DSC" if p in pipes]
    if no_effect:
        handles.append(Patch(facecolor="white", edgecolor="grey", hatch="///", label="op with no effect"))
    if nop:
        handles.append(Patch(facecolor=NOP_COLOUR, label="empty slot (NOP)"))
    order = list(STALL_COLOURS)
    for r in sorted(reasons, key=lambda r: order.index(r) if r in order else len(order)):
        handles.append(Patch(facecolor=STALL_COLOURS.get(r, "#000000"), edgecolor="grey", hatch=STALL_HATCH.get(r),
                             label=f"stall: {r}"))
    if message:
        handles.append(Line2D([], [], color="black", lw=1.0, marker=">", markersize=5,
                              label="message: sent -> received"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)


def slot_timeline(rows, ax=None, title: str = "", show_text: bool = True):
    """Cycles (x) by pipes D/S/C (y): one box per slot.

    ``rows`` is ``Trace.slot_rows(...)``. Filled slots take their pipe's colour (hatched when
    the op did no work), empty slots are grey, a stalled cycle spans all three pipes in the
    colour of its reason (and is named, when the picture is short enough to print text).
    """
    n = max((r[0] for r in rows), default=0) + 1
    ax = _axes(ax, (max(6.0, 0.9 * min(n, 40)), 2.6))
    pipes = ["D", "S", "C"]
    text = show_text and n <= 24
    for cycle, reason, cells in rows:
        if reason is not None:
            _stall_box(ax, cycle, 0, reason)
            if text:
                ax.text(cycle + 0.5, 1.5, f"stall: {reason}", ha="center", va="center", rotation=90,
                        fontsize=6.5, color=_stall_text_colour(reason))
            continue
        for p, op, status in cells:
            y = 2 - pipes.index(p)
            colour = NOP_COLOUR if status == "nop" else PIPE_COLOURS[p]
            ax.add_patch(Rectangle((cycle, y), 1, 1, facecolor=colour, edgecolor="white",
                                   hatch="///" if status == "no-effect" else None, linewidth=1.0))
            if text and status != "nop":
                ax.text(cycle + 0.5, y + 0.5, op.replace(", ", ",\n", 1), ha="center", va="center",
                        fontsize=6.5, color="white" if p == "D" else "black")
    ax.set_xlim(0, n)
    ax.set_ylim(0, 3)
    ax.set_yticks([2.5, 1.5, 0.5], ["D", "S", "C"])
    ax.set_ylabel("pipe")
    ax.set_xlabel("cycle")
    ax.set_xticks(range(0, n, max(1, n // 20)))
    _slot_legend(ax, [rows])
    if title:
        ax.set_title(title)
    return ax


# bound name -> (colour, line style); other names take the next unused style
BOUND_STYLES = {"mix bound": ("#CC79A7", "--"), "dependence bound": ("#000000", "-")}
_MORE_STYLES = [("#56B4E9", ":"), ("#F0E442", "-.")]


def ops_per_cycle_bars(labels, counted, useful, bounds=None, ax=None, title: str = "", useful_bounds=None,
                       peak: float = 3.0, xlabel: str = "program version"):
    """Grouped bars per version: ops/cycle counting every op, and useful ops/cycle.

    ``bounds`` and ``useful_bounds``: optional lists, one dict per version such as
    ``{"mix bound": 2.4, "dependence bound": 3.2}``, drawn as ticks across the bar they bound.
    ``bounds`` count every op (``vt.bounds``) and sit over the every-op bar; ``useful_bounds``
    (``course.tour.useful_bounds``) count the ops that did work and sit over the useful bar. No
    bound is drawn above the ``peak`` (one op per pipe per cycle: the dashed line): one that
    comes out higher is drawn on the peak line and labelled with its value.
    """
    ax = _axes(ax, (8.0, 3.6))
    xs = range(len(labels))
    w = 0.38
    b1 = ax.bar([i - w / 2 for i in xs], counted, w, label="ops/cycle (every op)", color=PIPE_COLOURS["D"])
    b2 = ax.bar([i + w / 2 for i in xs], useful, w, label="useful ops/cycle", color=PIPE_COLOURS["C"])
    for bars in (b1, b2):
        ax.bar_label(bars, fmt="%.2f", fontsize=8, padding=2)
    ax.axhline(peak, ls="--", color="grey", lw=1)
    ax.text(-0.5 + 0.02, peak + 0.03 * peak, f"peak: {peak:g} ops/cycle", ha="left", va="bottom", fontsize=8,
            color="grey")
    styles, drawn = dict(BOUND_STYLES), set()
    for series, offset in ((bounds, -w / 2), (useful_bounds, w / 2)):
        for i, bd in enumerate(series or []):
            for name, value in bd.items():
                if name not in styles:
                    styles[name] = _MORE_STYLES[(len(styles) - len(BOUND_STYLES)) % len(_MORE_STYLES)]
                colour, style = styles[name]
                ax.hlines(min(value, peak), i + offset - w / 2, i + offset + w / 2, colors=colour,
                          linestyles=style, lw=2.0, label=None if name in drawn else name)
                drawn.add(name)
                if value > peak:
                    ax.annotate(f"{value:.2f},\ncapped", (i + offset, peak), textcoords="offset points",
                                xytext=(0, 3), ha="center", va="bottom", fontsize=7, color=colour)
    ax.set_xticks(list(xs), labels)
    ax.set_xlim(-0.5, len(labels) - 0.5)
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.set_ylabel("ops per cycle")
    ax.set_ylim(0, peak * 1.2)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
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
               color="#000000", label="miss", zorder=3)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlim(0.5, max(n, 1) + 0.5)
    ax.set_xlabel("PPT access (demand gathers and scatters, in order)")
    ax.set_ylabel("hit rate (fraction of accesses)")
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
    ax.set_xlabel("way: least recently used  ->  most recently used")
    ax.set_ylabel("PPT set")
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
TIER_COLOURS = {"L1": "#009E73", "L2": "#56B4E9", "L3": "#0072B2", "DRAM": "#E69F00", "remote": "#CC79A7"}


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
    """Several sentrons on one time axis: one row group (D, S, C, labelled) per sentron, stalls
    in the colour of their reason, and each message as an arrow from the sender's C row in the
    cycle it was sent to the receiver's C row in the cycle it was received."""
    names = [s.name for s in trace.sentrons] if sentrons is None else list(sentrons)
    end = max(1, trace.counters().cycles + min(s.start_cycle or 0 for s in trace.sentrons))
    ax = _axes(ax, (max(7.0, min(16.0, 0.45 * end + 3)), 0.8 + 1.0 * len(names)))
    gap = 0.6
    base, rows_of = {}, {}
    for k, name in enumerate(names):
        y0 = (len(names) - 1 - k) * (3 + gap)
        base[trace.info(name).id] = y0
        rows_of[name] = rows = trace.slot_rows(name)
        for cycle, reason, cells in rows:
            if reason is not None:
                _stall_box(ax, cycle, y0, reason, linewidth=0.3)
                continue
            for p, _, status in cells:
                y = y0 + 2 - "DSC".index(p)
                ax.add_patch(Rectangle((cycle, y), 1, 1, facecolor=NOP_COLOUR if status == "nop" else PIPE_COLOURS[p],
                                       edgecolor="white", linewidth=0.3,
                                       hatch="///" if status == "no-effect" else None))
    drawn = False
    if arrows:
        for msg in trace.messages():
            if msg.recv_cycle is None or msg.src not in base or msg.dst not in base:
                continue
            ax.annotate("", xy=(msg.recv_cycle + 0.5, base[msg.dst] + 0.5),
                        xytext=(msg.sent_cycle + 0.5, base[msg.src] + 0.5),
                        arrowprops=dict(arrowstyle="->", color="black", lw=1.0, shrinkA=2, shrinkB=2))
            drawn = True
    ax.set_xlim(0, end)
    ax.set_ylim(-gap / 2, len(names) * (3 + gap) - gap / 2)
    ticks, tick_labels = [], []
    for name in names:
        y0 = base[trace.info(name).id]
        ticks += [y0 + 2.5, y0 + 1.5, y0 + 0.5]
        tick_labels += ["D", "S", "C"]
        ax.annotate(name, xy=(0, y0 + 1.5), xycoords=("axes fraction", "data"), xytext=(-16, 0),
                    textcoords="offset points", ha="right", va="center", fontsize=9, fontweight="bold")
    ax.set_yticks(ticks, tick_labels, fontsize=7)
    ax.tick_params(axis="y", length=2)
    ax.set_xlabel("cycle")
    _slot_legend(ax, list(rows_of.values()), message=drawn)
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


def _block(ax, x, y, w, h, text, face="white", edge="black", colour="black", size=8.0, weight="normal", **kw):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.3,rounding_size=0.8", facecolor=face,
                                edgecolor=edge, linewidth=1.2, **kw))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=size, color=colour, fontweight=weight,
            linespacing=1.35)


def _link(ax, start, end, both: bool = True, label: str = "", at=None):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="<|-|>" if both else "-|>", mutation_scale=10,
                                 color="#333333", lw=1.1, shrinkA=0, shrinkB=0))
    if label:
        x, y = at or ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.8)
        ax.text(x, y, label, ha="center", va="bottom", fontsize=7, color="#333333")


def _pipe_latencies(config, pipe: str) -> str:
    """'add 1 · mul 3 ...' for the latency keys a pipe's ops pay, in op-table order."""
    keys = []
    for spec in OPS.values():
        if str(spec.pipe) == pipe and str(spec.latency_key) not in keys:
            keys.append(str(spec.latency_key))
    names = {"coord": "recv/bar/pack", "prefetch": "cprefetch"} if pipe == "C" else {}
    return " · ".join(f"{names.get(k, k)} {config.latency_cycles[k]}" for k in keys) + " cycles"


def machine_diagram(config="realistic", ax=None, title: str = ""):
    """A block diagram of one sentron and what it reaches, every number read from ``config``
    (a MachineConfig or a preset name): its register files (r, p, m and how many of each) and the
    scoreboard; the D, S and C pipes with the latencies their ops pay; the PPT (sets x ways, page
    size, page walk) and memory (the extra cycles of a miss by locality tier), which all sentrons
    share; and the network that carries messages. Nothing is simulated."""
    config = get_config(config)
    ax = _axes(ax, (11.0, 5.6))
    n = REG_FILES
    # the sentron: registers, scoreboard, program, three pipes
    ax.add_patch(FancyBboxPatch((0.5, 1.5), 62, 56, boxstyle="round,pad=0.3,rounding_size=1.5", facecolor="none",
                                edgecolor="grey", linewidth=1.2, linestyle="--"))
    ax.text(2, 55.5, "a sentron (one of many: each has its own registers, program and home coordinate)",
            ha="left", va="top", fontsize=8, color="#333333", fontweight="bold")
    _block(ax, 19, 44.5, 41, 6.5, "program: one SIW per cycle, one slot per pipe (D | S | C);\n"
           "it issues when the scoreboard says its registers are ready", size=7.5)
    regs = [(33, f"r0-r{n['r'] - 1}\n{n['r']} x float64"), (23.5, f"p0-p{n['p'] - 1}\n{n['p']} coordinates"),
            (14, f"m0-m{n['m'] - 1}\n{n['m']} messages of\n{MSG_LANES} lanes")]
    for y, text in regs:
        _block(ax, 2.5, y, 13, 7.5, text, face="#f2f2f2")
    _block(ax, 2.5, 4, 13, 7.5, "scoreboard\nthe cycle each\npending value lands", face="#f2f2f2", size=7.5)
    ax.add_patch(Rectangle((19.6, 14), 2.4, 26.5, facecolor="#d9d9d9", edgecolor="none"))
    ax.text(20.8, 27.25, "read at issue, written when the result lands", rotation=90, ha="center", va="center",
            fontsize=6.5, color="#333333")
    pipes = [("D", 33, "D pipe: dense arithmetic"), ("S", 23.5, "S pipe: sparse memory access"),
             ("C", 14, "C pipe: coordination (messages)")]
    for p, y, name in pipes:
        _block(ax, 25, y, 35, 7.5, f"{name}\n{_pipe_latencies(config, p)}", face=PIPE_COLOURS[p],
               edge=PIPE_COLOURS[p], colour="black" if p == "S" else "white", size=7.5)
    for y, _ in regs:
        _link(ax, (16.1, y + 3.75), (19.6, y + 3.75))
    for _, y, _ in pipes:
        _link(ax, (22.0, y + 3.75), (24.4, y + 3.75))
    _link(ax, (42.5, 44.2), (42.5, 41.1), both=False)
    # what every sentron shares: PPT and memory, the network
    tiers = " · ".join(f"{t} {c}" for t, c in config.tier_latency_cycles.items())
    page = "1 cell" if config.page_scrolls == 1 else f"{config.page_scrolls} scrolls"
    _block(ax, 67, 42, 31, 14, f"memory (shared)\none float64 per phext coordinate\n\na miss also pays its locality tier:\n"
           f"{tiers} cycles", face="#f2f2f2", size=7.5)
    _block(ax, 67, 22, 31, 14.5, f"PPT: Phext Page Table (shared)\n{config.ppt_sets} sets x {config.ppt_ways} ways = "
           f"{config.ppt_capacity_pages} pages, LRU\npage = {page}\na miss: page walk of "
           f"{config.ppt_miss_penalty_cycles} cycles", face="white", edge=STALL_COLOURS["ppt-miss"], size=7.5)
    _block(ax, 67, 3, 19, 14, f"network\na message arrives\n{config.send_base_cycles} + {config.send_cycles_per_hop} "
           "x hops cycles\nafter its send\n(hops = hamming distance)", size=7.2)
    _block(ax, 89.5, 3, 8.5, 14, "other\nsentrons", face="white", edge="grey", colour="#333333", size=7.5,
           linestyle="--")
    _link(ax, (60.6, 27.25), (66.4, 29.25), label="gather,\nscatter", at=(63.5, 30.5))
    _link(ax, (82.5, 37.1), (82.5, 41.4))
    _link(ax, (60.6, 17.75), (66.4, 11.5), label="send,\nrecv", at=(61.6, 10.2))
    _link(ax, (86.6, 10), (88.9, 10))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 58.5)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


__all__ = ["PIPE_COLOURS", "STALL_COLOURS", "STALL_HATCH", "NOP_COLOUR", "BOUND_STYLES", "slot_timeline",
           "ops_per_cycle_bars", "ppt_hit_rate", "ppt_occupancy", "curve", "TIER_COLOURS", "tier_bars",
           "fleet_timeline", "choice_histogram", "machine_diagram"]


# -- whole runs, for notebooks 03 and 04 ------------------------------------------------------------

DRAIN_COLOUR = "#999999"
LINE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#000000", "#D55E00", "#56B4E9"]  # Okabe-Ito


def slot_timeline_with_drain(rows, retire_cycle: int, ax=None, title: str = "", show_text: bool = True):
    """:func:`slot_timeline` drawn on to the cycle the run retires. After its last SIW issues a
    sentron issues nothing more but still waits for its last results to land: those *drain*
    cycles are drawn dotted across the three pipes, and a line marks the retire cycle, so the
    picture is as wide as ``counters().cycles`` (which is ``retire_cycle``)."""
    issued_to = max((r[0] for r in rows), default=-1) + 1
    ax = slot_timeline(rows, ax=ax, title=title, show_text=show_text)
    drain = range(issued_to, retire_cycle)
    for cycle in drain:
        ax.add_patch(Rectangle((cycle, 0), 1, 3, facecolor="white", edgecolor=DRAIN_COLOUR, hatch="..",
                               linewidth=0.8))
        if show_text and retire_cycle <= 24:
            ax.text(cycle + 0.5, 1.5, "drain", ha="center", va="center", rotation=90, fontsize=7,
                    bbox=dict(facecolor="white", edgecolor="none", pad=1.0))
    end = max(issued_to, retire_cycle)
    ax.axvline(retire_cycle, color="black", lw=1.4)
    ax.set_xlim(0, end + 0.02 * end)
    ax.set_xticks(range(0, end + 1, max(1, end // 20)))
    legend = ax.get_legend()
    handles = list(legend.legend_handles) if legend else []
    labels = [t.get_text() for t in legend.get_texts()] if legend else []
    if drain:
        handles.append(Patch(facecolor="white", edgecolor=DRAIN_COLOUR, hatch=".."))
        labels.append("drain: last results landing")
    handles.append(plt.Line2D([], [], color="black", lw=1.4))
    labels.append(f"retire (cycle {retire_cycle})")
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return ax


def stall_curves(curves: dict, ax=None, title: str = "", reason: str = "ppt-miss", zoom_cycles: int | None = None):
    """Stall cycles so far against the cycle, one step line per run (``label -> list``, e.g. from
    ``course.ppt_study.stall_curve``), on one shared cycle axis. Each curve ends where its run
    ends, at a dot labelled with the run's total. ``zoom_cycles``: an inset with the first cycles
    (where curves that end far apart may still cross)."""
    ax = _axes(ax, (8.0, 3.4))
    inset = ax.inset_axes([0.61, 0.08, 0.28, 0.42]) if zoom_cycles else None
    for k, (label, ys) in enumerate(curves.items()):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        ax.step(range(len(ys)), ys, where="post", color=colour, lw=1.6, label=label)
        if inset is not None:
            inset.step(range(min(len(ys), zoom_cycles + 1)), ys[:zoom_cycles + 1], where="post", color=colour, lw=1.4)
        if ys:
            ax.plot(len(ys) - 1, ys[-1], "o", color=colour, ms=5)
            ax.annotate(f"{ys[-1]} in {len(ys)} cycles", (len(ys) - 1, ys[-1]), textcoords="offset points",
                        xytext=(5, -3), fontsize=8, color=colour, va="top")
    longest = max((len(ys) for ys in curves.values()), default=1)
    ax.set_xlim(0, longest * 1.18)
    ax.set_ylim(0, max((max(ys) for ys in curves.values() if ys), default=1) * 1.08)
    ax.set_xlabel("cycle")
    ax.set_ylabel(f"{reason} stall cycles so far")
    if inset is not None:
        inset.set_xlim(0, zoom_cycles)
        inset.set_ylim(0, max(max(ys[:zoom_cycles + 1]) for ys in curves.values() if ys) * 1.1)
        inset.set_title(f"the first {zoom_cycles} cycles", fontsize=8)
        inset.tick_params(labelsize=7)
        ax.indicate_inset_zoom(inset, edgecolor="grey")
    handles, labels = ax.get_legend_handles_labels()
    handles.append(plt.Line2D([], [], ls="", marker="o", color="grey", ms=5))
    labels.append("end of the run: total stall cycles")
    ax.legend(handles, labels, fontsize=8, frameon=False, loc="upper left")
    if title:
        ax.set_title(title)
    return ax


def set_load_bars(pages, ways: int, ax=None, title: str = "", re_misses=None):
    """Footprint pages mapping to each PPT set (bars) against the ``ways`` a set holds (a dashed
    line): a bar above the line is an overbooked set, which must evict pages still in use.
    ``re_misses`` (one per set, optional) labels each bar with its capacity + conflict misses."""
    ax = _axes(ax, (max(4.5, 1.2 * len(pages) + 1.5), 3.2))
    xs = range(len(pages))
    over = [p > ways for p in pages]
    bars = ax.bar(xs, pages, width=0.7, color=["#D55E00" if o else "#0072B2" for o in over])
    texts = [f"{p} pages" + ("" if re_misses is None else f"\n{re_misses[i]} re-misses") for i, p in enumerate(pages)]
    ax.bar_label(bars, labels=texts, fontsize=8, padding=2)
    ax.axhline(ways, color="black", ls="--", lw=1.2)
    ax.set_xticks(list(xs), [f"set {s}" for s in xs])
    ax.set_ylim(0, max(max(pages, default=0), ways) * 1.35)
    ax.set_ylabel("footprint pages in the set")
    ax.set_xlabel("PPT set")
    handles = [plt.Line2D([], [], color="black", ls="--", lw=1.2)]
    labels = [f"ways = {ways}: pages a set can hold"]
    if any(over):
        handles.append(Patch(facecolor="#D55E00"))
        labels.append("overbooked set")
    if not all(over):
        handles.append(Patch(facecolor="#0072B2"))
        labels.append("set whose pages fit")
    ax.legend(handles, labels, fontsize=8, frameon=False, loc="upper right")
    if title:
        ax.set_title(title)
    return ax


__all__ += ["DRAIN_COLOUR", "LINE_COLOURS", "slot_timeline_with_drain", "stall_curves", "set_load_bars"]


# -- messages and split work, for notebooks 05 and 06 ----------------------------------------------

def message_latency(hops, latency, waits=None, model=None, ax=None, title: str = ""):
    """Message latency (send to arrival, circles) against hops between the two homes, with an
    optional second measured series ``waits`` (how long the receiver waited, squares) and the
    model ``model = (base_cycles, cycles_per_hop)`` as a dashed line drawn over the points (where
    they agree, the dashes run through the circles)."""
    ax = _axes(ax, (6.5, 3.4))
    if model is not None:
        base, per_hop = model
        xs = range(0, max(hops) + 1)
        ax.plot(xs, [base + per_hop * h for h in xs], ls="--", color="black", lw=1.0, zorder=4,
                label=f"model: {base} + {per_hop} x hops")
    ax.plot(hops, latency, marker="o", color="#009E73", lw=1.4, zorder=3, label="message latency (send to arrival)")
    if waits is not None:
        ax.plot(hops, waits, marker="s", color="#0072B2", lw=1.4, zorder=3, label="cycles the receiver waits in recv")
    ax.set_xticks(range(0, max(hops) + 1))
    ax.set_xlabel("hops (hamming distance between the two homes)")
    ax.set_ylabel("cycles")
    ax.set_ylim(0, max([*latency, *(waits or [])]) * 1.15)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    if title:
        ax.set_title(title)
    return ax


def cycle_breakdown(labels, compute, extra, ax=None, title: str = "", compute_label: str = "compute",
                    extra_label: str = "messages", ylabel: str = "cycles"):
    """Stacked bars, one per version: ``compute`` cycles (blue) and the ``extra`` cycles on top
    (green, the C pipe's colour, e.g. what combining by messages adds), each bar labelled with
    its total. Only the parts that are drawn appear in the legend."""
    ax = _axes(ax, (max(5.0, 1.3 * len(labels) + 1.5), 3.4))
    xs = range(len(labels))
    ax.bar(xs, compute, width=0.65, color=PIPE_COLOURS["D"], label=compute_label)
    if any(extra):
        ax.bar(xs, extra, width=0.65, bottom=compute, color=PIPE_COLOURS["C"], hatch="//", edgecolor="white",
               label=extra_label)
    totals = [c + e for c, e in zip(compute, extra)]
    for x, c, e in zip(xs, compute, extra):
        ax.text(x, c + e, f"{c + e}" + (f"\n({c} + {e})" if e else ""), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(xs), labels, fontsize=8)
    ax.set_ylim(0, max(totals) * 1.3)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    if title:
        ax.set_title(title)
    return ax


__all__ += ["message_latency", "cycle_breakdown"]
