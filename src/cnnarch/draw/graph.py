"""The picture's topology from one trace: a node per report row, an edge per data dependency,
a cluster per module that holds several rows.

Edges come from the trace's data flow: a row reads a tensor (a module's arguments, or an
operation's inputs), and the edge starts at the row that last *held* that tensor: the row that
produced it, or a later row it passed through unchanged (``Dropout`` in eval mode, ``Identity``),
so such a row sits in the chain where the code calls it instead of hanging off to the side.

Dense connectivity (DenseNet: every concatenation reads all earlier features) would need
quadratically many edges, each spanning many ranks, which no layered layout handles (Graphviz
takes minutes on DenseNet-201). A row that reads everything an earlier multi-input row read,
and more, gets one *inherited* edge from that row ("reads all it read") plus an edge from each
new source: every dependency stays visible, in linear space.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from typing import Any

from cnnarch.analysis.layers import Row, build_rows
from cnnarch.report import Layer, Report
from cnnarch.trace.records import Trace

ACTIVATION = ("input", "activation")


@dataclass
class Cluster:
    id: str
    path: str
    type: str
    parent: str | None
    """The id of the enclosing cluster; None at the top."""


@dataclass
class Node:
    id: str
    """``in0`` for the first model input, ``L12`` for the report's layer 12."""
    layer: Layer | None
    """The report's row; None for a model input."""
    shape: list[int] = field(default_factory=list)
    """The model input's shape (batch first); layers carry their own."""
    cluster: str | None = None


@dataclass(frozen=True)
class Edge:
    tail: str
    head: str
    inherited: bool = False
    """``head`` reads every source ``tail`` reads (not ``tail``'s output): see the module doc."""


@dataclass
class Diagram:
    model: str
    nodes: list[Node]
    edges: list[Edge]
    """Each (tail, head) once, in the order the forward pass first used them."""
    clusters: list[Cluster]
    depth: int | None = None
    unknown_ops: dict[str, int] = field(default_factory=dict)
    """Operations no rule covers, with how often each ran: their cost is not counted (not zero)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--format json``: the boxes (with their report rows' main figures),
        the arrows and the clusters."""

        def node(n: Node) -> dict[str, Any]:
            if n.layer is None:
                return {"id": n.id, "input": True, "output_shape": n.shape, "cluster": n.cluster}
            layer = n.layer
            return {
                "id": n.id, "name": layer.name, "type": layer.type, "cluster": n.cluster,
                "output_shape": layer.output_shape, "params": layer.params, "macs": layer.macs,
                "activation_bytes": layer.activation_bytes, "receptive_field": layer.receptive_field,
                "unknown_ops": layer.unknown_ops,
            }  # fmt: skip

        return {
            "model": self.model,
            "depth": self.depth,
            "nodes": [node(n) for n in self.nodes],
            "edges": [asdict(e) for e in self.edges],
            "clusters": [asdict(c) for c in self.clusters],
            "unknown_ops": self.unknown_ops,
        }


def _reads(row: Row, trace: Trace) -> list[int]:
    """Activation tensors the row reads from outside itself: its module's arguments and any
    tensor one of its operations reads that none of them produced."""
    inside = {t for i in row.ops for t in trace.ops[i].outputs}
    outside = [t for i in row.ops for t in trace.ops[i].inputs if t not in inside]
    found = [t for t in (*row.inputs, *outside) if trace.tensors[t].kind in ACTIVATION]
    return list(dict.fromkeys(found))


def _sources(trace: Trace, rows: list[Row]) -> list[list[str]]:
    """For each row, the nodes it reads from: the rows (or model inputs) holding its tensors."""
    holder = {t: f"in{k}" for k, t in enumerate(trace.inputs)}
    found = []
    for row in rows:
        me = f"L{row.index}"
        sources = (holder.get(t) for t in _reads(row, trace))
        found.append(list(dict.fromkeys(s for s in sources if s is not None and s != me)))
        for i in row.ops:
            for t in trace.ops[i].outputs:
                holder[t] = me
        for t in row.outputs:
            holder[t] = me
    return found


def _edges(trace: Trace, rows: list[Row]) -> list[Edge]:
    edges: list[Edge] = []
    merges: list[tuple[str, frozenset[str]]] = []  # earlier rows with several sources, latest last
    for row, sources in zip(rows, _sources(trace, rows), strict=True):
        me = f"L{row.index}"
        reads = frozenset(sources)
        base = None
        if len(reads) > 2:
            base = next((m for m in reversed(merges) if m[1] < reads), None)
        if base is not None:
            edges.append(Edge(base[0], me, inherited=True))
            edges.extend(Edge(s, me) for s in sources if s not in base[1])
        else:
            edges.extend(Edge(s, me) for s in sources)
        if len(reads) > 1:
            merges.append((me, reads))
    return edges


def _innermost_call(row: Row, trace: Trace) -> int | None:
    """The module call whose body the row sits in (None: the model's own body)."""
    if row.call is not None:
        return trace.calls[row.call].parent
    return trace.ops[row.ops[0]].call if row.ops else None


def _clusters(trace: Trace, rows: list[Row]) -> tuple[list[Cluster], dict[int, str | None]]:
    """A cluster per module call (below the model itself) that holds rows; one holding a single
    row and no other cluster is dropped (a box around one box says nothing)."""

    def chain(call: int | None) -> list[int]:
        found = []
        while call is not None and trace.calls[call].parent is not None:
            found.append(call)
            call = trace.calls[call].parent
        return found

    chains = {row.index: chain(_innermost_call(row, trace)) for row in rows}
    members: dict[int, int] = {}
    children: dict[int, set[int]] = {}
    for calls in chains.values():
        if calls:
            members[calls[0]] = members.get(calls[0], 0) + 1
        for inner, outer in itertools.pairwise(calls):
            children.setdefault(outer, set()).add(inner)
    used = {c for calls in chains.values() for c in calls}
    kept = {c for c in used if members.get(c, 0) + len(children.get(c, ())) > 1}
    clusters = []
    for c in sorted(kept):
        call = trace.calls[c]
        parent = next((p for p in chain(call.parent) if p in kept), None)
        clusters.append(Cluster(f"c{c}", call.path, call.type, f"c{parent}" if parent is not None else None))
    of_row = {index: next((f"c{c}" for c in calls if c in kept), None) for index, calls in chains.items()}
    return clusters, of_row


def build_diagram(report: Report, trace: Trace, depth: int | None = None) -> Diagram:
    """The diagram of ``report``, which ``build_report(trace, depth)`` made from ``trace``."""
    rows, _ = build_rows(trace, depth)
    if len(rows) != len(report.layers):
        raise ValueError("report and trace disagree: build the report from this trace at this depth")
    clusters, of_row = _clusters(trace, rows)
    inputs = [Node(f"in{k}", None, list(trace.tensors[t].shape)) for k, t in enumerate(trace.inputs)]
    layers = [Node(f"L{row.index}", report.layers[row.index], cluster=of_row[row.index]) for row in rows]
    nodes, unknown = [*inputs, *layers], dict(report.totals.unknown_ops)
    return Diagram(trace.model_name, nodes, _edges(trace, rows), clusters, depth, unknown)
