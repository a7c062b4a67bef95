"""``python -m vtpu_lib chat``: intents on words, answers computed by one machine per chat, and
every routing bug of the original vtpu-chat.sh routed right."""

import argparse
import io
import random
import re
import string
import subprocess
import sys

import pytest

from vtpu_lib import programs
from vtpu_lib.chat import INTENTS, Chat, add_chat_parser, chat_main, is_quit, route
from vtpu_lib.chat.runs import RESULT_AT, dot_program, parse_vectors, relocate
from vtpu_lib.coord import Coord
from vtpu_lib.errors import SimError
from vtpu_lib.isa import op_table_markdown, ops_of_pipe
from vtpu_lib.machine import Machine


def transcript(text: str, **kw) -> tuple[int, str]:
    out = io.StringIO()
    code = chat_main(io.StringIO(text), out, **kw)
    return code, out.getvalue()


def ppt_accesses(reply: str) -> int:
    return int(re.search(r"(\d+) accesses", reply).group(1))


# -- the original's routing bugs, each now routed right ----------------------------------------------

def test_show_memory_stats_reports_memory_not_the_demo():
    assert route("Show memory stats").intent == "memory"


def test_ppt_status_reports_the_ppt_not_the_system_status():
    assert route("PPT status").intent == "memory"


def test_what_can_you_do_gives_help_not_the_demo():
    assert route("What can you do?").intent == "help"


def test_latest_does_not_run_the_benchmark():
    assert route("latest").intent != "benchmark"
    assert route("what's the latest?").intent != "benchmark"


def test_information_is_not_status():
    assert route("information").intent != "status"


def test_explain_how_attention_works_explains_instead_of_running_it():
    r = route("Explain how attention works")
    assert (r.intent, r.topic) == ("explain", "attention")
    reply = Chat().reply("Explain how attention works")
    assert "recv blocks" in reply and "wrote 42" not in reply


def test_run_inference_is_handled_by_running_attention():
    assert route("Run inference") == route("run inference")
    assert (route("Run inference").intent, route("Run inference").note) == ("attention", "inference")
    reply = Chat().reply("Run inference")
    assert "no trained model" in reply and "wrote 42" in reply and "wrote 84" in reply


@pytest.mark.parametrize("line", ["Exit", "Quit", "QUIT", "exit", "Bye", "bye!", "Goodbye.", "ok, bye", "quit "])
def test_quit_words_in_any_case_end_the_chat(line):
    assert is_quit(line)
    code, out = transcript(f"{line}\nhelp\n")
    assert code == 0 and out.rstrip().endswith("Goodbye.") and "you can say" not in out


@pytest.mark.parametrize("line", ["quite", "exits are marked", "how do I exit the ppt", "bye bye dot product"])
def test_a_quit_word_inside_a_sentence_or_a_word_does_not_end_the_chat(line):
    assert not is_quit(line)


# -- every phrase of the original's help (and its fallback list) --------------------------------------

@pytest.mark.parametrize("line, intent", [
    ("How are you?", "status"),
    ("Run a benchmark", "benchmark"),
    ("Show me a demo", "demo"),
    ("Compute attention", "attention"),
    ("What's the dot product of [2,4,6] and [3,5,7]?", "dot"),
    ("Multiply these vectors", "dot"),
    ("Help", "help"),
    ("Exit", "quit"),
    ("Quit", "quit"),
    ("Run inference", "attention"),
    ("Profile performance", "benchmark"),
    ("Explain the architecture", "explain"),
    ("Show memory stats", "memory"),
    ("What is vTPU?", "explain"),
    ("help", "help"),
    ("bye", "quit"),
    ("goodbye", "quit"),
])
def test_every_phrase_of_the_original_help_routes_to_its_intent(line, intent):
    assert route(line).intent == intent


@pytest.mark.parametrize("line", ["How are you?", "Run a benchmark", "Show me a demo", "Compute attention",
                                  "What's the dot product of [2,4,6] and [3,5,7]?", "Multiply these vectors",
                                  "Help", "Run inference", "Profile performance", "Explain the architecture",
                                  "Show memory stats", "What is vTPU?"])
def test_every_phrase_of_the_original_help_gets_a_real_answer(line):
    reply = Chat().reply(line)
    assert reply and not reply.startswith(("sorry", "internal error", "I'm not sure"))


def test_every_example_in_our_help_routes_to_the_intent_it_is_listed_under():
    for intent in INTENTS:
        for example in intent.examples:
            assert route(example).intent == intent.name, example
    text = Chat().reply("help")
    assert all(i.name in text and i.examples[0] in text for i in INTENTS)


def test_intents_match_whole_words_never_parts_of_words():
    for intent in INTENTS:
        for word in intent.words:
            assert route(f"zq{word}zq").intent == "unknown", word
            assert route(word.upper()).intent in (intent.name, "explain"), word   # any case


@pytest.mark.parametrize("line, intent, topic", [
    ("explain attention", "explain", "attention"),
    ("attention", "attention", None),
    ("what's the PPT hit rate?", "memory", None),
    ("what is a dot product?", "explain", "dot"),
    ("dot product", "dot", None),
    ("how does the PPT work", "explain", "ppt"),
    ("ppt", "memory", None),
    ("sentrons?", "explain", "sentron"),
    ("what does fma do?", "explain", "op:fma"),
    ("how fast is the vTPU?", "benchmark", None),
    ("benchmark the memory", "benchmark", None),
    ("what is the status", "status", None),
    ("explain", "explain", "vtpu"),
    ("what is the latest?", "unknown", None),
    ("?", "help", None),
])
def test_the_priority_rule_decides_between_intents(line, intent, topic):
    r = route(line)
    assert (r.intent, r.topic) == (intent, topic)


# -- dot product: the user's numbers, on the chat's machine ------------------------------------------

def test_dot_product_uses_the_users_numbers_and_shows_the_program_and_its_measured_ops_per_cycle():
    chat = Chat()
    reply = chat.reply("dot product of 1,2,3 and 4,5,6")
    assert reply.splitlines()[0] == "dot([1, 2, 3], [4, 5, 6]) = 32"
    assert "gather r1, p0" in reply and "fma r0, r1, r2, r0" in reply and "scatter p2, r0" in reply
    trace = chat.machine.trace()
    c = trace.counters("dot")
    assert trace.info("dot").registers["r0"] == 32.0
    assert chat.machine.memory.read(Coord.parse(RESULT_AT)) == 32.0
    assert f"{c.ops} ops in {c.cycles} cycles = {c.ops_per_cycle:.2f} ops/cycle" in reply
    assert c.ppt.accesses == 7     # 6 gathers + 1 scatter, all through the PPT


def test_dot_product_without_numbers_uses_the_originals_example_68():
    for line in ("dot product", "Multiply these vectors", "compute a dot product of apples and pears"):
        reply = Chat().reply(line)
        assert reply.splitlines()[0] == "dot([2, 4, 6], [3, 5, 7]) = 68"
        assert "no numbers" in reply


@pytest.mark.parametrize("line, result", [
    ("What's the dot product of [2,4,6] and [3,5,7]?", "68"),
    ("dot product of 3 and 4", "12"),
    ("dot product of [1, -2.5] . [4, 2]", "-1"),
    ("dot 1 2 3 4 and 1 1 1 1", "10"),
    ("dot product of 0.1,0.2 and 1,1", "0.30000000000000004"),   # exact: repr, not rounded
])
def test_dot_product_of_other_spellings(line, result):
    assert Chat().reply(line).splitlines()[0].endswith(f"= {result}")


@pytest.mark.parametrize("line, message", [
    ("dot product of 1,2,3 and 4,5", "different lengths: [1, 2, 3] has 3, [4, 5] has 2"),
    ("dot product of 1,2 and 3,4 and 5,6", "exactly two vectors, and I read 3 list(s)"),
    ("dot product of 1,2,3,4", "exactly two vectors, and I read 1 list(s)"),
    ("dot product of 1e999 and 2", "too large for a float64"),
    ("dot product of " + ",".join(["1"] * 300) + " and " + ",".join(["1"] * 300), "more than this chat's 256"),
])
def test_bad_vectors_give_one_clear_line_and_leave_the_machine_alone(line, message):
    chat = Chat()
    reply = chat.reply(line)
    assert reply.startswith("sorry: ") and message in reply and "\n" not in reply
    assert chat.machine.sentrons == {} and chat.history == []
    assert chat.reply("dot product of 1,2 and 3,4").startswith("dot([1, 2], [3, 4]) = 11")


def test_the_dot_program_is_a_real_siw_program_that_agrees_with_python():
    a, b = (1.5, -2.0, 3.25, 7.0, 0.5), (4.0, 0.25, -1.0, 2.0, 8.0)
    m = Machine("realistic")
    m.load(dot_program(a, b))
    trace = m.run()
    assert trace.registers["r0"] == sum(x * y for x, y in zip(a, b))
    assert trace.counters().ops_by_pipe["D"] == 5    # one fma per element


# -- attention ----------------------------------------------------------------------------------------

def test_attention_runs_the_bonded_pair_and_reports_42_84_and_each_sentrons_measured_ops_per_cycle():
    chat = Chat()
    reply = chat.reply("attention")
    fresh = Machine("seed")
    fresh.load(programs.load("attention_pair"))
    trace = fresh.run()
    for name, value in (("alice", 42), ("bob", 84)):
        c = trace.counters(name)
        line = next(l for l in reply.splitlines() if l.strip().startswith(name))
        assert f"wrote {value}" in line
        assert f"{c.siws} SIWs, {c.ops} ops in {c.cycles} cycles = {c.ops_per_cycle:.2f} ops/cycle" in line
    assert "recv-wait" in reply    # Bob waits for Alice's message: measured, not hidden


def test_attention_twice_in_one_chat_shares_the_machine():
    chat = Chat()
    chat.reply("attention")
    second = chat.reply("compute attention")
    assert "alice_2" in second and "wrote 42" in second and "wrote 84" in second
    assert len(chat.machine.sentrons) == 4 and chat.machine.trace().counters().messages_received == 2


def test_relocate_renames_sentrons_and_the_sends_that_name_them():
    m = Machine("seed")
    pair = programs.load("attention_pair")
    assert relocate(pair, m) is pair
    m.load(pair)
    moved = relocate(pair, m)
    assert [(s.name, s.id) for s in moved.sentrons] == [("alice_2", 2), ("bob_2", 3)]
    assert "send m0, bob_2" in str(moved) and "recv r0, alice_2" in str(moved)


# -- memory and PPT stats are this chat's ---------------------------------------------------------------

def test_memory_stats_grow_after_a_dot_product_in_the_same_chat():
    chat = Chat()
    assert "nothing has run" in chat.reply("Show memory stats")
    chat.reply("attention")
    before = ppt_accesses(chat.reply("Show memory stats"))
    chat.reply("dot product of 1,2,3 and 4,5,6")
    after = chat.reply("memory")
    assert ppt_accesses(after) > before
    assert ppt_accesses(after) == chat.machine.trace().counters().ppt.accesses
    assert "attention, dot product" in after


def test_memory_stats_report_the_sessions_cells_and_hit_rate():
    chat = Chat()
    chat.reply("dot product of 1,2 and 3,4")
    chat.reply("dot product of 1,2 and 3,4")   # the same cells again: this time the PPT hits
    c = chat.machine.trace().counters()
    reply = chat.reply("PPT status")
    assert f"{c.ppt.hits} hits, {c.ppt.misses} misses" in reply
    assert f"hit rate {100 * c.ppt.hit_rate:.1f}%" in reply
    assert f"{len(chat.machine.memory)} cell(s)" in reply and "dot product x2" in reply


# -- explain answers from the library -----------------------------------------------------------------

def test_explain_answers_from_the_op_table_and_the_presets():
    chat = Chat()
    fma_row = next(l for l in op_table_markdown().splitlines() if "`fma`" in l)
    assert fma_row in chat.reply("what does fma do?")
    assert ", ".join(ops_of_pipe("D")) in chat.reply("explain the pipes")
    assert "64 sets x 4 ways = 256 pages" in chat.reply("what is the PPT?")
    assert "4.1.1/1.1.1/1.1.1.1.1" in chat.reply("explain phext coordinates")
    assert chat.reply("explain ops") == op_table_markdown()
    assert "3. a dot product with numbers in the line" in chat.reply("explain chat")   # the documented rule


# -- benchmark, demo, status ----------------------------------------------------------------------------

def test_benchmark_runs_the_microvtpu_programs_and_gives_both_figures():
    chat = Chat()
    reply = chat.reply("run a benchmark")
    optimized = next(l for l in reply.splitlines() if l.strip().startswith("optimized")).split()
    assert optimized == ["optimized", "140", "10", "10", "19", "1.90", "1.60"]
    assert chat.history == ["microvtpu_baseline", "microvtpu_naive", "microvtpu_optimized"]


def test_demo_puts_the_plain_python_model_beside_the_library():
    reply = Chat().reply("show me a demo")
    assert "plain-Python model" in reply and "170" in reply
    naive = next(l for l in reply.splitlines() if l.strip().startswith("naive"))
    assert naive.split() == ["naive", "140", "16", "16", "1.00", "|", "140", "16", "16", "1.00", "1.00"]


def test_status_names_versions_cores_presets_and_the_chats_machine():
    import platform
    from vtpu_lib import __version__
    reply = Chat().reply("how are you?")
    assert f"vtpu_lib {__version__}" in reply and platform.python_version() in reply
    assert "preset seed" in reply and "preset realistic" in reply and "core(s)" in reply


# -- unknown input, failures, fuzz -------------------------------------------------------------------

@pytest.mark.parametrize("line, closest", [("benchmrak", "benchmark"), ("atention", "attention"),
                                           ("hlep", "help"), ("stauts", "status"), ("memroy", "memory")])
def test_unknown_input_gets_the_two_closest_intents(line, closest):
    r = route(line)
    assert r.intent == "unknown" and len(set(r.suggestions)) == 2 and closest in r.suggestions
    reply = Chat().reply(line)
    assert reply.count("' (") == 2 and f"({closest})" in reply


@pytest.mark.parametrize("line", ["xyzzy", "123", "!!!", "\u00e9\u00e9\u00e9", "\x00"])
def test_lines_with_nothing_to_match_still_get_two_suggestions(line):
    assert len(route(line).suggestions) == 2


def test_a_failing_step_is_one_line_and_the_chat_goes_on(monkeypatch):
    chat = Chat()
    chat.reply("attention")
    machine = chat.machine

    def broken(*a, **k):
        raise SimError("the machine broke", cycle=7)
    monkeypatch.setattr(Machine, "run", broken)
    reply = chat.reply("dot product of 1,2 and 3,4")
    assert reply == "sorry: the machine broke"
    assert chat.machine is not machine and len(chat.machine.sentrons) == 2   # put back as it was
    assert chat.history == ["attention"]
    monkeypatch.undo()
    assert chat.reply("dot product of 1,2 and 3,4").startswith("dot([1, 2], [3, 4]) = 11")


def test_a_bug_inside_a_step_does_not_end_the_chat(monkeypatch):
    chat = Chat()
    monkeypatch.setattr(Chat, "benchmark", lambda self: 1 / 0)
    assert chat.reply("benchmark").startswith("internal error (ZeroDivisionError")
    assert chat.reply("help").startswith("I understand")
    assert Chat().reply(None).startswith("sorry: I read text only")


def _random_line(rng) -> str:
    vocab = sorted({w for i in INTENTS for w in i.words} - {"quit", "exit", "bye", "goodbye"})
    vocab += ["of", "and", "1,2,3", "4,5", "[2,4,6]", "?", "1e999", "-3.5", "\u00fc", "\x00", "what's", "explain"]
    k = rng.random()
    if k < 0.4:
        return " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 8)))
    if k < 0.7:
        return "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 60)))
    return "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(0, 30)))


def test_fuzz_300_random_lines_never_raise_and_never_end_the_chat():
    rng = random.Random(11)
    lines = [_random_line(rng).replace("\n", " ").replace("\r", " ") for _ in range(300)]
    lines = [line for line in lines if not is_quit(line)]
    chat = Chat()
    for line in lines:
        reply = chat.reply(line)
        assert isinstance(reply, str) and "internal error" not in reply and "Traceback" not in reply, line
    code, out = transcript("\n".join(lines) + "\nstill here?\nquit\n")
    assert code == 0 and out.count("you> ") == len(lines) + 2 and out.rstrip().endswith("Goodbye.")


# -- the terminal loop ----------------------------------------------------------------------------------

def test_chat_main_reads_a_transcript_from_stringio():
    code, out = transcript("help\n\ndot product of 1,2,3 and 4,5,6\nmemory\nExit\nstatus\n")
    assert code == 0
    assert out.startswith("vTPU chat:") and "you can say" in out
    assert "dot([1, 2, 3], [4, 5, 6]) = 32" in out and "13 accesses" in out   # 6 .mem writes by the host + 7
    assert out.rstrip().endswith("Goodbye.") and "vtpu_lib 0" not in out    # nothing after Exit


def test_chat_main_ends_at_the_end_of_input_and_can_echo():
    code, out = transcript("attention", echo=True)
    assert code == 0 and "you> attention\n" in out and "wrote 84" in out
    assert transcript("")[0] == 0


def test_chat_main_keeps_one_machine_for_the_whole_conversation():
    chat = Chat()
    chat_main(io.StringIO("attention\ndot product of 1 and 2\nquit\n"), io.StringIO(), chat=chat)
    assert chat.history == ["attention", "dot product"] and len(chat.machine.sentrons) == 3


def test_add_chat_parser_adds_a_chat_command_that_runs_the_loop(monkeypatch, capsys):
    ap = argparse.ArgumentParser()
    add_chat_parser(ap.add_subparsers(dest="command", required=True))
    args = ap.parse_args(["chat", "--config", "realistic"])
    monkeypatch.setattr(sys, "stdin", io.StringIO("attention\nQuit\n"))
    assert args.fn(args) == 0
    out = capsys.readouterr().out
    assert "you> attention" in out and "wrote 42" in out and "wrote 84" in out and "Goodbye." in out


def test_the_chat_does_not_import_the_course_or_plotting():
    code = ("import sys, vtpu_lib.chat; bad = [m for m in sys.modules if m.startswith(('vtpu_lib.course', "
            "'matplotlib', 'ipywidgets', 'IPython'))]; print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_python_m_vtpu_lib_chat_survives_a_non_utf8_line():
    from vtpu_lib.cli import main
    try:
        main(["chat", "--help"])
    except SystemExit as e:
        if e.code != 0:
            pytest.skip("the chat command is not wired into vtpu_lib/cli.py yet")
    data = b"\xff\xfe not text\ndot product of 1,2,3 and 4,5,6\nEXIT\n"
    out = subprocess.run([sys.executable, "-m", "vtpu_lib", "chat"], input=data, capture_output=True, timeout=60)
    text = out.stdout.decode("utf-8", "replace")
    assert out.returncode == 0 and "= 32" in text and "Goodbye." in text and b"Traceback" not in out.stderr


def test_parse_vectors_reads_runs_of_numbers():
    assert parse_vectors("dot product of 1,2,3 and 4,5,6") == [[1, 2, 3], [4, 5, 6]]
    assert parse_vectors("[2,4,6]\u00b7[3,5,7]") == [[2, 4, 6], [3, 5, 7]]
    assert parse_vectors("vec1 = 1 2; vec2 = 3 4") == [[1, 2], [3, 4]]
    assert parse_vectors("1e3, -.5 with +2") == [[1000.0, -0.5], [2.0]]
    assert parse_vectors("no numbers here") == []
