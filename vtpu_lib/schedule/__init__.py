"""Scheduling: dependences and bounds, a list scheduler (packer), loops, prefetching.

Every transformation here leaves a program's results identical, and :func:`validate` proves it
for any pair of programs by evaluating both symbolically.
"""

from .graph import Dep, DepGraph, SchedOp, dependence_graph, resolve_addresses, sched_ops
from .bounds import CodeBounds, ProgramBounds, code_bounds, graph_bounds, program_bounds
from .listsched import Schedule, list_schedule, pack, pack_code, source_schedule
from .validate import Validation, symbolic_run, validate

__all__ = ["Dep", "DepGraph", "SchedOp", "dependence_graph", "resolve_addresses", "sched_ops",
           "Schedule", "list_schedule", "pack", "pack_code", "source_schedule",
           "Validation", "symbolic_run", "validate", "CodeBounds", "code_bounds", "graph_bounds",
           "ProgramBounds", "program_bounds"]
