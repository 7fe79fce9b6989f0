"""The worked answer for one layer: output shape, parameters, MACs and receptive field.

Every result is the summary's own number (the ``Layer`` of the ``Report``); the working shown
beside it is written from what the trace recorded for that layer (the convolution's weight
shape, its groups, the matrix sizes of a dense layer) and is only shown when it gives that very
number. Shapes come from the report's formulas (``cnnarch/ops/window.py``), receptive
fields from ``cnnarch/analysis/receptive_field.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import ceil, floor, prod

from cnnarch.analysis.layers import Row
from cnnarch.analysis.receptive_field import AxisRF, ReceptiveFields
from cnnarch.explain.model import Step
from cnnarch.explain.notation import (
    count,
    in_letters,
    lecture_shape,
    nchw,
    number,
    per_axis,
    plural,
    product,
)
from cnnarch.ops import BY_PACKET, Window, category, mac_terms, macs, merge_wording, param_terms, window
from cnnarch.ops import title as op_title
from cnnarch.ops.matmul import MATRIX_PRODUCT
from cnnarch.ops.window import format_fraction, rounded_text
from cnnarch.report import Layer
from cnnarch.trace.records import OpRecord, TensorInfo, TensorRef, Trace


@dataclass
class LayerView:
    """One report row with the trace records behind it."""

    layer: Layer
    row: Row
    trace: Trace
    rfs: ReceptiveFields
    sources: list[int]
    """Row index of the layer that produced each activation input (-1: the network input)."""

    @property
    def ops(self) -> list[OpRecord]:
        return [self.trace.ops[i] for i in self.row.ops]

    def main_window(self) -> tuple[OpRecord, Window] | None:
        """The sliding window that explains the row's shape (as the summary chooses it)."""
        found = [
            (op, w)
            for op in self.ops
            if (w := window(op, self.trace)) is not None
            and (op.outputs[0] in self.row.outputs or op.inputs[0] in self.row.inputs)
        ]
        return found[0] if len(found) == 1 else None

    def packets(self) -> list[str]:
        return [op.packet.removeprefix("aten.") for op in self.ops]

    def dense(self) -> bool:
        """A dense layer: a matrix product (``mm``/``addmm``) by its op record."""
        return any(BY_PACKET.get(op.packet) is MATRIX_PRODUCT for op in self.ops)

    def tensor(self, ref: TensorRef | int) -> TensorInfo:
        return self.trace.tensor(ref)


# -- titles ------------------------------------------------------------------------------------
def title(view: LayerView) -> str:
    """``Conv 96 [11x11] stride 4``, ``Max pool [3x3] stride 2``, ``FC 4096``."""
    found = view.main_window()
    layer = view.layer
    if found is not None:
        op, w = found
        kernel = "x".join(map(str, w.kernel))
        extras = [f"stride {per_axis(w.stride)}"]
        if any(w.padding):
            extras.append(f"pad {per_axis(w.padding)}")
        if any(d != 1 for d in w.dilation):
            extras.append(f"dilation {per_axis(w.dilation)}")
        if w.kind in ("conv", "tconv"):
            weight = view.tensor(op.args["weight"]).shape
            groups = int(op.args.get("groups", 1) or 1)
            filters = weight[1] * groups if w.kind == "tconv" else weight[0]
            if groups > 1:
                extras.append(f"groups {groups}")
            if w.output_padding and any(w.output_padding):
                extras.append(f"output padding {per_axis(w.output_padding)}")
            return f"{op_title(op)} {filters} [{kernel}] " + ", ".join(extras)
        if w.ceil_mode:
            extras.append("ceil mode")
        return f"{op_title(op)} [{kernel}] " + ", ".join(extras)
    if view.dense() and len(layer.output_shape) == 2:
        return f"FC {layer.output_shape[-1]}"
    if _is_global_pool(view):
        kind = "max" if "Max pool" in {op_title(op) for op in view.ops} else "average"
        return f"Global {kind} pool"
    if layer.type in ("cat", "stack"):
        return "Concatenation"
    named, symbol = merge_wording(f"aten.{layer.type}")
    if symbol is not None and len(view.sources) >= 2:
        return named or layer.type.removesuffix("_")
    return layer.type


def _is_global_pool(view: LayerView) -> bool:
    out, ins = view.layer.output_shape, view.layer.input_shapes
    return (
        len(out) >= 3
        and all(n == 1 for n in out[2:])
        and bool(ins)
        and len(ins[0]) == len(out)
        and any(n > 1 for n in ins[0][2:])
        and any(category(op) == "pool" for op in view.ops)
    )


# -- output shape ------------------------------------------------------------------------------
def _rounded(exact: float | int, result: int, rounding: str | None) -> str:
    return rounded_text(Fraction(exact), result, rounding)


LAYOUT = {3: "NCL", 4: "NCHW", 5: "NCDHW"}


def feature_map(view: LayerView) -> bool:
    """Whether the row's output is a channel-first feature map, which the lectures write
    ``[?, H, W, C]``: at least 3-D and not made by a reshape (YOLO's view to [1, 7, 7, 30] is a
    grid of predictions, not channels first, and is shown as PyTorch holds it)."""
    if len(view.layer.output_shape) < 3:
        return False
    producers = [view.trace.tensors[t].producer for t in view.row.outputs]
    made = [view.trace.ops[p] for p in producers if p is not None]
    return not any(
        category(op) == "reshape"
        and op.inputs
        and view.tensor(op.inputs[0]).shape != view.tensor(op.outputs[0]).shape
        for op in made
    )


def shape_text(shape: list[int], mapped: bool) -> str:
    """``[?, 55, 55, 96]`` for a feature map; any other tensor as it is, batch unknown."""
    return lecture_shape(shape) if mapped else "[" + ", ".join(["?", *(str(d) for d in shape[1:])]) + "]"


def shape_steps(view: LayerView) -> list[Step]:
    """The output shape, worked; feature maps in the lectures' order with PyTorch's beside them,
    other tensors as they are (a flat vector has no layout to name)."""
    out = view.layer.output_shape
    mapped = feature_map(view)
    note = ""
    if mapped:
        note = f"{LAYOUT.get(len(out), 'PyTorch')} {nchw(out)}"
    elif len(out) > 2:
        note = f"as PyTorch holds it (not a feature map, so not reordered): {nchw(out)}"
    steps = _shape_steps(view, shape_text(out, mapped), note)
    for step in steps:
        step.notes = [n for n in step.notes if n]
    return steps


def _shape_steps(view: LayerView, lecture: str, shape_note: str) -> list[Step]:
    layer = view.layer
    out = layer.output_shape
    ins = layer.input_shapes
    if layer.formula:
        return _window_shape(view, lecture, shape_note)
    base = layer.type.removesuffix("_")
    if base in ("cat", "stack") and len(ins) >= 2:
        return [_concat_shape(view, lecture, shape_note)]
    _, symbol = merge_wording(f"aten.{layer.type}")
    if symbol is not None and len(ins) >= 2:
        joined = f" {symbol} ".join(lecture_shape(s) for s in ins)
        equal = all(s == ins[0] for s in ins)
        note = (
            f"{base} needs equal shapes (element by element)"
            if equal
            else f"{base} broadcasts the size-1 dimensions"
        )
        return [
            Step(
                "Output shape?",
                lecture,
                None,
                joined,
                out,
                [note, shape_note],
                working=f"{joined} → {lecture}",
            )
        ]
    if _is_global_pool(view):
        spatial = "x".join(map(str, ins[0][2:]))
        return [
            Step(
                "Output shape?",
                lecture,
                "[?, H, W, C] → [?, 1, 1, C]",
                f"{lecture_shape(ins[0])} → {lecture}",
                out,
                [
                    f"one value per channel from all {spatial} = {prod(ins[0][2:]):,} positions; "
                    "no parameters",
                    shape_note,
                ],
                working=f"[?, H, W, C] → [?, 1, 1, C]: {lecture_shape(ins[0])} → {lecture}",
            )
        ]
    if ins and len(ins[0]) > len(out) >= 2 and prod(ins[0][1:]) == prod(out[1:]) and ins[0][0] == out[0]:
        dims = ins[0][len(out) - 1 :]
        letters = "C·H·W" if len(ins[0]) == 4 and len(out) == 2 else "product of the flattened dimensions"
        return [
            Step(
                "Output shape?",
                f"{count(prod(dims))} → {lecture}",
                letters,
                product(dims),
                out,
                [f"flatten keeps every value: {lecture_shape(ins[0])} → {lecture}", shape_note],
            )
        ]
    if view.dense() and len(out) == 2 and ins:
        return [
            Step(
                "Output shape?",
                lecture,
                None,
                None,
                out,
                [f"{out[-1]:,} output features, one per neuron (input {ins[0][-1]:,} features)", shape_note],
            )
        ]
    if any(category(op) == "upsample" for op in view.ops) and ins and len(ins[0]) == len(out) >= 3:
        return [_resize_shape(ins[0], out, lecture, shape_note)]
    if ins and list(ins[0]) == list(out):
        held = f" ({shape_note})" if shape_note else ""
        return [Step("Output shape?", f"{lecture}{held}, unchanged", value=out, trivial=True)]
    if ins and len(out) > len(ins[0]) and ins[0][0] == out[0] and prod(ins[0][1:]) == prod(out[1:]):
        working = f"{count(prod(out[1:]))} = {product(out[1:])} → {lecture}"
        note = f"a reshape keeps every value: {shape_text(ins[0], len(ins[0]) > 2)} → {lecture}"
        return [Step("Output shape?", lecture, None, None, out, [note, shape_note], working=working)]
    return [Step("Output shape?", lecture, value=out, notes=[shape_note])]


def _window_shape(view: LayerView, lecture: str, shape_note: str) -> list[Step]:
    layer = view.layer
    found = view.main_window()
    notes = []
    if found is not None:
        _op, w = found
        if w.kind in ("conv", "tconv"):
            notes.append(f"C = {layer.output_shape[1]}: one output channel per filter")
        else:
            notes.append(f"C = {layer.output_shape[1]}: pooling keeps the channels")
    same = len({(f.substituted, f.result) for f in layer.formula}) == 1
    for f in layer.formula[-1:] if same else layer.formula:
        axis = "" if same else f"{f.axis}: "
        if f.rounding is not None:
            exact = Fraction(f.exact)
            how, rounded = (
                ("ceil_mode=True takes the ceiling", ceil(exact))
                if f.rounding == "ceil"
                else ("PyTorch takes the floor", floor(exact))
            )
            notes.append(f"{axis}{format_fraction(exact)} is not a whole number: {how}, {rounded}")
        if f.note:
            notes.append(f"{axis}{f.note}")
    notes.extend(layer.notes)
    notes.append(shape_note)
    if same:
        f = layer.formula[-1]
        result = f"{_rounded(f.exact, f.result, f.rounding)} → {lecture}"
        return [Step("Output shape?", result, f.general, f.substituted, layer.output_shape, notes)]
    steps = [
        Step(f"Output {f.axis}?", _rounded(f.exact, f.result, f.rounding), f.general, f.substituted, f.result)
        for f in layer.formula
    ]
    steps.append(Step("Output shape?", lecture, value=layer.output_shape, notes=notes))
    return steps


def _concat_shape(view: LayerView, lecture: str, shape_note: str) -> Step:
    layer = view.layer
    ins, out = layer.input_shapes, layer.output_shape
    op = view.ops[0]
    dim = int(op.args.get("dim", 0) or 0)
    dim = dim + len(out) if dim < 0 else dim
    parts = [s[dim] for s in ins]
    letter = "C" if dim == 1 else f"dim {dim}"
    notes = []
    if dim == 1 and len(out) >= 3:
        notes.append(f"concat adds channels; H×W must agree ({'x'.join(map(str, out[2:]))})")
    notes.append(shape_note)
    formula = f"{letter} = " + " + ".join(f"{letter}_{i}" for i in range(1, len(parts) + 1))
    return Step("Output shape?", f"{out[dim]} → {lecture}", formula, " + ".join(map(str, parts)), out, notes)


def _resize_shape(before: list[int], out: list[int], lecture: str, shape_note: str) -> Step:
    texts = []
    for a, b in zip(before[2:], out[2:], strict=True):
        texts.append(f"{a}·{b // a}" if b % a == 0 else f"{a} → {b}")
    sub = "; ".join(texts) if len(set(texts)) > 1 else texts[0]
    sizes = "x".join(map(str, out[2:])) if len(set(out[2:])) > 1 else str(out[2])
    return Step("Output shape?", f"{sizes} → {lecture}", "H_out = H_in·scale", sub, out, [shape_note])


# -- parameters --------------------------------------------------------------------------------
def _param_tensors(view: LayerView) -> list[TensorInfo]:
    seen: dict[int, TensorInfo] = {}
    for op in view.ops:
        for tid in op.inputs:
            t = view.trace.tensors[tid]
            if t.kind == "param" and tid not in seen:
                seen[tid] = t
    return list(seen.values())


def param_step(view: LayerView) -> Step:
    layer = view.layer
    notes = []
    if layer.buffers:
        notes.append(
            f"plus {count(layer.buffers)} buffer values (running mean and variance): state, not parameters"
        )
    if layer.params == 0:
        if layer.shared and _param_tensors(view):
            return Step("Parameters?", "0 (shared: counted at the module's first call)", value=0, notes=notes)
        return Step("Parameters?", "0", value=0, notes=notes, trivial=not notes)
    tensors = _param_tensors(view)
    if sum(t.numel for t in tensors) != layer.params:  # partly shared: only the total is known
        return Step("Parameters?", count(layer.params), value=layer.params, notes=notes)
    conv = _conv_op(view)
    terms: list[tuple[str, str]] = []  # (letters, numbers)
    for t in tensors:
        terms.append(_param_term(t, conv, view))
    if view.layer.type.startswith(("BatchNorm", "LayerNorm", "GroupNorm", "InstanceNorm")):
        notes.insert(0, "a learned scale γ and shift β per channel")
    formula = " + ".join(letters for letters, _ in terms)
    substituted = " + ".join(numbers for _, numbers in terms)
    if conv is not None and int(conv.args.get("groups", 1) or 1) > 1:
        groups = int(conv.args["groups"])
        x = view.tensor(conv.args["input"]).shape
        if not conv.args.get("transposed"):
            sees = plural(x[1] // groups, "channel")
            notes.insert(0, f"groups {groups}: each filter sees {x[1]}/{groups} = {sees}")
    return Step("Parameters?", count(layer.params), formula, substituted, layer.params, notes)


def _conv_op(view: LayerView) -> OpRecord | None:
    found = view.main_window()
    return found[0] if found is not None and found[1].kind in ("conv", "tconv") else None


def _param_term(t: TensorInfo, conv: OpRecord | None, view: LayerView) -> tuple[str, str]:
    shape = t.shape
    terms = None if conv is None else param_terms(conv, view.trace, t)  # its record's layout
    if terms is not None:
        return "·".join(letter for letter, _ in terms), product([factor for _, factor in terms])
    name = (t.name or "").rpartition(".")[2]
    dense = view.dense()
    if len(shape) == 2 and dense:
        return "N_in·N_out", product([shape[1], shape[0]])
    if len(shape) == 1:
        if view.layer.type.startswith(("BatchNorm", "LayerNorm", "GroupNorm", "InstanceNorm")):
            return "C", str(shape[0])
        return ("N_out" if dense and name == "bias" else name or "n"), str(shape[0])
    return name or "w", product(list(reversed(shape)))


# -- MACs --------------------------------------------------------------------------------------
def mac_step(view: LayerView) -> Step:
    layer = view.layer
    if layer.macs == 0:
        return Step("MACs?", "0", value=0, trivial=True)
    parts = []
    for op in view.ops:
        value = macs(op, view.trace)
        if value:
            parts.append(_mac_term(op, view, value))
    if any(p is None for p in parts) or sum(p[2] for p in parts if p) != layer.macs:
        return Step("MACs?", count(layer.macs), value=layer.macs)
    formula = " + ".join(p[0] for p in parts if p)
    substituted = " + ".join(p[1] for p in parts if p)
    return Step(
        "MACs?",
        count(layer.macs),
        formula,
        substituted,
        layer.macs,
        [f"FLOPs = 2·MACs = {count(layer.flops)}"],
    )


def _mac_term(op: OpRecord, view: LayerView, value: int) -> tuple[str, str, int] | None:
    """The op's worked factors (its record's ``mac_terms``), when their product is ``value``."""
    terms = mac_terms(op, view.trace)
    if terms is None or prod(factor for _, factor in terms) != value:
        return None
    return "·".join(letter for letter, _ in terms), product([factor for _, factor in terms]), value


# -- receptive field ---------------------------------------------------------------------------
def rf_step(view: LayerView) -> Step | None:
    layer = view.layer
    if layer.receptive_field is None:
        return None
    out_rf = next((view.rfs.by_tensor[t] for t in view.row.outputs if t in view.rfs.by_tensor), None)
    ins = [view.rfs.by_tensor[t] for t in view.row.inputs if t in view.rfs.by_tensor]
    if out_rf is None:
        return None
    result = rf_text(
        layer.receptive_field, layer.effective_stride, layer.rf_whole_input, layer.rf_approximate
    )
    value = layer.receptive_field
    notes = []
    if layer.rf_whole_input:
        notes.append("every output value sees the whole input (the size includes the padding)")
    found = view.main_window()
    worked: Worked | None = None
    if found is not None and len(ins) == 1:
        worked = _window_rf(found[1], ins[0], out_rf)
    elif len(ins) == 1 and ins[0] == out_rf:
        return Step("Receptive field?", f"{result}, unchanged", value=value, notes=notes, trivial=True)
    elif len(ins) == 1 and len(layer.input_shapes) == 1 and len(ins[0]) == len(out_rf):
        worked = _collapse_rf(layer.input_shapes[0], ins[0], out_rf)
    elif len(ins) >= 2:
        sizes = [per_axis([a.size for a in rf]) for rf in ins]
        biggest = max(ins, key=lambda rf: rf[0].size)
        if all(a.size == b.size for a, b in zip(biggest, out_rf, strict=True)):
            sub = f"max({', '.join(sizes)})"
            notes.insert(0, "a merge sees what any of its inputs sees: the union of their regions")
        else:
            sub = f"union of {', '.join(sizes)} (the regions are offset)"
        formula = "r = union of the inputs' regions"
        worked = Worked(formula, sub, f"{formula} = {sub} = {per_axis(value)}")
    if worked is None:
        return Step("Receptive field?", result, value=value, notes=notes)
    return Step(
        "Receptive field?", result, worked.formula, worked.substituted, value, notes, working=worked.line
    )


def rf_text(
    rf: list[int | float] | None,
    jump: list[int | float] | None,
    whole: bool = False,
    approximate: bool = False,
) -> str:
    """``11, jump 4``; ``355 (all), jump 192``; a bound says so in words."""
    text = per_axis(rf or []) + (" (all)" if whole else "")
    bound = " (a bound, not exact: upsampling, a transposed convolution or an op without an exact rule)"
    return f"{text}, jump {per_axis(jump or [])}" + (bound if approximate else "")


@dataclass
class Worked:
    formula: str
    substituted: str
    line: str


def _per_axis_line(parts: list[str], names: list[str]) -> str:
    if len(set(parts)) == 1:
        return parts[0]
    return "; ".join(f"{n}: {t}" for n, t in zip(names, parts, strict=True))


def _window_rf(w: Window, rf_in: tuple[AxisRF, ...], rf_out: tuple[AxisRF, ...]) -> Worked | None:
    offset = w.spatial - len(rf_in)
    dilated = any(w.dilation[i + offset] != 1 for i in range(len(rf_in)))
    d_letter = "D·" if dilated else ""
    if w.kind == "tconv":
        r_formula, j_formula = f"r_in + ⌊{d_letter}(F − 1)/S⌋·j_in", "j_in/S"
    else:
        r_formula, j_formula = f"r_in + {d_letter}(F − 1)·j_in", "j_in·S"
    subs, lines = [], []
    for axis, (a, b) in enumerate(zip(rf_in, rf_out, strict=True)):
        i = axis + offset
        f, s, d = w.kernel[i], w.stride[i], w.dilation[i]
        span = f"{d}·({f} − 1)" if dilated else f"({f} − 1)"
        if w.kind == "tconv":
            if b.size != a.size + (d * (f - 1) // s) * a.jump or b.jump != a.jump / s:
                return None
            r_sub, j_sub = f"{number(a.size)} + ⌊{span}/{s}⌋·{number(a.jump)}", f"{number(a.jump)}/{s}"
        else:
            if b.size != a.size + d * (f - 1) * a.jump or b.jump != a.jump * s:
                return None
            r_sub, j_sub = f"{number(a.size)} + {span}·{number(a.jump)}", f"{number(a.jump)}·{s}"
        subs.append(f"r = {r_sub}; j = {j_sub}")
        lines.append(
            f"r = {r_formula} = {r_sub} = {number(b.size)}; j = {j_formula} = {j_sub} = {number(b.jump)}"
        )
    names = [n[0] for n in in_letters(len(rf_in))]
    return Worked(
        f"r = {r_formula}; j = {j_formula}", _per_axis_line(subs, names), _per_axis_line(lines, names)
    )


def _collapse_rf(shape: list[int], rf_in: tuple[AxisRF, ...], rf_out: tuple[AxisRF, ...]) -> Worked | None:
    """Global pooling and flatten: one value from the whole n-pixel map, r = r_in + (n − 1)·j_in."""
    if len(shape) != len(rf_in) + 2:
        return None
    subs, lines = [], []
    for a, b, n in zip(rf_in, rf_out, shape[2:], strict=True):
        if b.size != a.size + (n - 1) * a.jump:
            return None
        sub = f"{number(a.size)} + ({n} − 1)·{number(a.jump)}"
        subs.append(sub)
        lines.append(f"r = r_in + (n − 1)·j_in = {sub} = {number(b.size)} (n: the whole map)")
    names = [n[0] for n in in_letters(len(rf_in))]
    return Worked("r = r_in + (n − 1)·j_in", _per_axis_line(subs, names), _per_axis_line(lines, names))
