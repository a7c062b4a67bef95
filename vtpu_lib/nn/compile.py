"""Compile a Value graph -- forward, backward, SGD update -- into one sentron's SIW program.

The steps, in the order a compiler textbook gives them:

1. **Graph**: the forward nodes reachable from the outputs; the backward as more Value nodes
   (:func:`~vtpu_lib.nn.value.gradients`); optionally ``p <- p - lr * grad`` per parameter. One IR.
2. **Layout**: every input, parameter, output and gradient gets a named cell, stepping
   dimension 0 (scroll) from ``base``; spills get scratch cells after them. The sentron's home
   is ``base``, so every access is an L1 access (only dimension 0 differs).
3. **Instruction selection**: one table op per node -- labelled leaves are ``gather``-ed when
   first needed, constants are ``mov rd, #c`` (equal constants share a value), each result
   stored to its cell is ``scatter``-ed as soon as it is computed.
4. **Register allocation** over r0-r15: one linear scan over the op order. A value takes a free
   register (the one free longest, so the packer meets few false dependences); its register is
   freed after its last use. When all 16 hold live values, the one used furthest in the future
   is evicted (Belady): a computed value is ``scatter``-ed to a scratch cell once (unless it
   already sits in its own output cell), then ``gather``-ed back when needed; a leaf is
   re-gathered from its own cell and a constant re-``mov``-ed, with no store.
5. **Addresses**: ``p0`` holds ``base`` for the whole program; ``p1``-``p7`` are a cache of
   addresses, least recently used replaced: the first seven cells get theirs by ``.set`` (free),
   later ones by ``index pK, p0, scroll, #offset`` -- one S op that the packer hoists early.

The result is naive (one op per SIW); :meth:`Compiled.packed` list-schedules it with
``vtpu_lib.schedule.pack`` and proves the packed program equal with ``validate``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from dataclasses import dataclass, field
from types import MappingProxyType

from ..build import ProgramBuilder, op
from ..coord import DIM_MAX, Coord
from ..errors import VtpuInternalError
from ..isa import REG_FILES, float_bits
from ..program import Program
from .value import GraphError, Value, gradients, sgd_node, topo_order

__all__ = ["Compiled", "compile_graph", "DEFAULT_BASE"]

DEFAULT_BASE = Coord.parse("1.1.1/1.1.1/1.1.1.1.2")  # cluster 2: away from the course's hand-made cells
N_REGS = REG_FILES["r"]
ADDR_REGS = tuple(range(1, REG_FILES["p"]))           # p1-p7: the address cache; p0 holds base


def _short(xs, n: int = 6) -> str:
    xs = list(xs)
    return "(" + ", ".join(map(repr, xs[:n])) + (", ..." if len(xs) > n else "," if len(xs) == 1 else "") + ")"


@dataclass(frozen=True, eq=False)
class Compiled:
    """A compiled graph: the naive :class:`Program`, where each value lives, and how to run it."""
    name: str
    program: Program = field(repr=False)
    layout: MappingProxyType     # label -> Coord: inputs, params, outputs, "<param>.grad"
    inputs: tuple
    params: tuple
    outputs: tuple
    grads: MappingProxyType      # param label -> its gradient's label
    updates: tuple               # params written back as p - lr * grad
    defaults: MappingProxyType   # label -> the value at compile time (the program's .mem cells)
    scratch: tuple               # spill cells
    stats: MappingProxyType      # ops by kind, spills, reloads
    _packed: dict = field(default_factory=dict, repr=False)

    def packed(self, config="seed") -> Program:
        """The program list-scheduled for ``config`` (``schedule.pack``), validated equal to the naive one."""
        from ..config import get_config
        from ..schedule import pack, validate
        cfg = get_config(config)
        if cfg.name not in self._packed or self._packed[cfg.name][0] is not cfg:
            out = pack(self.program, cfg)
            validate(self.program, out).raise_if_invalid()
            self._packed[cfg.name] = (cfg, out)
        return self._packed[cfg.name][1]

    def trace(self, values: dict | None = None, config="seed", *, packed: bool = False):
        """Load the program, write ``values`` (label -> number) over its cells, run; the Trace."""
        from ..machine import Machine
        writes = self._writes(values)
        m = Machine(config)
        m.load(self.packed(config) if packed else self.program)
        for coord, v in writes:
            m.host_write(coord, v)
        return m.run()

    def run(self, values: dict | None = None, config="seed", *, packed: bool = False) -> dict:
        """Run on the machine; outputs, gradients and (updated) parameters by label."""
        return self.results(self.trace(values, config, packed=packed))

    def results(self, trace) -> dict:
        """Outputs, gradients and parameters by label, read from a run's final memory."""
        labels = (*self.outputs, *self.grads.values(), *self.params)
        return {label: trace.memory.get(self.layout[label], 0.0) for label in labels}

    def _writes(self, values) -> list:
        out = []
        for label, v in (values or {}).items():
            if label not in self.defaults:
                raise GraphError(f"{label!r} is not an input or parameter of {self.name!r}",
                                 hint=f"labels: {', '.join(self.defaults)}")
            if isinstance(v, Value):
                v = v.data
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise GraphError(f"value for {label!r} must be a number, got {v!r}")
            out.append((self.layout[label], float(v)))
        return out

    def __repr__(self) -> str:
        s = self.stats
        return (f"Compiled(name={self.name!r}, inputs={_short(self.inputs)}, params={_short(self.params)}, "
                f"outputs={_short(self.outputs)}, grads={len(self.grads)}, updates={len(self.updates)}, "
                f"siws={s['siws']}, spills={s['spills']}, reloads={s['reloads']})")


# -- 1. the graph ----------------------------------------------------------------------------------

def _leaves(order) -> dict:
    by_label: dict[str, Value] = {}
    for n in order:
        if n.is_leaf and n.label:
            if by_label.setdefault(n.label, n) is not n:
                raise GraphError(f"two different leaves are labelled {n.label!r}: {by_label[n.label]!r} and {n!r}",
                                 hint="a label names one memory cell; give each input and parameter its own")
    return by_label


def _pick(what: str, chosen, pool: dict, default) -> list:
    if chosen is None or chosen is False:
        return list(default)
    if chosen is True:
        return [n for n in pool.values() if n.is_param]
    out = []
    for n in chosen:
        if not isinstance(n, Value) or pool.get(n.label) is not n or (what == "updates" and not n.is_param):
            kind = "a parameter" if what == "updates" else "a labelled leaf"
            raise GraphError(f"{what}: {n!r} is not {kind} of this graph", hint=f"leaves: {', '.join(pool)}")
        if n not in out:
            out.append(n)
    return out


def _roots(outputs, wrt, updates, lr) -> tuple:
    """(roots as (node, label, kind), leaves by label): what the program must leave in memory."""
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    if not outputs:
        raise GraphError("compile_graph needs at least one output Value")
    order = topo_order(outputs)
    leaves = _leaves(order)
    params = [n for n in leaves.values() if n.is_param]
    wrt, updates = _pick("wrt", wrt, leaves, params), _pick("updates", updates, leaves, ())
    if updates and (isinstance(lr, bool) or not isinstance(lr, (int, float))):
        raise GraphError(f"an SGD update needs a learning rate: lr = {lr!r}", hint="e.g. lr=0.1")
    grads = gradients(outputs, order)
    roots, seen = [], set()
    for i, out in enumerate(outputs):
        if out not in seen:
            seen.add(out)
            roots.append((out, out.label or f"out{i}", "output"))
    for p in wrt + [u for u in updates if u not in wrt]:
        roots.append((grads.get(p, Value(0.0)), f"{p.label}.grad", "grad"))
    grad_of = {label[:-5]: node for node, label, kind in roots if kind == "grad"}
    roots += [(sgd_node(p, grad_of[p.label], lr), p.label, "update") for p in updates]
    return roots, leaves


def _layout(roots, leaves, base: Coord) -> dict:
    """label -> cell: inputs, then parameters, then outputs and gradients (a label names one value)."""
    owner = {l: n for l, n in leaves.items() if not n.is_param} | {l: n for l, n in leaves.items() if n.is_param}
    for node, label, kind in roots:
        if kind != "update" and owner.setdefault(label, node) is not node:
            raise GraphError(f"two values would share the cell {label!r}: {owner[label]!r} and {node!r}",
                             hint="rename the output (its label names its memory cell)")
    return {label: _cell(base, i) for i, label in enumerate(owner)}


def _cell(base: Coord, i: int) -> Coord:
    if base[0] + i > DIM_MAX:
        raise GraphError(f"the graph needs more than {DIM_MAX - base[0] + 1} memory cells from {base.short()}",
                         hint="use a base with a smaller scroll number, or split the graph")
    return base.moved(0, i)


# -- 2.-5. selection, allocation, addresses ---------------------------------------------------------

class _Emitter:
    """One pass over the events (``("op", node)`` or ``("store", node, coord)``), emitting ops."""

    def __init__(self, events, keys, layout, leaves, base):
        self.events, self.keys, self.base, self.ops = events, keys, base, []
        self.uses: dict = {}                     # key -> the event positions that read it
        for i, ev in enumerate(events):
            for k in _reads(ev, keys):
                self.uses.setdefault(k, []).append(i)
        self.free, self.held, self.where = deque(range(N_REGS)), {}, {}   # free regs; reg -> key; key -> reg
        self.copy = {keys[n]: layout[l] for l, n in leaves.items()}        # key -> a cell holding its value
        self.const = {keys[n]: n.data for n in keys if n.is_constant}
        self.loaded: set = set()                 # keys that have been in a register
        self.paddr, self.preset = {}, {}         # p -> coord (least recently used first); p -> .set coord
        self.scratch, self.free_scratch = [], []
        self.n_cells = len(layout)
        self.stats = dict(dense=0, gathers=0, scatters=0, index=0, spills=0, reloads=0, remats=0)

    def run(self) -> None:
        for pos, ev in enumerate(self.events):
            reads = _reads(ev, self.keys)
            regs = {k: self._load(k, pos, reads) for k in reads}
            if ev[0] == "op":
                node, key = ev[1], self.keys[ev[1]]
                self._release(reads, pos)
                rd = self._alloc(pos, reads)
                self._emit(op(node.op, f"r{rd}", *(f"r{regs[self.keys[p]]}" for p in node.parents)), "dense")
                self.held[rd], self.where[key] = key, rd
                self.loaded.add(key)
            else:
                key, coord = reads[0], ev[2]
                self._check_overwrite(key, coord, pos)
                self._emit(op("scatter", self._addr(coord), f"r{regs[key]}"), "scatters")
                if key not in self.const:
                    self.copy.setdefault(key, coord)   # a stored result reloads from its own cell
                self._release(reads, pos)

    def _emit(self, instr, kind: str) -> None:
        self.ops.append(instr)
        self.stats[kind] += 1

    def _next_use(self, key, pos: int) -> float:
        u = self.uses[key]
        i = bisect_right(u, pos)
        return u[i] if i < len(u) else float("inf")

    def _check_overwrite(self, key, coord: Coord, pos: int) -> None:
        for k, cell in self.copy.items():   # an update stores over its parameter: that must be dead by now
            if cell == coord and k != key and k not in self.where and self._next_use(k, pos) < float("inf"):
                raise VtpuInternalError(f"the store at event {pos} overwrites {coord.short()}, which value {k} "
                                        "still needs")

    def _release(self, keys, pos: int) -> None:
        for k in keys:
            if self.uses[k][-1] == pos and k in self.where:
                r = self.where.pop(k)
                del self.held[r]
                self.free.append(r)          # freed last, taken last: few false dependences
                if self.copy.get(k) in self.scratch:
                    self.free_scratch.append(self.copy[k])

    def _load(self, key, pos: int, pinned) -> int:
        if key in self.where:
            return self.where[key]
        r = self._alloc(pos, pinned)
        again = key in self.loaded
        if key in self.const:
            self._emit(op("mov", f"r{r}", self.const[key]), "dense")
            self.stats["remats"] += again
        elif self.copy.get(key) is not None:
            self._emit(op("gather", f"r{r}", self._addr(self.copy[key])), "gathers")
            self.stats["reloads"] += again
        else:
            raise VtpuInternalError(f"value {key} is needed at event {pos} but is neither in a register nor in memory")
        self.held[r], self.where[key] = key, r
        self.loaded.add(key)
        return r

    def _alloc(self, pos: int, pinned) -> int:
        """A free register, or the one whose value is used furthest ahead (spilled if it must be)."""
        if self.free:
            return self.free.popleft()
        victims = [(self._next_use(k, pos), k in self.const or k in self.copy, r)
                   for r, k in self.held.items() if k not in pinned]
        r = max(victims)[2]
        key = self.held.pop(r)
        del self.where[key]
        if key not in self.const and key not in self.copy:
            cell = self.free_scratch.pop() if self.free_scratch else self._new_scratch()
            self._emit(op("scatter", self._addr(cell), f"r{r}"), "scatters")
            self.copy[key] = cell
            self.stats["spills"] += 1
        return r

    def _new_scratch(self) -> Coord:
        cell = _cell(self.base, self.n_cells + len(self.scratch))
        self.scratch.append(cell)
        return cell

    def _addr(self, coord: Coord) -> str:
        """The p register holding ``coord``: cached, preset by .set, or made with one ``index``."""
        for p, c in self.paddr.items():
            if c == coord:
                del self.paddr[p]
                self.paddr[p] = coord        # most recently used last
                return f"p{p}"
        unused = [p for p in ADDR_REGS if p not in self.paddr]
        if unused:                           # only at the start: the first seven cells come free
            p = unused[0]
            self.preset[p] = coord
        else:
            p = next(iter(self.paddr))
            del self.paddr[p]
            self._emit(op("index", f"p{p}", "p0", 0, coord[0] - self.base[0]), "index")
        self.paddr[p] = coord
        return f"p{p}"


def _reads(ev, keys) -> list:
    if ev[0] == "store":
        return [keys[ev[1]]]
    return list(dict.fromkeys(keys[p] for p in ev[1].parents))


def _events(roots, layout) -> tuple[list, dict]:
    """The events in op order, and a key per node (equal constants share one)."""
    order = topo_order([n for n, _, _ in roots])
    stores: dict = {}
    for node, label, _ in roots:
        stores.setdefault(node, []).append(layout[label])
    keys, events = {}, []
    for n in order:
        keys[n] = ("c", float_bits(n.data)) if n.is_constant else len(keys)
        if n.op:
            events.append(("op", n))
        events += [("store", n, c) for c in stores.get(n, ())]
    return events, keys


def compile_graph(outputs, *, wrt=None, updates=None, lr=None, base=DEFAULT_BASE, home=None,
                  name: str = "main") -> Compiled:
    """Forward + backward (+ SGD update) of ``outputs`` as one sentron's program (see the module doc).

    ``outputs``: a Value or a list of them (the gradient is that of their sum); ``wrt``: the
    labelled leaves to differentiate by (default: every parameter); ``updates``: ``True`` for
    every parameter, or a list of them, written back as ``p - lr * grad``; ``base``: the first
    cell of the layout; ``home``: the sentron's home (default ``base``)."""
    base = Coord.parse(base)
    roots, leaves = _roots(outputs, wrt, updates, lr)
    layout = _layout(roots, leaves, base)
    events, keys = _events(roots, layout)
    em = _Emitter(events, keys, layout, leaves, base)
    em.run()
    b = ProgramBuilder(f"<nn:{name}>")
    for label in layout:
        if label in leaves:
            b.mem(layout[label], leaves[label].data)
    b.sentron(name, id=0, home=base if home is None else home)
    b.set("p0", base)
    for p, coord in em.preset.items():
        b.set(f"p{p}", coord)
    for instr in em.ops:
        b.siw(instr)
    program = b.build()
    kinds = lambda k: tuple(label for _, label, kind in roots if kind == k)
    return Compiled(name, program, MappingProxyType(layout),
                    tuple(l for l, n in leaves.items() if not n.is_param),
                    tuple(l for l, n in leaves.items() if n.is_param), kinds("output"),
                    MappingProxyType({l[:-5]: l for l in kinds("grad")}), kinds("update"),
                    MappingProxyType({l: n.data for l, n in leaves.items()}), tuple(em.scratch),
                    MappingProxyType({**em.stats, "siws": len(em.ops), "ops": len(em.ops)}))
