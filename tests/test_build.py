"""ProgramBuilder: programs built as data equal the assembler's programs from the same text."""

import pytest

from vtpu_lib.asm import assemble, disassemble
from vtpu_lib.build import ProgramBuilder, op, reg
from vtpu_lib.coord import Coord
from vtpu_lib.errors import ProgramError, VtpuError
from vtpu_lib.isa import Imm, Instr, Reg


def _alice_bob():
    b = ProgramBuilder()
    b.mem("1.1.1", 3).mem("2.1.1", 7)
    b.sentron("alice", id=0, home="1.1.1").set("p0", "1.1.1").set("p1", "2.1.1").set("p3", "4.1.1")
    b.siw(s=op("gather", "r0", "p0"))
    b.siw(s=op("gather", "r1", "p1"))
    b.siw(op("mul", "r4", "r0", "r1"))
    b.siw(op("scatter", "p3", "r4"), op("pack", "m0", "r4"))
    b.siw(c=op("send", "m0", "bob"))
    b.sentron("bob", id=1, home="2.1.1").set("p0", "5.1.1")
    b.siw(c=op("recv", "r0", "alice"))
    b.siw(op("add", "r1", "r0", "r0"))
    b.siw(s=op("scatter", "p0", "r1"))
    return b.build()


ALICE_BOB = """\
.mem 1.1.1 3
.mem 2.1.1 7
.sentron alice id=0 home=1.1.1
.set p0 1.1.1
.set p1 2.1.1
.set p3 4.1.1
-              | gather r0, p0  | -
-              | gather r1, p1  | -
mul r4, r0, r1 | -              | -
-              | scatter p3, r4 | pack m0, r4
-              | -              | send m0, bob
.sentron bob id=1 home=2.1.1
.set p0 5.1.1
-              | -              | recv r0, alice
add r1, r0, r0 | -              | -
-              | scatter p0, r1 | -
"""


def _registers_and_repeat():
    b = ProgramBuilder()
    b.set("r1", 2.5).set("r2", -0.0).set("p0", Coord.parse("3.1.1")).set("m1", (1, 2, 3)).set("m2", 4.0)
    b.set("r1", 7)                                           # a later .set wins, in first-set order
    with b.repeat(3):
        b.siw(op("fma", "r0", "r1", "r2", "r0"), op("index", "p0", "p0", "scroll", 2))
        with b.repeat(2):
            b.siw(op("mov", "r3", 1.5), c=op("temp", 0.25))
    b.siw(op("unpack", "r4", "m1", 2))            # a C-pipe op: to the C slot
    b.siw(c=op("bar", 0, 1))
    b.siw(c=op("recv", "m3", "any"))
    b.siw(c=op("beacon", "m1", 2))
    return b.build()


REGISTERS_AND_REPEAT = """\
.set r1 2.5
.set r2 -0.0
.set p0 3.1.1
.set m1 1;2;3
.set m2 4
.set r1 7
.repeat 3
fma r0, r1, r2, r0 | index p0, p0, scroll, #2 | -
.repeat 2
mov r3, #1.5       | -                        | temp #0.25
.end
.end
- | - | unpack r4, m1, 2
- | - | bar 0, 1
- | - | recv m3, any
- | - | beacon m1, 2
"""


def _placed_sentrons():
    b = ProgramBuilder()
    b.sentron("t0", core=0, thread=0).set("r15", 1)
    b.siw(op("add", "r0", "r0", "r15"))
    b.sentron("t1", id=5, home="2.2.2/1.1.3", core=0, thread=1).set("r15", 1)
    b.siw(s=op("index", "p1", "p1", 0, -1))
    return b.build()


PLACED_SENTRONS = """\
.sentron t0 core=0 thread=0
.set r15 1
add r0, r0, r15 | - | -
.sentron t1 id=5 home=2.2.2/1.1.3 core=0 thread=1
.set r15 1
- | index p1, p1, 0, #-1 | -
"""


@pytest.mark.parametrize("build, text", [(_alice_bob, ALICE_BOB), (_registers_and_repeat, REGISTERS_AND_REPEAT),
                                         (_placed_sentrons, PLACED_SENTRONS)],
                         ids=["multi-sentron with .mem", "set r p m and nested repeat", "placement"])
def test_builder_program_equals_the_assembled_text(build, text):
    built = build()
    assert built == assemble(text)
    assert assemble(disassemble(built)) == built


def test_repeat_reuses_the_same_siw_objects():
    b = ProgramBuilder()
    with b.repeat(4):
        b.siw(op("add", "r1", "r1", "r1")).siw(s=op("gather", "r2", "p0"))
    siws = b.build().siws
    assert len(siws) == 8 and all(siws[i] is siws[i % 2] for i in range(8))


def test_repeat_zero_times_adds_nothing_and_an_empty_builder_is_one_empty_main():
    b = ProgramBuilder()
    with b.repeat(0):
        b.siw(op("add", "r1", "r1", "r1"))
    assert b.build() == assemble("") == ProgramBuilder().build()


def test_a_single_sentron_needs_no_sentron_call_and_hand_made_instrs_are_accepted():
    b = ProgramBuilder()
    b.siw(Instr("mov", (Reg("r", 1), Imm(2.0))), Instr("gather", (Reg("r", 2), Reg("p", 0))))
    assert b.build() == assemble("mov r1, #2 | gather r2, p0 | -")


def test_build_returns_an_immutable_program_and_the_builder_goes_on():
    b = ProgramBuilder().siw(op("add", "r1", "r1", "r1"))
    first = b.build()
    b.siw(op("add", "r2", "r2", "r2"))
    assert len(first.siws) == 1 and len(b.build().siws) == 2
    with pytest.raises(AttributeError):
        first.sentrons = ()


def test_an_op_in_the_wrong_slot_names_the_pipe_sentron_and_siw():
    b = ProgramBuilder().sentron("alice").siw(op("add", "r1", "r1", "r1"))
    with pytest.raises(ProgramError, match=r"sentron alice, SIW 1, D slot: 'gather' is an S-pipe op; "
                                           r"it cannot go in the D slot") as e:
        b.siw(d=op("gather", "r1", "p0"))
    assert "move it to the S slot" in str(e.value)


def test_two_ops_of_one_pipe_in_a_siw_are_refused():
    with pytest.raises(ProgramError, match="two D-pipe ops in one SIW: add r1, r1, r1 and mul r2, r1, r1"):
        ProgramBuilder().siw(op("add", "r1", "r1", "r1"), op("mul", "r2", "r1", "r1"))


def test_a_register_written_by_two_slots_is_refused():
    with pytest.raises(ProgramError, match="r1 is written by both the D and the S slot"):
        ProgramBuilder().siw(op("add", "r1", "r1", "r1"), op("gather", "r1", "p0"))


@pytest.mark.parametrize("args, message", [
    (("add", "r1", "p1", "r2"), r"add: expected r0-r15 here, got p1"),
    (("gather", "r1", "r2"), r"gather: expected p0-p7 here, got r2"),
    (("add", "r16", "r1", "r2"), r"add: register r16 out of range \(r0-r15\)"),
    (("pack", Reg("m", 4), "r1"), r"pack: register m4 out of range \(m0-m3\)"),
    (("send", "m0", "not a name"), "expected a sentron id or name, got 'not a name'"),
    (("index", "p0", "p0", "shelfs", 1), "dimension 'shelfs' is not 0..10 or a dimension name"),
    (("index", "p0", "p0", 0, 1.5), "expected a whole number for k, got 1.5"),
    (("temp", "r1"), "expected a number for t, got 'r1'"),
    (("add", "r1", "r2"), r"'add' takes 3 operands, got 2"),
    (("pack", "m0"), r"'pack' takes 2 to 5 operands, got 1"),
    (("ad", "r1", "r1", "r1"), "unknown op 'ad'"),
])
def test_bad_operands_raise_program_errors_saying_what_was_expected(args, message):
    with pytest.raises(ProgramError, match=message):
        op(*args)


def test_register_helper_and_set_check_register_files():
    assert reg("p7") == Reg("p", 7)
    with pytest.raises(ProgramError, match="out of range"):
        ProgramBuilder().set("p8", "1.1.1")
    with pytest.raises(ProgramError, match="holds 1 to 4 values, got 5"):
        ProgramBuilder().set("m0", (1, 2, 3, 4, 5))
    with pytest.raises(VtpuError, match="coordinate"):
        ProgramBuilder().set("p0", "not.a.coord")


def test_duplicate_sentron_names_and_ids_are_refused():
    with pytest.raises(ProgramError, match="sentron 'a' is defined twice"):
        ProgramBuilder().sentron("a").siw(c=op("bar", 0, 1)).sentron("a")
    with pytest.raises(ProgramError, match="sentron id 0 is used twice"):
        ProgramBuilder().sentron("a", id=0).sentron("b", id=0).build()


def test_a_sentron_cannot_start_inside_a_repeat():
    b = ProgramBuilder()
    with pytest.raises(ProgramError, match="inside a repeat"):
        with b.repeat(2):
            b.sentron("x")
