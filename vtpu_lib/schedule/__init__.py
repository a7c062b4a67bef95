"""Scheduling: dependences and bounds, a list scheduler (packer), loops, prefetching.

Every transformation here leaves a program's results identical, and :func:`validate` proves it
for any pair of programs by evaluating both symbolically.
"""

from .graph import Dep, DepGraph, SchedOp, dependence_graph, resolve_addresses, sched_ops
from .bounds import CodeBounds, ProgramBounds, code_bounds, graph_bounds, program_bounds
from .listsched import Schedule, list_schedule, pack, pack_code, source_schedule
from .validate import Validation, symbolic_run, validate
from .loops import LoopGraph, loop_graph, loop_lower_bound, mii, rec_mii, register_lower_bound, res_mii
from .modulo import ModuloSchedule, modulo_schedule, pipeline
from .prefetch import PrefetchPlan, find_streams, prefetch_pass, prefetch_report
from .unroll import unroll, unroll_program

__all__ = ["Dep", "DepGraph", "SchedOp", "dependence_graph", "resolve_addresses", "sched_ops",
           "Schedule", "list_schedule", "pack", "pack_code", "source_schedule",
           "Validation", "symbolic_run", "validate", "CodeBounds", "code_bounds", "graph_bounds",
           "ProgramBounds", "program_bounds",
           "LoopGraph", "loop_graph", "loop_lower_bound", "mii", "rec_mii", "register_lower_bound", "res_mii",
           "ModuloSchedule", "modulo_schedule", "pipeline", "PrefetchPlan", "find_streams", "prefetch_pass",
           "prefetch_report", "unroll", "unroll_program"]
