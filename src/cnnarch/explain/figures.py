"""Derived figures that ``compare`` and ``list`` print bare, worked from a report's own numbers:
the share of parameters in dense (or convolutional) layers, the depth in weighted layers, and
"N× fewer parameters than X" between two models."""

from __future__ import annotations

from collections.abc import Callable

from cnnarch.errors import CnnarchError
from cnnarch.explain.model import Alternatives, Step
from cnnarch.explain.notation import count
from cnnarch.report import Report

FIGURES = ("dense-share", "conv-share", "depth", "memory", "default-boxes", "fewer-than:MODEL")
"""``memory``: activations Σ N·C·H·W × bytes over the layers' outputs, and parameter bytes."""
BYTES = {"fp32": 4, "fp16": 2, "int8": 1}
MAX_TERMS = 8


def _kind(layer_type: str) -> str | None:
    if layer_type.startswith("Conv"):
        return "conv"
    if layer_type in ("Linear", "LazyLinear"):
        return "dense"
    return None


def _sum(values: list[int]) -> str:
    terms = [count(v) for v in values if v]
    if len(terms) > MAX_TERMS:
        return f"the sum over {len(terms)} layers"
    return " + ".join(terms) or "0"


def _share(report: Report, kind: str) -> Step:
    values = [x.params for x in report.layers if _kind(x.type) == kind and x.params]
    part, total = sum(values), report.totals.params
    word = {"dense": "dense (fully connected)", "conv": "convolutional"}[kind]
    share = part / total if total else 0.0
    return Step(
        f"Share of parameters in {word} layers?",
        f"{share:.1%}",
        value=share,
        working=(
            f"Σ {kind} = {_sum(values)} = {count(part)}; {count(part)} / {count(total)} = {share:.1%}"
            if len(values) > 1
            else f"{count(part)} / {count(total)} = {share:.1%}"
        ),
        notes=[f"{len(values)} {word} layers with parameters"],
    )


def _depth(report: Report) -> Step:
    """Depth as ``compare`` and the papers count it: the most weighted layers on one path from
    input to output (GoogLeNet's 22, ResNet-18's 18); parallel branches and shortcuts do not add."""
    from cnnarch.compare.figures import depth, is_weight_layer

    weighted = [x for x in report.layers if is_weight_layer(x) and not x.shared]
    convs = sum(1 for x in weighted if x.breakdown.get("conv"))
    dense = len(weighted) - convs
    longest = depth(report)
    in_all = f"{len(weighted)} weighted layers in all ({convs} convolutions + {dense} dense)"
    return Step(
        "Depth (weighted layers on the longest path)?",
        str(longest),
        "the most convolutions and dense layers on one path from input to output",
        str(longest),
        longest,
        [
            in_all + ("; a chain: every one is on the path" if longest == len(weighted) else ""),
            "the papers' depth counts layers with weights: VGG-16's 13 + 3, AlexNet's 5 + 3, GoogLeNet's 22",
        ],
    )


def _memory(report: Report) -> list[Step]:
    """Activations Σ N·C·H·W × bytes over the layers' outputs, and the parameters in each type."""
    itemsize = report.totals.param_bytes // report.totals.params if report.totals.params else 4
    outputs = [x for x in report.layers if x.activation_bytes]
    terms = [count(x.activation_bytes // itemsize) for x in outputs]
    total = report.totals.activation_bytes
    listed = " + ".join(terms) if len(terms) <= 2 * MAX_TERMS else f"the sum over {len(terms)} layer outputs"
    values = total // itemsize
    sums = f"Σ N·C·H·W × bytes = ({listed}) × {itemsize}"
    steps = [
        Step(
            "Activation memory (all layer outputs)?",
            f"{count(total)} bytes",
            value=total,
            working=f"{sums} = {count(values)} × {itemsize} = {count(total)} bytes",
            notes=["every layer's output held at once (training keeps them for the backward pass); "
                   "summary --memory gives the inference peak, when fewer are alive"],
        )
    ]  # fmt: skip
    params = report.totals.params
    sizes = "; ".join(f"{name}: {count(params)}·{b} = {count(params * b)}" for name, b in BYTES.items())
    by_type = {k: params * b for k, b in BYTES.items()}
    note = "the model's size on disk after quantisation, plus a small header"
    steps.append(Step("Parameters in fp32, fp16, int8 (bytes)?", sizes, value=by_type, notes=[note]))
    return steps


def _box_heads(report: Report) -> list[tuple[str, int, int, int]]:
    """The box-regression convolutions of a detection head (SSD's ``loc.k``, an RPN's ``bbox_pred``):
    (name, channels, H, W) of each, in the order traced."""
    heads = []
    for x in report.layers:
        parts = x.name.split(".")
        if (
            _kind(x.type) == "conv"
            and ("loc" in parts or parts[-1] == "bbox_pred")
            and len(x.output_shape) == 4
        ):
            heads.append((x.name, *x.output_shape[1:]))
    return heads


def _default_boxes(report: Report) -> list[Step]:
    """Boxes per location from each box head's channels (4 offsets a box), then Σ H_k·W_k·b_k over
    the traced maps, worked by ``calc anchors``; with a RoI pooling layer, its output per region."""
    from cnnarch.calc import anchors

    heads = _box_heads(report)
    if not heads:
        raise CnnarchError(
            f"{report.model} has no box-regression convolution (named loc.k or bbox_pred)",
            "--figure default-boxes is for detection heads such as ssd300 or faster-rcnn-head",
        )
    if any(c % 4 for _, c, _, _ in heads):
        raise CnnarchError(
            f"{report.model}'s box heads do not give 4 offsets a box", "channels: a multiple of 4"
        )
    per = [c // 4 for _, c, _, _ in heads]
    listed = ", ".join(f"{name} {c}/4 = {b}" for (name, c, _, _), b in zip(heads, per, strict=True))
    step = Step(
        "Boxes per location?",
        ", ".join(map(str, per)),
        value=per,
        working=f"b_k = C_k / 4 (4 offsets a box): {listed}",
        notes=["H_k x W_k and C_k are the traced outputs of the box-regression convolutions"],
    )
    if any(name.endswith("bbox_pred") for name, _, _, _ in heads):
        step.notes.append(
            "an RPN's anchors per location are scales × aspect ratios (Faster R-CNN: 3 × 3 = 9)"
        )
    maps = ",".join(f"{h}x{w}" for _, _, h, w in heads)
    pools = [
        x for x in report.layers if x.name.startswith("roi_pool") and x.type.startswith("AdaptiveMaxPool")
    ]
    roi = {"roi": pools[0].output_shape[-1], "channels": pools[0].output_shape[1]} if pools else {}
    return [step, *anchors(maps, ",".join(map(str, per)), **roi).verdict]


def _fewer(report: Report, other: Report) -> Step:
    a, b = report.totals.params, other.totals.params
    if a == 0 or b == 0:
        raise CnnarchError("a model without parameters has no ratio")
    more, fewer = (report, other) if a >= b else (other, report)
    ratio = max(a, b) / min(a, b)
    return Step(
        f"How many times fewer parameters than {other.model}?",
        f"{fewer.model} has {ratio:.1f}× fewer than {more.model}",
        value=ratio,
        working=(
            f"{more.model} / {fewer.model} = {count(more.totals.params)} / {count(fewer.totals.params)} "
            f"≈ {ratio:.2f}: {fewer.model} has {ratio:.1f}× fewer"
        ),
    )


def figures(report: Report, names: list[str], load: Callable[[str], Report]) -> Alternatives:
    """The figures ``names`` asks for, worked; ``load`` analyses another model (fewer-than:X)."""
    steps = []
    for name in names:
        key, _, arg = name.strip().partition(":")
        if key == "dense-share":
            steps.append(_share(report, "dense"))
        elif key == "conv-share":
            steps.append(_share(report, "conv"))
        elif key == "depth":
            steps.append(_depth(report))
        elif key == "memory":
            steps += _memory(report)
        elif key == "default-boxes":
            steps += _default_boxes(report)
        elif key == "fewer-than" and arg:
            steps.append(_fewer(report, load(arg)))
        else:
            raise CnnarchError(f"--figure {name!r} is not a figure", f"use one of: {', '.join(FIGURES)}")
    return Alternatives(f"{report.model}: derived figures, worked", [], steps)
