"""vtpu_lib: a cycle-level model of the vTPU, a 3-pipe VLIW accelerator, for a notebook series.

Glossary (the same words in code, prose and plot labels):

sentron   an execution unit: registers r0-r15 (float64), p0-p7 (phext coordinates),
          m0-m3 (messages), a home coordinate, and a straight-line program of SIWs
SIW       Sentron Instruction Word: one op (or NOP) for each of the three pipes, issued in one cycle
pipe      D (dense: arithmetic), S (sparse: memory through the PPT), C (coordination: messages)
phext     11-dimensional coordinates a.b.c/d.e.f/g.h.i.j.k, scroll (dim 0) first; memory is keyed by them
PPT       Phext Page Table: a set-associative LRU translation cache in front of memory
ops/cycle ops issued / cycles (NOPs are never ops); *useful* ops/cycle counts only ops that did work
stall     a cycle a sentron could not issue, with its reason (dependence, ppt-miss, recv-wait, ...)

Typical use::

    from vtpu_lib import assemble, run
    trace = run(assemble(text), "seed")
    print(trace.counters().summary())
"""

from .asm import assemble, assemble_file, disassemble
from .bounds import Bounds, bounds
from .config import PRESETS, REALISTIC, SEED, MachineConfig, get_config
from .coord import DIM_NAMES, ORIGIN, Coord, hamming, manhattan, tier, to_phext_standard
from .errors import (AsmError, ConfigError, CoordError, DeadlockError, PhextFileError, ProgramError,
                     RunLimitError, SimError, VtpuError, VtpuInternalError)
from .isa import OPS, EventKind, Imm, Instr, LatencyKey, Pipe, Reg, StallReason, op_table_markdown
from .machine import Machine, run
from .machine.decode import decode
from .memory import Memory
from .ppt import PPT
from .program import SIW, Program, SentronCode
from .stepper import Stepper
from .trace import Counters, Event, Trace

__version__ = "0.1.0"

GLOSSARY = {
    "sentron": "an execution unit with registers r0-r15, p0-p7, m0-m3, a home coordinate and a program",
    "SIW": "Sentron Instruction Word: one op or NOP per pipe (D | S | C), issued in one cycle",
    "pipe": "D = dense arithmetic, S = sparse memory access through the PPT, C = coordination (messages)",
    "phext coordinate": "11 numbers a.b.c/d.e.f/g.h.i.j.k, scroll (dimension 0) first, each 0..2047",
    "PPT": "Phext Page Table: set-associative, LRU translation cache in front of memory",
    "op": "one filled slot of an issued SIW; NOPs (-) are never ops",
    "ops/cycle": "ops / cycles; peak 3 (one per pipe)",
    "useful ops/cycle": "only ops that changed state (a prefetch of a page already present did nothing)",
    "utilization": "ops / (3 x cycles x cores): the fraction of slots that held an op",
    "stall": "a cycle a sentron could not issue: dependence, ppt-miss, recv-wait, barrier-wait, pipe-busy",
    "seed preset": "every op 1 cycle, memory always ready: reproduces the original vTPU's numbers",
    "realistic preset": "mul 3, fma 4, div 8 cycles, PPT misses cost 12 + tier cycles",
    "vliw mode": "all slots of a SIW read at the start of the cycle, writes land at its end",
    "sequential mode": "slots run D, then S, then C, each seeing the previous slot's writes",
}

__all__ = [
    "assemble", "assemble_file", "disassemble", "run", "Machine", "Stepper", "decode", "Trace", "Counters",
    "Event", "EventKind", "StallReason", "LatencyKey",
    "Program", "SentronCode", "SIW", "Instr", "Reg", "Imm", "Pipe", "OPS", "op_table_markdown",
    "Coord", "ORIGIN", "DIM_NAMES", "hamming", "manhattan", "tier", "to_phext_standard",
    "MachineConfig", "SEED", "REALISTIC", "PRESETS", "get_config", "Memory", "PPT",
    "Bounds", "bounds", "GLOSSARY",
    "VtpuError", "VtpuInternalError", "AsmError", "ProgramError", "SimError", "CoordError", "ConfigError",
    "RunLimitError", "DeadlockError", "PhextFileError",
]
