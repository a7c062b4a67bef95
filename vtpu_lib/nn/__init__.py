"""The capstone (notebooks 10-11): a scalar autograd compiled to SIWs, attention, training."""

from .attention import AttentionProgram, AttentionResult, attention_program
from .block import BlockResult, block_forward_on_vtpu, block_numpy
from .compile import Compiled, compile_graph
from .parallel import ParallelResult, speedup_table, train_data_parallel
from .train import MLPGraph, TrainError, TrainResult, compile_step, mlp_graph, predict_on_vtpu, train_on_vtpu
from .value import GraphError, Value

__all__ = ["Value", "GraphError", "compile_graph", "Compiled", "MLPGraph", "TrainError", "TrainResult",
           "compile_step", "mlp_graph", "train_on_vtpu", "predict_on_vtpu", "AttentionProgram", "AttentionResult", "attention_program",
           "ParallelResult", "speedup_table", "train_data_parallel", "BlockResult", "block_forward_on_vtpu",
           "block_numpy"]
