"""A ``Diagram`` as Graphviz DOT: boxes top to bottom, modules as clusters, a legend for shading.

Only writes text; ``engine.py`` runs Graphviz to lay it out. Labels are Graphviz's HTML-like
labels (a bold title, smaller figures below), escaped, so any layer name is safe.
"""

from __future__ import annotations

from html import escape

import graphviz

from cnnarch.draw import labels
from cnnarch.draw.colors import UNCOUNTED, ZERO, Scale, scale, text_color
from cnnarch.draw.graph import Cluster, Diagram, Node

FONT = "DejaVu Sans"
"""A font Graphviz (through fontconfig) and browsers find on Debian, with wide metrics: the box
Graphviz sizes fits the text a viewer draws with a narrower fallback too."""
INHERITED = "dashed arrow: also reads every tensor the box it comes from reads (dense connectivity)"
CLUSTER_FILLS = ("#f4f7fb", "#e8eef6")
"""Nested modules alternate between two pale fills."""


def to_dot(
    diagram: Diagram,
    fields: tuple[str, ...] = labels.DEFAULT,
    color: str | None = None,
    links: str | None = None,
    dpi: int | None = None,
) -> str:
    """DOT source for ``diagram``; ``color`` (macs, params, memory) shades the boxes and adds a
    legend; ``links`` (a prefix such as ``layer-``) makes each box a link to ``#layer-N``, the
    HTML report's table row;
    ``dpi`` sets a bitmap's resolution."""
    shading = scale(color, [n.layer for n in diagram.nodes if n.layer is not None]) if color else None
    graph = graphviz.Digraph(
        diagram.model,
        graph_attr={
            "rankdir": "TB",
            "newrank": "true",
            "nodesep": "0.25",
            "ranksep": "0.3",
            "fontname": FONT,
            "fontsize": "10",
            "bgcolor": "white",
            "pad": "0.2",
            "labelloc": "b",
            "labeljust": "c",
        },
        node_attr={
            "shape": "box",
            "style": "filled",
            "fillcolor": "white",
            "fontname": FONT,
            "fontsize": "10",
            "margin": "0.12,0.05",
            "penwidth": "0.8",
        },
        edge_attr={"arrowsize": "0.6", "color": "#4d4d4d", "penwidth": "0.8"},
    )
    if dpi is not None:
        graph.attr(dpi=str(dpi))
    inherited = any(edge.inherited for edge in diagram.edges)
    if shading is not None or inherited:
        graph.attr(label=_legend(shading, inherited))
    count = sum(1 for n in diagram.nodes if n.layer is None)
    by_cluster: dict[str | None, list[Node]] = {}
    for node in diagram.nodes:
        by_cluster.setdefault(node.cluster, []).append(node)
    children: dict[str | None, list[Cluster]] = {}
    for cluster in diagram.clusters:
        children.setdefault(cluster.parent, []).append(cluster)

    paths = {cluster.id: cluster.path for cluster in diagram.clusters}

    def add_nodes(target: graphviz.Digraph, owner: str | None) -> None:
        for node in by_cluster.get(owner, ()):
            prefix = f"{paths[owner]}." if owner is not None else ""
            target.node(node.id, **_node_attrs(node, fields, shading, count, links, prefix))

    def add_cluster(target: graphviz.Digraph, cluster: Cluster, level: int) -> None:
        with target.subgraph(name=f"cluster_{cluster.id}") as sub:
            sub.attr(
                label=_cluster_label(cluster),
                labelloc="t",
                labeljust="l",
                style="rounded,filled",
                color="#9aa7b8",
                fillcolor=CLUSTER_FILLS[level % 2],
                fontsize="9",
                fontcolor="#334455",
                margin="6",
                id=cluster.id,
                tooltip=cluster.path,
            )
            add_nodes(sub, cluster.id)
            for child in children.get(cluster.id, ()):
                add_cluster(sub, child, level + 1)

    add_nodes(graph, None)
    for cluster in children.get(None, ()):
        add_cluster(graph, cluster, 0)
    for edge in diagram.edges:
        if edge.inherited:
            graph.edge(
                edge.tail, edge.head, style="dashed", color="#7f8fa6", arrowhead="empty", tooltip=INHERITED
            )
        else:
            graph.edge(edge.tail, edge.head)
    return graph.source


def _node_attrs(
    node: Node, fields: tuple[str, ...], shading: Scale | None, inputs: int, links: str | None, prefix: str
) -> dict[str, str]:
    """A box's attributes; inside a cluster its title drops the cluster's path (``conv1`` in
    ``layer1.0``), the tooltip keeps the full name."""
    if node.layer is None:
        index = int(node.id.removeprefix("in"))
        lines = [labels.shape_text(node.shape)] if "shape" in fields else []
        return {
            "label": _html(labels.input_title(index, inputs), lines, "black"),
            "fillcolor": "#dfe6ee",
            "style": "filled,rounded",
            "id": node.id,
            "tooltip": f"{labels.input_title(index, inputs)} {labels.shape_text(node.shape)}",
        }
    fill = "white" if shading is None else shading.fill(node.layer)
    attrs = {
        "label": _html(
            labels.title(node.layer, prefix), labels.figure_lines(node.layer, fields), text_color(fill)
        ),
        "fillcolor": fill,
        "id": node.id,
        "tooltip": labels.tooltip(node.layer),
    }
    if fill == UNCOUNTED:
        attrs["style"] = "filled,dashed"
    if links is not None:
        attrs["href"] = f"#{links}{node.layer.index}"
    return attrs


def _html(title: str, lines: list[str], ink: str) -> str:
    body = f"<B>{escape(title)}</B>"
    for line in lines:
        body += f'<BR/><FONT POINT-SIZE="9">{escape(line)}</FONT>'
    return f'<<FONT COLOR="{ink}">{body}</FONT>>'


def _cluster_label(cluster: Cluster) -> str:
    return f"<{escape(cluster.path)} · <I>{escape(cluster.type)}</I>>"


def _legend(shading: Scale | None, inherited: bool) -> str:
    rows = []
    if shading is not None:
        cells = [(ZERO, "0")] if shading.has_zero else []
        cells.extend((b.color, b.label) for b in shading.bins)
        if shading.has_uncounted:
            cells.append((UNCOUNTED, "not counted (an op without a rule)"))
        row = "".join(
            f'<TD BGCOLOR="{fill}"><FONT COLOR="{text_color(fill)}" POINT-SIZE="9">{escape(text)}</FONT></TD>'
            for fill, text in cells
        )
        rows.append(f'<TR><TD BORDER="0"><B>{escape(shading.title)}</B></TD></TR>')
        rows.append(
            f'<TR><TD BORDER="0"><TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" '
            f'CELLPADDING="4"><TR>{row}</TR></TABLE></TD></TR>'
        )
    if inherited:
        rows.append(f'<TR><TD BORDER="0"><FONT POINT-SIZE="9">{escape(INHERITED)}</FONT></TD></TR>')
    return f'<<TABLE BORDER="0" CELLSPACING="2">{"".join(rows)}</TABLE>>'
