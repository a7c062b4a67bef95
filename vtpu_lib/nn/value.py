"""A micrograd-style scalar autograd whose every step is an op of the vTPU's op table.

A :class:`Value` is one float64 and the op that made it. Its arithmetic is the op table's own
(``vtpu_lib.isa.OPS[name].fn``), so a Value computes, bit for bit, what the machine's D pipe
computes for the same op on the same operands. The ops are the table's: ``add sub mul div neg
exp max`` (``relu`` is ``max(x, 0)``, ``tanh`` is composed from them below).

The backward pass is not Python arithmetic beside the graph: :func:`gradients` builds it *as more
Values* -- explicit ``mul``/``add``/``neg``/``cmp``/``sel`` nodes -- so the compiler
(``vtpu_lib.nn.compile``) turns forward and backward into SIWs alike, and :meth:`Value.backward`
reads the same nodes' data. That is why the machine's gradients equal these bit for bit.

Leaves: a leaf with a label is an input (or, with ``is_param``, a parameter) that lives at a
named coordinate in phext memory; a leaf without one is a constant (an immediate, ``mov #c``).
Notebook 10 introduces it; micrograd's ``engine.py`` is the model.
"""

from __future__ import annotations

from ..errors import VtpuError
from ..isa import OPS

__all__ = ["Value", "GraphError", "topo_order", "gradients", "sgd_step", "sgd_node"]

_DENSE = ("add", "sub", "mul", "div", "max", "min", "neg", "exp", "cmp", "sel", "mov")


class GraphError(VtpuError):
    """A Value graph that cannot be built, differentiated or compiled (names the node)."""


def _as_value(x) -> "Value":
    if isinstance(x, Value):
        return x
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise GraphError(f"cannot use {x!r} in a Value expression", hint="use numbers or Values")
    return Value(float(x))


class Value:
    """One scalar of a computation graph: ``data`` (float64), ``grad`` (set by :meth:`backward`)."""

    __slots__ = ("data", "grad", "label", "op", "parents", "is_param")

    def __init__(self, data, label: str = "", op: str = "", parents=(), *, is_param: bool = False):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise GraphError(f"Value data must be a number, got {data!r}")
        if not isinstance(label, str):
            raise GraphError(f"a label is a string, got {label!r}")
        if op and op not in _DENSE:
            raise GraphError(f"op {op!r} is not a dense op of the table", hint="ops: " + ", ".join(_DENSE))
        if is_param and not label:
            raise GraphError("a parameter needs a label (it names the parameter's memory cell)")
        self.data, self.grad, self.label, self.op = float(data), 0.0, label, op
        self.parents, self.is_param = tuple(parents), bool(is_param)

    @classmethod
    def param(cls, data, label: str) -> "Value":
        """A parameter: a labelled leaf that gradients are taken with respect to and SGD updates."""
        return cls(data, label, is_param=True)

    @classmethod
    def apply(cls, op: str, *parents) -> "Value":
        """The node ``op(*parents)``, its data computed by the op table's own function."""
        if op not in _DENSE:
            raise GraphError(f"op {op!r} is not a dense op of the table", hint="ops: " + ", ".join(_DENSE))
        ps = tuple(_as_value(p) for p in parents)
        want = OPS[op].max_operands - 1
        if len(ps) != want:
            raise GraphError(f"'{op}' takes {want} operand(s), got {len(ps)}")
        return cls(OPS[op].fn(*(p.data for p in ps)), op=op, parents=ps)

    # -- the ops ------------------------------------------------------------------------------
    def __add__(self, o): return Value.apply("add", self, o)
    def __radd__(self, o): return Value.apply("add", o, self)
    def __sub__(self, o): return Value.apply("sub", self, o)
    def __rsub__(self, o): return Value.apply("sub", o, self)
    def __mul__(self, o): return Value.apply("mul", self, o)
    def __rmul__(self, o): return Value.apply("mul", o, self)
    def __truediv__(self, o): return Value.apply("div", self, o)
    def __rtruediv__(self, o): return Value.apply("div", o, self)
    def __neg__(self): return Value.apply("neg", self)

    def __pow__(self, n):
        """``x ** n`` for a whole ``n >= 1``: repeated ``mul`` (``x**2`` is ``x * x``)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise GraphError(f"x ** {n!r}: only whole powers >= 1 (repeated mul)", hint="write x * x, or exp/div")
        out = self
        for _ in range(n - 1):
            out = out * self
        return out

    def exp(self) -> "Value":
        return Value.apply("exp", self)

    def max(self, other) -> "Value":
        return Value.apply("max", self, other)

    def relu(self) -> "Value":
        """``max(x, 0)``: the table has ``max``; at x = 0 the gradient goes to the 0 (as micrograd's)."""
        return Value.apply("max", self, 0.0)

    def tanh(self) -> "Value":
        """``1 - 2 / (exp(x + x) + 1)``: 5 table ops (add, exp, add, div, sub), never nan -- large
        x gives exp = inf, 2/inf = 0, so +1; very negative x gives -1. It is *not* ``math.tanh``:
        the absolute error is a few ulps of 1 (~1e-16), so tiny x lose relative precision."""
        return 1.0 - 2.0 / ((self + self).exp() + 1.0)

    # -- the graph ----------------------------------------------------------------------------
    @property
    def is_leaf(self) -> bool:
        return not self.op

    @property
    def is_constant(self) -> bool:
        return not self.op and not self.label

    def backward(self) -> None:
        """Set ``.grad`` of every node of the graph to d(self)/d(node), from zero (no zero_grad
        needed: each call recomputes). Gradients from several paths accumulate with ``add``."""
        order = topo_order([self])
        grads = gradients([self], order)
        for node in order:
            g = grads.get(node)
            node.grad = g.data if g is not None else 0.0

    def __repr__(self) -> str:
        parts = [repr(self.data)]
        if self.label:
            parts.append(repr(self.label))
        if self.op:
            parts.append(f"op={self.op!r}")
        if self.grad != 0.0 or self.grad != self.grad:
            parts.append(f"grad={self.grad!r}")
        if self.is_param:
            parts.append("is_param=True")
        return f"Value({', '.join(parts)})"


def topo_order(outputs) -> list[Value]:
    """Every node reachable from ``outputs``, parents before children (DFS post-order, outputs in
    order; iterative, so deep graphs do not hit Python's recursion limit). A cycle is a GraphError."""
    order, state = [], {}   # id -> 1 on the DFS path, 2 done
    for root in outputs:
        if not isinstance(root, Value):
            raise GraphError(f"expected a Value, got {root!r}", hint="outputs are Values built from Values")
        stack = [(root, iter(root.parents))]
        if state.get(id(root)) == 2:
            continue
        state[id(root)] = 1
        while stack:
            node, it = stack[-1]
            child = next(it, None)
            if child is None:
                stack.pop()
                state[id(node)] = 2
                order.append(node)
            elif not isinstance(child, Value):
                raise GraphError(f"{node!r} has a parent that is not a Value: {child!r}")
            elif state.get(id(child)) == 1:
                raise GraphError(f"the graph has a cycle through {child!r}",
                                 hint="a Value graph must be acyclic; build new Values instead of editing parents")
            elif state.get(id(child)) is None:
                state[id(child)] = 1
                stack.append((child, iter(child.parents)))
    return order


def _times(g: Value, x: Value) -> Value:
    """``g * x``, except that the seed's ``1.0 * x`` is ``x`` itself (exact in IEEE 754: no op)."""
    return x if g.is_constant and g.data == 1.0 else g * x


def _local(node: Value, g: Value) -> tuple:
    """(parent, contribution) pairs: the chain rule for one node, as new Value nodes."""
    a = node.parents[0]
    b = node.parents[1] if len(node.parents) > 1 else None
    op = node.op
    if op == "add":
        return ((a, g), (b, g))
    if op == "sub":
        return ((a, g), (b, -g))
    if op == "mul":
        return ((a, _times(g, b)), (b, _times(g, a)))
    if op == "div":        # d/da = g / b; d/db = -(g * out) / b
        return ((a, g / b), (b, -(_times(g, node) / b)))
    if op == "neg":
        return ((a, -g),)
    if op == "exp":
        return ((a, _times(g, node)),)
    if op == "max":        # to a where a > b, else to b (ties to b: relu'(0) = 0)
        above = Value.apply("max", Value.apply("cmp", a, b), 0.0)
        return ((a, Value.apply("sel", above, g, 0.0)), (b, Value.apply("sel", above, 0.0, g)))
    if op == "mov":
        return ((a, g),)
    raise GraphError(f"no gradient rule for '{op}' ({node!r})", hint="differentiable ops: add sub mul div neg exp max")


def gradients(outputs, order: list[Value] | None = None) -> dict[Value, Value]:
    """d(sum of outputs)/d(node) for every node it reaches, as Value nodes (the backward graph).
    Each output is seeded with the constant 1.0; contributions accumulate with ``add`` in reverse
    topological order, the first contribution taken as is."""
    order = topo_order(outputs) if order is None else order
    grads: dict[Value, Value] = {}

    def accumulate(node, contribution):
        grads[node] = contribution if node not in grads else grads[node] + contribution

    for out in outputs:
        accumulate(out, Value(1.0))
    for node in reversed(order):
        g = grads.get(node)
        if g is not None and node.op:
            for parent, contribution in _local(node, g):
                accumulate(parent, contribution)
    return grads


def sgd_step(params, lr: float) -> None:
    """In Python: ``p.data <- p.data - lr * p.grad`` (mul, then sub: the compiler's op order)."""
    lr = _as_value(lr).data
    for p in params:
        p.data = OPS["sub"].fn(p.data, OPS["mul"].fn(lr, p.grad))


def sgd_node(p: Value, grad: Value, lr: float) -> Value:
    """The SGD update as graph nodes, in :func:`sgd_step`'s op order."""
    return p - Value(float(lr)) * grad
