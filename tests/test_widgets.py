"""The widgets' callbacks, called directly (no browser): they compute through pure functions."""

import matplotlib

matplotlib.use("Agg")

from vtpu_lib import programs  # noqa: E402
from vtpu_lib.widgets import LatencyExplorer, ProgramEditor, StepThrough, run_program  # noqa: E402


def test_run_program_returns_counters_or_the_assembler_error_text():
    ok = run_program(programs.source("microvtpu_naive"))
    assert ok.error is None and ok.counters.cycles == 16 and "r0=140" in ok.text()
    bad = run_program("ad r1, r1, r1 | - | -")
    assert bad.trace is None and "editor.siw:1:1: unknown op 'ad' (did you mean 'add'?)" in bad.error
    assert "\n    ^" in bad.text()


def test_run_program_applies_latency_and_geometry_overrides():
    text = programs.source("microvtpu_baseline")
    assert run_program(text, preset="realistic").counters.cycles == 16
    assert run_program(text, preset="realistic", fma=1).counters.cycles == 4
    assert run_program(text, preset="realistic", ppt_sets=2).config.ppt_sets == 2
    assert "unknown config field" in run_program(text, preset="realistic", bogus=1).error


def test_editor_run_button_uses_the_text_mode_and_preset():
    ed = ProgramEditor(programs.source("microvtpu_optimized"))
    assert ed.run(draw=False).trace.registers["r0"] == 140.0
    ed.mode.value, ed.preset.value = "sequential", "realistic"
    ed.textarea.value = ed.textarea.value.replace("cprefetch p5", "-")
    result = ed.run(draw=False)
    assert result.config.name == "realistic" and result.trace.mode == "sequential"
    assert result.counters.ops == 18


def test_moving_a_slider_reruns_with_the_new_latency():
    ex = LatencyExplorer(programs.source("microvtpu_baseline"), preset="realistic")
    assert ex.compute().counters.cycles == 16
    assert ex.compute(fma=2).counters.cycles == 8
    assert ex.sliders["fma"].value == 4                 # compute() leaves the sliders alone
    ex.sliders["fma"].value = 1                          # what dragging the slider does
    assert ex.result.counters.cycles == 4
    assert ex.run(fma=8).counters.cycles == 32 and ex.sliders["fma"].value == 8


def test_step_through_goes_forward_and_back_to_identical_states():
    st = StepThrough(programs.source("microvtpu_naive"), "realistic")
    first = st.forward(draw=False)
    second = st.forward(draw=False)
    assert first.startswith("cycle 1") and second.startswith("cycle 2")
    assert st.back(draw=False) == first
    assert st.forward(draw=False) == second


def test_temperature_slider_computes_the_choice_histogram():
    from vtpu_lib.widgets import TemperatureExplorer
    ex = TemperatureExplorer(runs=200, temperature=0.0)
    assert ex.compute() == {100.0: 200, 200.0: 0, 300.0: 0}
    hot = ex.compute(10.0)
    assert sum(hot.values()) == 200 and hot[300.0] > 0


def test_step_through_into_a_deadlock_shows_the_report_and_never_raises():
    st = StepThrough(".sentron a id=0\n- | - | recv r1, b\n.sentron b id=1\n- | - | recv r1, a\n")
    texts = [st.forward(draw=False) for _ in range(4)]
    assert "the run stopped here: cycle 0" in texts[-1] and "deadlock" in texts[-1]
    assert st.back(draw=False).startswith("cycle 0")
