"""Interactive widgets for the notebooks: thin wrappers over pure functions.

Every widget does its work through a plain function or method that a test (or a checked
notebook cell) can call without a browser: :func:`run_program` for the editor and the
sliders, :class:`~vtpu_lib.stepper.Stepper` for stepping. The widgets only collect input
and draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as W
import matplotlib.pyplot as plt
from IPython.display import clear_output, display

from . import viz
from .asm import assemble
from .config import PRESETS, MachineConfig, get_config
from .errors import VtpuError
from .machine import Machine
from .stepper import Stepper
from .trace import Counters, Trace

_CSS = W.HTML("<style>.vtpu-code textarea { font-family: monospace; font-size: 12px; }</style>")


@dataclass(frozen=True)
class RunResult:
    """What one press of Run produced: a trace and its counters, or an error message."""
    trace: Trace | None
    counters: Counters | None
    error: str | None
    config: MachineConfig | None   # None when the preset or an override was the mistake

    def text(self) -> str:
        if self.error:
            return self.error
        c = self.counters
        regs = {k: v for k, v in self.trace.sentrons[0].registers.items() if k.startswith("r") and v != 0.0}
        shown = ", ".join(f"{k}={v:g}" for k, v in regs.items()) or "all r = 0"
        return f"{c.summary()}\nregisters: {shown}"


def run_program(text: str, mode: str = "vliw", preset: MachineConfig | str = "seed", *,
                file: str = "editor.siw", max_cycles: int = 100_000, **overrides) -> RunResult:
    """Assemble and run ``text``; every mistake comes back as text (with caret), never raised:
    the program, the preset, an override or ``max_cycles`` (None means the default, 100,000).

    ``overrides`` change the preset: latency keys (``mul=3``) or config fields (``ppt_sets=8``).
    """
    config = None
    try:
        config = get_config(preset)
        if overrides:
            config = config.replace(**overrides)
        m = Machine(config, mode=mode, max_cycles=100_000 if max_cycles is None else max_cycles)
        m.load(assemble(text, file=file))
        trace = m.run()
        return RunResult(trace, trace.counters(), None, config)
    except VtpuError as e:
        return RunResult(None, None, str(e), config)


def _draw(result: RunResult, title: str = "") -> None:
    print(result.text())
    if result.trace is not None:
        first = result.trace.sentrons[0]
        n = result.trace.counters(first.id).cycles  # to the retire cycle: the drain is drawn too
        fig, ax = plt.subplots(figsize=(min(14, max(7, 0.5 * n + 3)), 2.5))
        c = result.counters
        viz.slot_timeline_with_drain(result.trace.slot_rows(), n, ax=ax,
                                     title=f"{title}: {c.cycles} cycles, {c.ops_per_cycle:.2f} ops/cycle".lstrip(": "))
        plt.tight_layout()
        plt.show()


class _RunWidget:
    """What the editor and the explorer share: draw a run into their Output, show on display."""

    output: W.Output
    title: str
    widget: W.Widget

    def _render(self, result: RunResult) -> None:
        with self.output:
            clear_output(wait=True)
            _draw(result, self.title)

    def _ipython_display_(self):
        display(self.widget)
        self.run()


class ProgramEditor(_RunWidget):
    """A program in a text box, mode and preset menus, a Run button; shows counters, the slot
    timeline, or the assembler's error with its caret. ``editor.run()`` is the Run button."""

    def __init__(self, text: str, mode: str = "vliw", preset: str = "seed", title: str = "", rows: int = 10):
        self.textarea = W.Textarea(value=text.strip("\n"), rows=rows, layout=W.Layout(width="95%"))
        self.textarea.add_class("vtpu-code")
        self.mode = W.Dropdown(options=["vliw", "sequential"], value=mode, description="mode")
        self.preset = W.Dropdown(options=sorted(PRESETS), value=preset, description="preset")
        self.button = W.Button(description="Run", button_style="primary", icon="play")
        self.output = W.Output()
        self.title = title
        self.result: RunResult | None = None
        self.button.on_click(lambda _: self.run())
        self.widget = W.VBox([_CSS, self.textarea, W.HBox([self.mode, self.preset, self.button]), self.output])
        self.widget.add_class("vtpu-editor")      # stable hooks for the browser test
        self.output.add_class("vtpu-output")

    def run(self, draw: bool = True) -> RunResult:
        """What the Run button does. ``draw=False`` skips only the drawing into the widget (for
        checked notebook cells: nbval cannot follow output sent to a widget)."""
        self.result = run_program(self.textarea.value, self.mode.value, self.preset.value)
        if draw:
            self._render(self.result)
        return self.result


class LatencyExplorer(_RunWidget):
    """Sliders for latencies and PPT geometry; moving one re-runs the program and re-plots.
    ``explorer.run(mul=5)`` does what moving the mul slider to 5 does. ``keys`` picks the sliders:
    any latency key (``"add"`` also times ``mov``, ``sub``, ...) or config field; offer only those
    that matter to the program (notebook 03's arithmetic has no use for PPT sliders)."""

    KEYS = ("mul", "fma", "gather", "ppt_miss_penalty_cycles", "ppt_sets", "ppt_ways")
    LABELS = {"ppt_miss_penalty_cycles": "miss penalty", "ppt_sets": "PPT sets", "ppt_ways": "PPT ways",
              "add": "add, mov"}  # any other key is its own label

    def __init__(self, text: str, preset: str = "realistic", mode: str = "vliw", keys=KEYS, title: str = ""):
        self.text, self.mode, self.title = text, mode, title
        base = get_config(preset)
        self.base = base
        self.sliders = {}
        for key in keys:
            value = base.latency_cycles.get(key, getattr(base, key, None))
            lo, hi = (1, 16) if key in base.latency_cycles else ((0, 40) if "penalty" in key else (1, 64))
            self.sliders[key] = W.IntSlider(value=value, min=lo, max=max(hi, value), description=self.LABELS.get(key, key),
                                            continuous_update=False, style={"description_width": "90px"})
            self.sliders[key].observe(self._moved, names="value")
        self.output = W.Output()
        self.result: RunResult | None = None
        self._quiet = False
        self.widget = W.VBox([W.HBox(list(self.sliders.values())[:3]), W.HBox(list(self.sliders.values())[3:]),
                              self.output])
        self.widget.add_class("vtpu-explorer")
        self.output.add_class("vtpu-output")

    def _moved(self, change) -> None:
        if not self._quiet:
            self.run()

    def compute(self, **changes) -> RunResult:
        """The run behind the sliders, for the current slider values with ``changes`` applied;
        touches no widget (a notebook cell can call it and have its output checked)."""
        settings = {k: s.value for k, s in self.sliders.items()} | changes
        return run_program(self.text, self.mode, self.base, **settings)

    def run(self, **changes) -> RunResult:
        """What moving a slider does: set the sliders given, re-run, re-plot."""
        self._quiet = True  # set the sliders without each one re-running
        try:
            for key, value in changes.items():
                self.sliders[key].value = value
        finally:
            self._quiet = False
        self.result = self.compute()
        self._render(self.result)
        return self.result


class StepThrough:
    """Previous / next cycle buttons over a :class:`Stepper`: registers, pending results and
    the PPT at the start of each cycle. Going back restores snapshots."""

    def __init__(self, text: str, preset: str = "seed", mode: str = "vliw"):
        self.stepper = Stepper(assemble(text, file="step.siw"), preset, mode=mode)
        self.prev = W.Button(description="previous", icon="step-backward")
        self.next = W.Button(description="next", icon="step-forward")
        self.output = W.Output()
        self.prev.on_click(lambda _: self.back())
        self.next.on_click(lambda _: self.forward())
        self.widget = W.VBox([W.HBox([self.prev, self.next]), self.output])
        self.widget.add_class("vtpu-stepper")

    def _show(self, draw: bool = True) -> str:
        text = self.stepper.render()
        if draw:
            with self.output:
                clear_output(wait=True)
                print(text)
        return text

    def forward(self, draw: bool = True) -> str:
        """What the 'next' button does; returns the text it shows."""
        self.stepper.forward()
        return self._show(draw)

    def back(self, draw: bool = True) -> str:
        """What the 'previous' button does (restores a snapshot)."""
        self.stepper.back()
        return self._show(draw)

    def _ipython_display_(self):
        display(self.widget)
        self._show()


class TemperatureExplorer:
    """A temperature slider over the routing scenario (senders at hamming 0, 1 and 5): each
    move re-runs it ``runs`` times with different seeds and plots which message was taken.
    ``explorer.compute(T)`` is the computation behind the slider."""

    def __init__(self, runs: int = 1000, temperature: float = 1.0, seed: int = 0):
        from .course import scenarios
        self._scenarios = scenarios
        self.runs, self.seed = runs, seed
        self.slider = W.FloatSlider(value=temperature, min=0.0, max=10.0, step=0.25, description="T",
                                    continuous_update=False)
        self.output = W.Output()
        self.counts: dict | None = None
        self.slider.observe(lambda change: self.run(), names="value")
        self.widget = W.VBox([self.slider, self.output])
        self.widget.add_class("vtpu-temperature")

    def compute(self, temperature: float | None = None) -> dict:
        t = self.slider.value if temperature is None else temperature
        return self._scenarios.temperature_choices(t, self.runs, self.seed)

    def run(self) -> dict:
        self.counts = self.compute()
        labels = {v: f"{v:g} (hamming {h})" for v, h in self._scenarios.routing_distances().items()}
        with self.output:
            clear_output(wait=True)
            nearest = max(self.counts.values()) / max(1, sum(self.counts.values()))
            viz.choice_histogram(self.counts, title=f"T = {self.slider.value:g}: recv any takes the most "
                                 f"common sender {100 * nearest:.1f}% of the time",
                                 labels=labels)
            plt.tight_layout()
            plt.show()
        return self.counts

    def _ipython_display_(self):
        display(self.widget)
        self.run()


__all__ = ["RunResult", "run_program", "ProgramEditor", "LatencyExplorer", "StepThrough", "TemperatureExplorer"]
