"""``cnnarch draw``: formats by suffix, DOT on stdout, labels and shading, and every mistake in
the request as one line with exit 2 and no file left behind."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
import torch

from cnnarch.catalogue import build, get_spec
from tests.conftest import flop_counter_macs, numel, on_meta, run

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
SVG = "{http://www.w3.org/2000/svg}"


def node_texts(svg: str) -> dict[str, str]:
    """Node id → the text drawn in its box."""
    root = ET.fromstring(svg)
    return {
        g.findtext(f"{SVG}title"): " | ".join(t.text or "" for t in g.iter(f"{SVG}text"))
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "node"
    }


def test_dot_on_stdout_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot program anywhere
    code, out, err = run("draw", "alexnet", "--format", "dot")
    assert code == 0, err
    assert out.startswith("digraph")
    assert out.count(" -> ") == 23  # a chain of 23 layers after the input


def test_missing_graphviz_is_one_line_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    target = tmp_path / "net.svg"
    code, _out, err = run("draw", "alexnet", "-o", str(target))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "apt-get install graphviz" in err
    assert not target.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, words",
    [
        (["-o", "net.jpg"], "cannot tell the format"),
        (["--format", "gif"], "not a picture format"),
        (["--format", "png"], "writes binary data"),
        (["-o", "net.svg", "--format", "png"], "says svg but --format says png"),
        (["--label", "shape,flops"], "'flops' is not a figure"),
        (["--color", "time"], "'time' is not a figure"),
        (["-o", "missing/net.svg"], "no such folder"),
    ],
)
def test_bad_requests_fail_in_one_line(tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)  # restored after the test: later tests run from the repo root
    code, out, err = run("draw", "alexnet", *args)
    assert code == 2
    assert words in err and len(err.strip().splitlines()) == 1
    assert out == "" and list(tmp_path.iterdir()) == []


def test_a_folder_is_not_a_file(tmp_path):
    (tmp_path / "pic.svg").mkdir()
    code, _, err = run("draw", "alexnet", "-o", str(tmp_path / "pic.svg"))
    assert code == 2 and "is a folder" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any folder")
def test_a_read_only_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, _, err = run("draw", "alexnet", "-o", str(locked / "net.svg"))
    finally:
        locked.chmod(0o700)
    assert code == 2 and "permission denied" in err
    assert list(locked.iterdir()) == []


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    from cnnarch.draw import output

    target = tmp_path / "net.dot"
    target.write_text("old")

    def broken(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "replace", broken)
    code, _, err = run("draw", "alexnet", "-o", str(target))
    assert code == 2 and "No space left on device" in err
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["net.dot"]


@needs_dot
@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_format_from_suffix(tmp_path, suffix, magic):
    target = tmp_path / f"net{suffix}"
    code, _, err = run("draw", "lenet5", "-o", str(target))
    assert code == 0, err
    assert target.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left


@needs_dot
def test_labels_carry_pytorchs_shapes_and_counts(tmp_path):
    """Each box's shape is PyTorch's own output shape in [?, H, W, C], its parameters the
    module's own numel."""
    target = tmp_path / "alexnet.svg"
    code, _, err = run("draw", "alexnet", "-o", str(target), "--label", "shape,params")
    assert code == 0, err
    texts = node_texts(target.read_text())
    model = on_meta(build, get_spec("alexnet"))
    x = torch.empty(1, 3, 227, 227, device="meta")
    shapes = {}

    def record(name):
        def hook(module, inputs, output):
            shapes.setdefault(name, tuple(output.shape))

        return hook

    for name, module in model.named_modules():
        if not list(module.children()):
            module.register_forward_hook(record(name))
    model(x)
    seen = 0
    for name, shape in shapes.items():
        if len(shape) != 4:
            continue
        lecture = f"[?, {shape[2]}, {shape[3]}, {shape[1]}]"
        params = sum(p.numel() for p in model.get_submodule(name).parameters())
        box = next(t for t in texts.values() if t.startswith(f"{name.split('.')[-1]} · "))
        assert lecture in box and f"{params:,} params" in box
        seen += 1
    assert seen >= 10
    assert sum(
        int(n.replace(",", "")) for n in re.findall(r"([\d,]+) params", " ".join(texts.values()))
    ) == numel(model)


@needs_dot
def test_depth_draws_blocks_and_clusters(tmp_path):
    """ResNet-50 at depth 2: its 16 bottlenecks are boxes, inside one cluster per stage."""
    code, out, err = run("draw", "resnet50", "--depth", "2", "--format", "dot")
    assert code == 0, err
    model = on_meta(build, get_spec("resnet50"))
    blocks = [n for n, m in model.named_modules() if type(m).__name__ == "Bottleneck"]
    assert len(blocks) == 16
    assert len(re.findall(r"<B>\d+ · Bottleneck</B>", out)) == 16
    assert len(re.findall(r"subgraph cluster_", out)) == 4
    for stage in ("layer1", "layer2", "layer3", "layer4"):
        assert f"{stage} · <I>Sequential</I>" in out


@needs_dot
def test_inception_branches_side_by_side(tmp_path):
    """An inception module's four paths sit on one rank, side by side (the first module's
    boxes are the first of each name)."""
    target = tmp_path / "g.svg"
    code, _, err = run("draw", "googlenet", "--depth", "2", "-o", str(target))
    assert code == 0, err
    root = ET.fromstring(target.read_text())
    centres = {}
    for g in root.iter(f"{SVG}g"):
        box = g.find(f".//{SVG}polygon")
        if g.get("class") == "node" and box is not None:
            text = " ".join(t.text or "" for t in g.iter(f"{SVG}text"))
            points = [float(v) for v in re.findall(r"-?\d+\.?\d*", box.get("points"))]
            centres.setdefault(text.split(" · ")[0], (sum(points[0::2]) / 4, sum(points[1::2]) / 4))
    branches = [centres[f"branch{i}"] for i in range(1, 5) if f"branch{i}" in centres]
    assert len(branches) == 4
    assert len({round(y) for _, y in branches}) == 1  # one rank
    assert len({round(x) for x, _ in branches}) == 4  # side by side


@needs_dot
def test_color_legend(tmp_path):
    code, out, err = run("draw", "vgg16", "--color", "params", "--format", "dot")
    assert code == 0, err
    assert "parameters per layer" in out
    assert "#bd0026" in out and "#f2f2f2" in out  # the largest bin, and the layers without parameters


def test_json_is_the_same_graph_as_dot(tmp_path, monkeypatch):
    """--format json (no Graphviz needed) holds the boxes and arrows DOT draws, and the boxes'
    parameters add up to the model's own count."""
    import json

    monkeypatch.setenv("PATH", str(tmp_path))
    code, out, err = run("draw", "resnet18", "--depth", "2", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    code, dot, err = run("draw", "resnet18", "--depth", "2", "--format", "dot")
    assert code == 0, err
    arrows = set(re.findall(r"^\s+(\w+) -> (\w+)", dot, flags=re.MULTILINE))
    assert {(e["tail"], e["head"]) for e in data["edges"]} == arrows
    assert sum(n.get("params", 0) for n in data["nodes"]) == numel(on_meta(build, get_spec("resnet18")))
    assert [n["name"] for n in data["nodes"][1:6]] == ["conv1", "bn1", "relu", "maxpool", "layer1.0"]


UNCOUNTED_MODEL = """
import torch
from torch import nn


class Cum(nn.Module):
    def forward(self, x):
        return torch.cumsum(x, dim=1)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.cum = Cum()

    def forward(self, x):
        return self.cum(self.conv(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3)
        self.block = Block()

    def forward(self, x):
        return self.block(self.stem(x))
"""


def dot_boxes(dot: str) -> dict[str, str]:
    """Node id → its DOT attribute text."""
    return dict(re.findall(r"^\s+(L\d+) \[(.*?)\]$", dot, flags=re.MULTILINE | re.DOTALL))


@pytest.mark.parametrize("depth", [None, "1"])
def test_ops_without_a_rule_are_not_drawn_as_zero(tmp_path, depth):
    """A box running torch.cumsum (no MAC rule) says its MACs are not counted, is shaded apart
    from zero with its own legend entry, and the JSON lists the op; counted boxes keep
    PyTorch's own count."""
    import json

    source = tmp_path / "uncounted.py"
    source.write_text(UNCOUNTED_MODEL)
    namespace: dict = {}
    exec(compile(UNCOUNTED_MODEL, str(source), "exec"), namespace)
    model = namespace["Net"]()
    assert flop_counter_macs(model.stem, (1, 3, 16, 16)) > 0
    depth_args = ["--depth", depth] if depth else []
    common = [f"{source}:Net", "--input", "3x16x16", *depth_args]
    code, dot, err = run("draw", *common, "--label", "shape,macs", "--color", "macs", "--format", "dot")
    assert code == 0, err
    code, out, err = run("draw", *common, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["unknown_ops"] == {"aten.cumsum": 1}
    nodes = {n["id"]: n for n in data["nodes"] if not n.get("input")}
    boxes = dot_boxes(dot)
    uncounted = [key for key, n in nodes.items() if n["unknown_ops"]]
    assert len(uncounted) == 1 and nodes[uncounted[0]]["unknown_ops"] == ["aten.cumsum"]
    for key, node in nodes.items():
        box = boxes[key]
        if key in uncounted:
            assert "not counted" in box and "0 MACs" not in box
            assert 'fillcolor="#c6dbef"' in box and "dashed" in box
            if depth:  # the block's convolution is counted, the cumsum is not
                assert node["macs"] == flop_counter_macs(model.block.conv, (1, 8, 14, 14))
                assert "cumsum not counted" in box
            else:
                assert "MACs not counted (cumsum)" in box
        else:
            assert "not counted" not in box and 'fillcolor="#c6dbef"' not in box
    assert nodes["L0"]["macs"] == flop_counter_macs(model.stem, (1, 3, 16, 16))
    assert "not counted (an op without a rule)" in dot.split("\n\tin0")[0]  # the legend
