"""The calculator's questions, one function each: a single layer worked (conv, pool, tconv, fc,
gap), a stack's receptive field, and the lectures' design comparisons (one 7x7 or three 3x3,
7x7 or 1x7 + 7x1, a 1x1 bottleneck before a 3x3 or not).

Each builds its networks as layer lists, analyses them like ``summary`` (``networks.analyze_program``)
and writes the comparison from those reports; the working shown is checked against the reports'
numbers before it is shown.
"""

from __future__ import annotations

import re
from fractions import Fraction

from cnnarch.calc.networks import AnalyzedProgram, analyze_program, size_text, spatial
from cnnarch.errors import CnnarchError
from cnnarch.explain.model import Alternatives, Candidate, Explanation, Step
from cnnarch.explain.notation import count, lecture_shape, number, per_axis, plural
from cnnarch.ops import window
from cnnarch.report import Report

# -- one layer ---------------------------------------------------------------------------------


def _window_options(k: str, s: str, p: str, d: str = "1") -> str:
    parts = [f"k{size_text(k, '--kernel')}", f"s{size_text(s, '--stride')}"]
    pad = size_text(p, "--padding", allow_zero=True, words=("same", "valid"))
    parts.append(f"p={pad}" if pad in ("same", "valid") else f"p{pad}")
    dilation = size_text(d, "--dilation")
    if dilation != "1":
        parts.append(f"d{dilation}")
    return " ".join(parts)


def _single(program: str, shape: tuple[int, ...], name: str) -> Explanation:
    explanation = analyze_program(program, shape, f"calc {name}").explanation
    explanation.totals = []  # one layer: its answer is the total
    explanation.notes = []  # about totals, which one layer does not need
    return explanation


def conv(
    size: str,
    kernel: str,
    stride: str = "1",
    padding: str = "0",
    dilation: str = "1",
    groups: int = 1,
    in_channels: int = 3,
    filters: int = 1,
    bias: bool = True,
) -> Explanation:
    """``calc conv 227 -k 11 -s 4 -p 0 --in-channels 3 --filters 96``."""
    h, w = spatial(size)
    program = f"conv {filters} {_window_options(kernel, stride, padding, dilation)}"
    program += f" g{groups}" if groups != 1 else ""
    program += "" if bias else " nobias"
    return _single(program, (in_channels, h, w), "conv")


def tconv(
    size: str,
    kernel: str,
    stride: str = "1",
    padding: int = 0,
    output_padding: int = 0,
    dilation: str = "1",
    groups: int = 1,
    in_channels: int = 3,
    filters: int = 1,
    bias: bool = True,
) -> Explanation:
    """``calc tconv 14 -k 4 -s 2 -p 1 --in-channels 64 --filters 32``."""
    h, w = spatial(size)
    program = f"tconv {filters} {_window_options(kernel, stride, str(padding), dilation)}"
    program += f" op{output_padding}" if output_padding else ""
    program += f" g{groups}" if groups != 1 else ""
    program += "" if bias else " nobias"
    return _single(program, (in_channels, h, w), "tconv")


def pool(
    size: str,
    kernel: str,
    stride: str | None = None,
    padding: str = "0",
    dilation: str = "1",
    channels: int = 1,
    average: bool = False,
    ceil: bool = False,
) -> Explanation:
    """``calc pool 55 -k 3 -s 2``; the stride defaults to the kernel size, as in PyTorch."""
    h, w = spatial(size)
    keyword = "avgpool" if average else "maxpool"
    if average and size_text(dilation, "--dilation") != "1":
        raise CnnarchError("average pooling has no dilation in PyTorch", "drop --dilation or use max pooling")
    program = f"{keyword} {_window_options(kernel, stride or kernel, padding, dilation)}"
    program += " ceil" if ceil else ""
    return _single(program, (channels, h, w), "pool")


def fc(in_features: int, out_features: int, bias: bool = True) -> Explanation:
    """``calc fc 9216 4096``."""
    return _single(f"fc {out_features}" + ("" if bias else " nobias"), (in_features,), "fc")


LAYOUTS = ("chw", "hwc")


def gap(shape: str, layout: str = "chw") -> Explanation:
    """``calc gap 512x7x7``: C x H x W, as ``--input`` reads it (PyTorch's order); the lectures'
    H x W x C (``7x7x512``) with ``layout="hwc"``. The answer says which layout was read."""
    if layout not in LAYOUTS:
        raise CnnarchError(f"--layout {layout!r} is not a layout", "use chw (C x H x W) or hwc (H x W x C)")
    parts = re.split(r"\s*[xX×]\s*", shape.strip())
    name = "CxHxW" if layout == "chw" else "HxWxC"
    if len(parts) != 3 or not all(p.isdigit() and int(p) >= 1 for p in parts):
        example = "512x7x7" if layout == "chw" else "7x7x512"
        raise CnnarchError(f"{shape!r} is not {name}", f"give the map as {name}, e.g. {example}")
    a, b, c = (int(p) for p in parts)
    channels, h, w = (a, b, c) if layout == "chw" else (c, a, b)
    explanation = _single("gap", (channels, h, w), "gap")
    other = "hwc, H x W x C" if layout == "chw" else "chw, C x H x W, as --input"
    explanation.notes = [
        f"{shape.strip()} read as {name}: C = {channels}, H = {h}, W = {w} (--layout {other} reads it "
        "the other way)"
    ]
    return explanation


# -- receptive field of a stack ----------------------------------------------------------------
_SHORT = re.compile(r"^(conv|pool|maxpool|avgpool)(\d+(?:x\d+)?)((?:[sdp]\d+)*)$")


def shorthand(text: str, channels: int) -> str | None:
    """``conv3 conv3 pool2 conv3s2 conv3d2`` → a layer list (padding keeps the size at stride 1);
    None when ``text`` is not written in this shorthand."""
    words = [w for w in re.split(r"[\s,>]+", text.strip().lower()) if w]
    bad = [w for w in words if _SHORT.match(w) is None]
    if bad and len(bad) < len(words) and not re.search(r"[>()|]", text):
        raise CnnarchError(
            f"{bad[0]!r} is not a layer in shorthand (conv3, conv7s2, conv3d2, conv1x7, pool2, pool3s2)",
            'or write a layer list, e.g. "conv 64 k3 p1 > maxpool k2"',
        )
    layers = []
    for word in words:
        match = _SHORT.match(word)
        if match is None:
            return None
        kind, k, rest = match.groups()
        opts = dict(re.findall(r"([sdp])(\d+)", rest))
        kh, _, kw = k.partition("x")
        d = int(opts.get("d", 1))
        if kind == "conv":
            pads = {str(d * (int(x) - 1) // 2) for x in (kh, kw or kh)}
            pad = opts.get("p") or (
                "x".join(str(d * (int(x) - 1) // 2) for x in (kh, kw)) if len(pads) > 1 else pads.pop()
            )
            dilation = f" d{d}" if d != 1 else ""
            layers.append(f"conv {channels} k{k} s{opts.get('s', 1)} p{pad}{dilation} nobias")
        else:
            keyword = "avgpool" if kind == "avgpool" else "maxpool"
            layers.append(f"{keyword} k{k} s{opts.get('s', k)} p{opts.get('p', 0)}")
    return " > ".join(layers) if layers else None


def _stack_rf(a: AnalyzedProgram) -> Step:
    """``r = 1 + (3 − 1)·1 + (3 − 1)·1 + (3 − 1)·1 = 7``: the closed form of the recurrence, one term
    per window, checked against the analysis."""
    rfs = a.analysis.receptive_fields
    windows = [(op, w) for op in a.trace.ops if (w := window(op, a.trace)) is not None]
    last = next(x for x in reversed(a.report.layers) if x.receptive_field)
    axes = []
    jump_axes = []
    for axis in range(rfs.spatial):
        terms, strides = ["1"], []
        for op, w in windows:
            j = rfs.by_tensor[op.inputs[0]][axis].jump
            f, d = w.kernel[axis], w.dilation[axis]
            if f > 1:
                terms.append(f"{d}·({f} − 1)·{number(j)}" if d != 1 else f"({f} − 1)·{number(j)}")
            strides.append(str(w.stride[axis]))
        axes.append(" + ".join(terms) + f" = {number(last.receptive_field[axis])}")
        jump_axes.append("·".join(strides or ["1"]) + f" = {number((last.effective_stride or [1])[axis])}")
    names = ["H", "W"][: rfs.spatial] if rfs.spatial == 2 else [str(i) for i in range(rfs.spatial)]
    r_text = (
        axes[0] if len(set(axes)) == 1 else "; ".join(f"{n}: {t}" for n, t in zip(names, axes, strict=True))
    )
    j_text = jump_axes[0] if len(set(jump_axes)) == 1 else "; ".join(jump_axes)
    result = f"{per_axis(last.receptive_field)}, effective stride {per_axis(last.effective_stride or [])}"
    return Step(
        "Receptive field?",
        result,
        "r = 1 + Σ D_i·(F_i − 1)·j_i; j = Π S_i",
        None,
        last.receptive_field,
        ["j_i: the jump (effective stride) at layer i's input"],
        working=f"r = 1 + Σ (F_i − 1)·j_i = {r_text}; j = Π S_i = {j_text}",
    )


def rf(stack: str, channels: int = 64, size: str = "224", verbose: bool = False) -> Alternatives:
    """``calc rf "conv3 conv3 conv3"`` (or any layer list): receptive field, stride, weights.

    Counting follows the comparisons' rule: the shorthand's convolutions have no biases (weights
    only, as the lectures count them); a layer list is counted as written, and the answer says so."""
    h, w = spatial(size)
    short = shorthand(stack, channels)
    program = short or stack
    a = analyze_program(program, (channels, h, w), "stack")
    biases = sum(t.numel for t in a.trace.params if (t.name or "").endswith(".bias"))
    question = "Weights?" if not biases else "Parameters?"
    if biases:
        note = (
            f"biases included ({count(biases)}), as the layer list has them: add nobias to count weights only"
        )
    else:
        note = "weights only (no biases), as the lectures count them"
    steps = [_stack_rf(a), _params_step(a.report, question)]
    return Alternatives(
        f"Receptive field of {stack.strip()}",
        [Candidate("the stack", program, a.explanation)],
        steps,
        [note],
        details=verbose,
    )


# -- design comparisons ------------------------------------------------------------------------
def _params_step(report: Report, question: str) -> Step:
    values = [x.params for x in report.layers if x.params]
    sub = " + ".join(count(v) for v in values) if 1 < len(values) <= 12 else None
    return Step(question, count(report.totals.params), None, sub, report.totals.params)


def _per_pair(params: int, c_in: int, c_out: int) -> str | None:
    """``49C²`` when the count is a whole multiple of C² (C channels in and out)."""
    if c_in == c_out and c_in and params % (c_in * c_out) == 0:
        return f"{params // (c_in * c_out)}C²"
    return None


def _relus(report: Report) -> int:
    return sum(1 for x in report.layers if x.type == "ReLU")


def _ratio(a: int, b: int) -> str:
    """``B/A = 27/49 ≈ 0.55: 45% fewer``."""
    if a == 0:
        return "A is 0"
    fraction = Fraction(b, a)
    change = 1 - float(fraction)
    word = "fewer" if change > 0 else "more"
    exact = (
        str(fraction.numerator)
        if fraction.denominator == 1
        else f"{fraction.numerator}/{fraction.denominator}"
    )
    return f"B/A = {exact} ≈ {float(fraction):.2f}: {abs(change):.0%} {word}"


def _compare(
    title: str,
    a: AnalyzedProgram,
    label_a: str,
    b: AnalyzedProgram,
    label_b: str,
    c_in: int,
    c_out: int,
    question: str = "Weights?",
    notes: list[str] | None = None,
    verbose: bool = False,
) -> Alternatives:
    pa, pb = a.report.totals.params, b.report.totals.params
    ra, rb = a.report.layers[-1], b.report.layers[-1]
    factors = [_per_pair(pa, c_in, c_out), _per_pair(pb, c_in, c_out)]
    per_channels = f" (C = {c_in})" if all(factors) else ""
    steps = [
        Step(
            question,
            f"{count(pa)} vs {count(pb)}",
            " vs ".join(factors) if all(factors) else None,
            None,
            [pa, pb],
            [_ratio(pa, pb)],
            working=f"A: {_working(a, factors[0] if all(factors) else None)}; "
            f"B: {_working(b, factors[1] if all(factors) else None)}{per_channels}",
        ),
        Step(
            "Receptive field?",
            f"{per_axis(ra.receptive_field or [])} vs {per_axis(rb.receptive_field or [])}",
            value=[ra.receptive_field, rb.receptive_field],
        ),
        Step(
            "Non-linearities (ReLU)?",
            f"{_relus(a.report)} vs {_relus(b.report)}",
            value=[_relus(a.report), _relus(b.report)],
        ),
        Step(
            f"MACs at {lecture_shape(a.report.input_shape)}?",
            f"{count(a.report.totals.macs)} vs {count(b.report.totals.macs)}",
            value=[a.report.totals.macs, b.report.totals.macs],
            notes=[_ratio(a.report.totals.macs, b.report.totals.macs)],
        ),
        Step(
            "Output shape?",
            f"{lecture_shape(ra.output_shape)} vs {lecture_shape(rb.output_shape)}",
            value=[ra.output_shape, rb.output_shape],
        ),
    ]
    if not any(steps[2].value):
        del steps[2]  # no activations in either: nothing to compare
    candidates = [Candidate(label_a, a.program, a.explanation), Candidate(label_b, b.program, b.explanation)]
    return Alternatives(title, candidates, steps, notes or [], details=verbose)


def _working(a: AnalyzedProgram, factor: str | None) -> str:
    """Each layer's parameter working, joined: ``1·1·192·64 + 3·3·64·256 = 12,288 + 147,456 = 159,744``."""
    steps = [s for layer in a.explanation.layers if (s := layer.step("Parameters?")).value]
    terms = [s.substituted or s.result for s in steps]
    if len(steps) > 1 and len(set(terms)) == 1 and len({s.result for s in steps}) == 1:
        n = len(steps)
        chain = [f"{n}·({terms[0]})", f"{n}·{steps[0].result}"]
    else:
        chain = [" + ".join(terms) or "0"]
        if len(steps) > 1:
            chain.append(" + ".join(s.result for s in steps))
    total = count(a.report.totals.params)
    if chain[-1] != total:
        chain.append(total)
    if factor:
        chain.append(factor)
    return " = ".join(chain)


def stack(
    kernel: int,
    as_kernels: list[int] | None = None,
    channels: int = 64,
    size: str = "56",
    bias: bool = False,
    verbose: bool = False,
) -> Alternatives:
    """``calc stack 7 --as 3,3,3 --channels 256``: one KxK against a stack of smaller kernels."""
    h, w = spatial(size)
    small = as_kernels or [3] * max((kernel - 1) // 2, 1)
    nb = "" if bias else " nobias"
    big = f"conv {channels} k{kernel} p{(kernel - 1) // 2}{nb} > relu"
    many = " > ".join(f"conv {channels} k{k} p{(k - 1) // 2}{nb} > relu" for k in small)
    a = analyze_program(big, (channels, h, w), f"one {kernel}x{kernel}")
    b = analyze_program(many, (channels, h, w), "stack")
    names = ", ".join(f"{k}x{k}" for k in small)
    reach = 1 + sum(k - 1 for k in small)
    notes = [] if reach == kernel else [f"the stack sees {reach}x{reach}, not {kernel}x{kernel}"]
    notes.append("weights only (no biases), as the lectures count them" if not bias else "biases included")
    return _compare(
        f"One {kernel}x{kernel} convolution vs {names} stacked, {plural(channels, 'channel')} in and out",
        a,
        f"one {kernel}x{kernel}",
        b,
        f"{len(small)} stacked ({names})",
        channels,
        channels,
        notes=notes,
        verbose=verbose,
    )


def factorize(
    kernel: int, channels: int = 64, size: str = "56", bias: bool = False, verbose: bool = False
) -> Alternatives:
    """``calc factorize 7``: a KxK against 1xK followed by Kx1 (Inception v3)."""
    h, w = spatial(size)
    nb = "" if bias else " nobias"
    half = (kernel - 1) // 2
    a = analyze_program(f"conv {channels} k{kernel} p{half}{nb}", (channels, h, w), f"{kernel}x{kernel}")
    b = analyze_program(
        f"conv {channels} k1x{kernel} p0x{half}{nb} > conv {channels} k{kernel}x1 p{half}x0{nb}",
        (channels, h, w),
        "factorized",
    )
    notes = ["weights only (no biases), as the lectures count them" if not bias else "biases included"]
    pairs = channels * channels
    pa, pb = a.report.totals.params, b.report.totals.params
    if not bias and pa % pairs == 0 and pb % pairs == 0:
        k = kernel
        notes.insert(
            0, f"per input-output channel pair: {k}·{k} = {pa // pairs} vs 1·{k} + {k}·1 = {pb // pairs}"
        )
    return _compare(
        f"{kernel}x{kernel} vs 1x{kernel} + {kernel}x1 (factorized), "
        f"{plural(channels, 'channel')} in and out",
        a,
        f"one {kernel}x{kernel}",
        b,
        f"1x{kernel} then {kernel}x1",
        channels,
        channels,
        notes=notes,
        verbose=verbose,
    )


def bottleneck(
    c_in: int,
    reduce: int,
    c_out: int,
    kernel: int = 3,
    size: str = "28",
    bias: bool = False,
    verbose: bool = False,
) -> Alternatives:
    """``calc bottleneck --in 192 --reduce 64 --out 256 -k 3``: GoogLeNet's 1x1 reduction."""
    h, w = spatial(size)
    nb = "" if bias else " nobias"
    pad = (kernel - 1) // 2
    a = analyze_program(f"conv {c_out} k{kernel} p{pad}{nb} > relu", (c_in, h, w), "direct")
    b = analyze_program(
        f"conv {reduce} k1{nb} > relu > conv {c_out} k{kernel} p{pad}{nb} > relu", (c_in, h, w), "reduced"
    )
    notes = ["weights only (no biases), as the lectures count them" if not bias else "biases included"]
    notes.append(
        f"the input side is --in: {plural(c_in, 'channel')} come in, {c_out} go out "
        f"({c_in} → {reduce} → {c_out})"
    )
    if c_in != c_out:
        flipped = analyze_program(
            f"conv {reduce} k1{nb} > relu > conv {c_in} k{kernel} p{pad}{nb} > relu", (c_out, h, w), "flipped"
        )
        notes.append(
            f"read the other way round ({c_out} → {reduce} → {c_in}: --in {c_out} --out {c_in}), "
            f"B would be {_working(flipped, None)}"
        )
    return _compare(
        f"{kernel}x{kernel} convolution {c_in} → {plural(c_out, 'channel')}, directly or after a 1x1 "
        f"reduction to {reduce}",
        a,
        f"{kernel}x{kernel} directly",
        b,
        f"1x1 to {reduce}, then {kernel}x{kernel}",
        c_in,
        c_out,
        notes=notes,
        verbose=verbose,
    )


# -- efficient blocks and heads ----------------------------------------------------------------
def separable(
    kernel: int = 3,
    c_in: int = 64,
    c_out: int = 128,
    size: str = "56",
    bias: bool = False,
    verbose: bool = False,
) -> Alternatives:
    """``calc separable -k 3 --in 64 --out 128``: a standard KxK convolution against MobileNet's
    depthwise KxK (one filter per channel, groups = C_in) followed by a 1x1 pointwise one. The
    ratio of their weights (and MACs) is 1/C_out + 1/K², worked from the two counts."""
    h, w = spatial(size)
    nb = "" if bias else " nobias"
    pad = (kernel - 1) // 2
    a = analyze_program(f"conv {c_out} k{kernel} p{pad}{nb} > relu", (c_in, h, w), "standard")
    b = analyze_program(
        f"conv {c_in} k{kernel} p{pad} g{c_in}{nb} > relu > conv {c_out} k1{nb} > relu",
        (c_in, h, w),
        "separable",
    )
    notes = ["weights only (no biases), as the lectures count them" if not bias else "biases included"]
    if not bias:
        pa, pb = a.report.totals.params, b.report.totals.params
        k2 = kernel * kernel
        exact = Fraction(pb, pa)
        assert exact == Fraction(1, c_out) + Fraction(1, k2)  # the closed form is the counts' ratio
        notes.insert(
            0,
            f"B/A = (K·K·C_in + C_in·C_out)/(K·K·C_in·C_out) = 1/C_out + 1/K² = 1/{c_out} + 1/{k2} "
            f"= {exact.numerator}/{exact.denominator} ≈ {float(exact):.3f}: "
            f"about {float(1 / exact):.1f}× fewer",
        )
    return _compare(
        f"Standard {kernel}x{kernel} convolution vs depthwise-separable, {c_in} → {plural(c_out, 'channel')}",
        a,
        f"standard {kernel}x{kernel}",
        b,
        f"depthwise {kernel}x{kernel} (groups {c_in}), then pointwise 1x1",
        c_in,
        c_out,
        notes=notes,
        verbose=verbose,
    )


def head(shape: str, classes: int = 1000, layout: str = "chw", verbose: bool = False) -> Alternatives:
    """``calc head 512x7x7 --classes 1000``: a dense classifier on the flattened map (VGG)
    against global average pooling then a dense layer (NiN, GoogLeNet, ResNet): parameters of
    each, with biases (the layers as the papers build them), and their ratio."""
    if layout not in LAYOUTS:
        raise CnnarchError(f"--layout {layout!r} is not a layout", "use chw (C x H x W) or hwc (H x W x C)")
    parts = re.split(r"\s*[xX×]\s*", shape.strip())
    name = "CxHxW" if layout == "chw" else "HxWxC"
    if len(parts) != 3 or not all(p.isdigit() and int(p) >= 1 for p in parts):
        raise CnnarchError(f"{shape!r} is not {name}", f"give the map as {name}, e.g. 512x7x7")
    x, y, z = (int(p) for p in parts)
    c, h, w = (x, y, z) if layout == "chw" else (z, x, y)
    a = analyze_program(f"flatten > fc {classes}", (c, h, w), "dense")
    b = analyze_program(f"gap > flatten > fc {classes}", (c, h, w), "gap")
    pa, pb = a.report.totals.params, b.report.totals.params
    flat = c * h * w
    steps = [
        Step(
            "Parameters?",
            f"{count(pa)} vs {count(pb)}",
            value=[pa, pb],
            working=(
                f"A: (C·H·W)·N + N = {c}·{h}·{w}·{classes} + {classes} = {count(flat * classes)} + "
                f"{count(classes)} = {count(pa)}; B: C·N + N = {c}·{classes} + {classes} = {count(pb)}"
            ),
            notes=[f"A/B = {count(pa)}/{count(pb)} ≈ {pa / pb:.1f}: the GAP head has {pa / pb:.1f}× fewer"],
        ),
        Step(
            "Output shape?",
            f"{lecture_shape(a.report.output_shape)} vs {lecture_shape(b.report.output_shape)}",
            value=[a.report.output_shape, b.report.output_shape],
        ),
    ]
    candidates = [
        Candidate("flatten, then dense", a.program, a.explanation),
        Candidate("global average pooling, then dense", b.program, b.explanation),
    ]
    notes = [
        f"{shape.strip()} read as {name}: C = {c}, H = {h}, W = {w}; "
        "biases included, as the papers' heads have them"
    ]
    return Alternatives(
        f"Classifier head on a {c}-channel {h}x{w} map, {classes:,} classes: dense vs GAP",
        candidates,
        steps,
        notes,
        details=verbose,
    )


DTYPE_BYTES = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1}


def memory(
    shape: str, dtype: str = "fp32", batch: int = 1, params: int | None = None, fits: str | None = None
) -> Alternatives:
    """``calc memory 96x55x55 --dtype fp16 --batch 32 [--params 34944] [--fits 8GiB]``: the bytes
    of a feature map (C x H x W) for a batch, and of parameters, in one number type; with
    ``fits``, whether both fit in that much memory and the largest batch that does."""
    if dtype not in DTYPE_BYTES:
        raise CnnarchError(f"--dtype {dtype!r} is not a number type", f"use one of: {', '.join(DTYPE_BYTES)}")
    if batch < 1:
        raise CnnarchError(f"--batch {batch} must be at least 1")
    parts = re.split(r"\s*[xX×]\s*", shape.strip())
    if not parts or not all(p.isdigit() and int(p) >= 1 for p in parts):
        raise CnnarchError(f"{shape!r} is not a shape", "give it as CxHxW (e.g. 96x55x55) or a count (4096)")
    dims = [int(p) for p in parts]
    itemsize = DTYPE_BYTES[dtype]
    values = batch
    for d in dims:
        values *= d
    letters = {3: "B·C·H·W", 1: "B·N"}.get(len(dims), "B·" + "·".join(f"d{i}" for i in range(len(dims))))
    factors = "·".join(str(n) for n in (batch, *dims, itemsize))
    unit = "" if itemsize == 1 else "s"
    nbytes = values * itemsize
    steps = [
        Step(
            "Activation memory?",
            f"{count(nbytes)} bytes ({_binary(nbytes)})",
            value=nbytes,
            working=f"{letters}·bytes = {factors} = {count(nbytes)} bytes ({_binary(nbytes)})",
            notes=[f"{dtype}: {itemsize} byte{unit} a value; {count(values)} values"],
        )
    ]
    if params is not None:
        total = params * itemsize
        steps.append(
            Step(
                "Parameter memory?",
                f"{count(total)} bytes ({_binary(total)})",
                value=total,
                working=f"parameters·bytes = {params}·{itemsize} = {count(total)} bytes ({_binary(total)})",
                notes=["the model's size on disk in this type (plus a small header)"],
            )
        )
    if fits is not None:
        steps.append(_fits_step(fits, nbytes, batch, (params or 0) * itemsize))
    return Alternatives(f"Memory of {shape.strip()} in {dtype}, batch {batch}", [], steps)


_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}


def _fits_step(limit_text: str, activations: int, batch: int, weights: int) -> Step:
    """``Fits in 8 GiB?``: activations + parameters against the limit, and the largest batch."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)\s*", limit_text.lower())
    if match is None:
        raise CnnarchError(
            f"--fits {limit_text!r} is not an amount of memory", "e.g. --fits 8GiB or --fits 16GB"
        )
    amount, unit = match.groups()
    limit = int(Fraction(amount) * _UNITS[unit])
    unit_name = {"kib": "KiB", "mib": "MiB", "gib": "GiB"}.get(unit, unit.upper())
    power = {
        "b": "",
        "kb": "·10³",
        "mb": "·10⁶",
        "gb": "·10⁹",
        "kib": "·1024",
        "mib": "·1024²",
        "gib": "·1024³",
    }
    need = activations + weights
    verdict = "yes" if need <= limit else "no"
    per_sample = activations // batch
    # without parameters the sum and the subtraction below have one term: no "N = N", no "− 0"
    total = f"{count(activations)} + {count(weights)} = {count(need)}" if weights else count(need)
    compared = (
        f"{total} bytes {'≤' if need <= limit else '>'} {amount}{power[unit]} = "
        f"{count(limit)} bytes: {verdict}"
    )
    if weights >= limit:  # no batch fits: a floor of a negative number is not a batch size
        answer = "no: the weights alone exceed the budget, no batch fits"
        relation = "exceed" if weights > limit else "fill"
        working = f"{compared}; the weights alone, {count(weights)} bytes, {relation} it: no batch fits"
    else:
        largest = (limit - weights) // per_sample
        answer = f"{verdict}: largest batch {count(largest)}"
        room = f"({count(limit)} − {count(weights)})" if weights else count(limit)
        working = f"{compared}; largest batch = ⌊{room}/{count(per_sample)}⌋ = {count(largest)}"
        if largest == 0:
            answer = "no: not even a batch of 1 fits"
            working += ": not even a batch of 1 fits"
    return Step(
        f"Fits in {amount} {unit_name}?",
        answer,
        value=need <= limit,
        working=working,
        notes=[
            f"this feature map{' and the parameters' if weights else ''} only: a network holds more at "
            "its peak (summary --memory)"
        ],
    )


def _binary(n: int) -> str:
    """``1.11 MiB``: bytes in binary units, as memory is sold."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} TiB"


# -- detection heads ---------------------------------------------------------------------------
SSD300_MAPS = "38,19,10,5,3,1"
SSD300_BOXES = "4,6,6,6,4,4"
"""SSD300 (Liu et al. 2016, VGG-16 base): conv4_3, fc7, conv8_2 ... conv11_2 and the default
boxes at each of their locations (Section 2.2, Fig. 2: 8,732 in all)."""


def _int_list(text: str, what: str) -> list[str]:
    parts = [p.strip().lower() for p in text.split(",") if p.strip()]
    if not parts:
        raise CnnarchError(f"{what} {text!r} is empty", "e.g. --maps 38,19,10,5,3,1")
    for p in parts:
        size_text(p, what)
    return parts


def anchors(
    maps: str = SSD300_MAPS,
    boxes: str | None = SSD300_BOXES,
    scales: int | None = None,
    ratios: int | None = None,
    roi: int | None = None,
    channels: int = 512,
) -> Alternatives:
    """``calc anchors``: default boxes (SSD) or anchors (Faster R-CNN's RPN) of a detection
    head, Σ H_k·W_k·b_k over its feature maps, where b_k boxes sit at each location (``scales``
    × ``ratios`` of them for an RPN). ``roi``: the RoI pooling output per region, roi x roi x
    ``channels``, which the first dense layer of a Faster R-CNN head takes."""
    sizes = [spatial(m, "--maps") for m in _int_list(maps, "--maps")]
    steps = []
    if scales is not None or ratios is not None:
        if scales is None or ratios is None or scales < 1 or ratios < 1:
            raise CnnarchError(
                "--scales and --ratios go together", "e.g. --scales 3 --ratios 3 (Faster R-CNN)"
            )
        per = [scales * ratios] * len(sizes)
        steps.append(
            Step(
                "Boxes per location?",
                str(per[0]),
                "scales × aspect ratios",
                f"{scales} × {ratios}",
                per[0],
                ["an RPN predicts 2 objectness scores and 4 box offsets for each of them"],
            )
        )
    else:
        per = [int(b) for b in _int_list(boxes or "", "--boxes")]
        if len(per) == 1:
            per = per * len(sizes)
        if len(per) != len(sizes):
            raise CnnarchError(
                f"--boxes gives {len(per)} counts for {len(sizes)} feature maps",
                "give one per map, or one for all",
            )
    terms = [h * w * b for (h, w), b in zip(sizes, per, strict=True)]
    total = sum(terms)
    sub = " + ".join(f"{h}·{w}·{b}" for (h, w), b in zip(sizes, per, strict=True))
    working = f"Σ H_k·W_k·b_k = {sub}" + (
        f" = {' + '.join(count(t) for t in terms)}" if len(terms) > 1 else ""
    )
    listed = ", ".join(f"{h}x{w}" for h, w in sizes)
    counts = ", ".join(str(x) for x in per)
    notes = [f"feature maps {listed}; boxes per location {counts}"] if len(sizes) > 1 else []
    steps.append(
        Step("Boxes?", count(total), value=total, working=f"{working} = {count(total)}", notes=notes)
    )
    if roi is not None:
        if roi < 1:
            raise CnnarchError(f"--roi {roi} must be at least 1", "e.g. --roi 7 (Faster R-CNN on VGG-16)")
        values = roi * roi * channels
        steps.append(
            Step(
                "RoI pooling output?",
                f"{count(values)} values per region",
                "H_roi·W_roi·C",
                f"{roi}·{roi}·{channels}",
                values,
                [f"each region, whatever its size, is max-pooled to {roi}x{roi}x{channels}"],
            )
        )
    title = "Default boxes of a detection head" if scales is None else "Anchors of a region proposal network"
    return Alternatives(title, [], steps)


def group(
    c_in: int = 240,
    c_out: int = 240,
    groups: int = 3,
    kernel: int = 1,
    size: str = "28",
    bias: bool = False,
    verbose: bool = False,
) -> Alternatives:
    """``calc group --in 240 --out 240 -g 3``: a convolution against the same one in ``groups``
    groups followed by a channel shuffle (ShuffleNet): each filter sees C_in/g channels, so
    weights and MACs are 1/g of the full one's; the shuffle costs nothing and lets the next
    grouped layer see every group."""
    if c_in % groups or c_out % groups:
        raise CnnarchError(
            f"-g {groups} must divide --in ({c_in}) and --out ({c_out})", "e.g. --in 240 --out 240 -g 3"
        )
    h, w = spatial(size)
    nb = "" if bias else " nobias"
    pad = (kernel - 1) // 2
    a = analyze_program(f"conv {c_out} k{kernel} p{pad}{nb}", (c_in, h, w), "full")
    b = analyze_program(
        f"conv {c_out} k{kernel} p{pad} g{groups}{nb} > shuffle {groups}", (c_in, h, w), "grouped"
    )
    notes = ["weights only (no biases), as the lectures count them" if not bias else "biases included"]
    if not bias:
        notes.insert(0, f"B/A = (C_in/g)/C_in = 1/g = 1/{groups}: each filter sees {c_in}/{groups} channels")
    notes.append("the shuffle has no parameters and no MACs: it interleaves the groups' channels")
    return _compare(
        f"{kernel}x{kernel} convolution {c_in} → {c_out} channels, whole or in {groups} groups "
        "with a shuffle",
        a,
        f"one {kernel}x{kernel} over all channels",
        b,
        f"{groups} groups, then shuffle {groups}",
        c_in,
        c_out,
        notes=notes,
        verbose=verbose,
    )


def fire(
    c_in: int = 96,
    squeeze: int = 16,
    expand1: int = 64,
    expand3: int = 64,
    size: str = "55",
    bias: bool = False,
    verbose: bool = False,
) -> Alternatives:
    """``calc fire --in 96 --squeeze 16 --expand 64,64``: SqueezeNet's fire module (a 1x1
    squeeze, then 1x1 and 3x3 expands side by side, concatenated) against one 3x3 convolution
    with the same channels in and out. Each part is analysed as its own layer list."""
    h, w = spatial(size)
    nb = "" if bias else " nobias"
    out = expand1 + expand3
    plain = analyze_program(f"conv {out} k3 p1{nb} > relu", (c_in, h, w), "3x3")
    parts = [
        ("squeeze 1x1", analyze_program(f"conv {squeeze} k1{nb} > relu", (c_in, h, w), "squeeze")),
        ("expand 1x1", analyze_program(f"conv {expand1} k1{nb} > relu", (squeeze, h, w), "expand1x1")),
        ("expand 3x3", analyze_program(f"conv {expand3} k3 p1{nb} > relu", (squeeze, h, w), "expand3x3")),
    ]
    pa = plain.report.totals.params
    pb = sum(p.report.totals.params for _, p in parts)
    ma = plain.report.totals.macs
    mb = sum(p.report.totals.macs for _, p in parts)
    b_work = " + ".join(_working(p, None).partition(" = ")[0] for _, p in parts)
    b_sums = " + ".join(count(p.report.totals.params) for _, p in parts)
    steps = [
        Step(
            "Output channels?",
            str(out),
            "e_1x1 + e_3x3 (concatenated)",
            f"{expand1} + {expand3}",
            out,
            [f"both expands keep {h}x{w} (the 3x3 is padded by 1), so they concatenate"],
        ),
        Step(
            "Weights?" if not bias else "Parameters?",
            f"{count(pa)} vs {count(pb)}",
            value=[pa, pb],
            working=f"A: {_working(plain, None)}; fire (B + C + D): {b_work} = {b_sums} = {count(pb)}",
            notes=[_ratio(pa, pb).replace("B/A", "fire/A", 1)],
        ),
        Step(
            f"MACs at {lecture_shape(plain.report.input_shape)}?",
            f"{count(ma)} vs {count(mb)}",
            value=[ma, mb],
            notes=[_ratio(ma, mb).replace("B/A", "fire/A", 1)],
        ),
    ]
    candidates = [Candidate("one 3x3", plain.program, plain.explanation)]
    candidates += [Candidate(f"fire: {label}", p.program, p.explanation) for label, p in parts]
    notes = ["weights only (no biases), as the lectures count them" if not bias else "biases included"]
    return Alternatives(
        f"SqueezeNet fire module {c_in} → {squeeze} → {expand1} + {expand3} vs one 3x3 convolution "
        f"{c_in} → {out}",
        candidates,
        steps,
        notes,
        details=verbose,
    )


def residual(
    c_in: int = 256,
    width: int = 64,
    expansion: int = 4,
    size: str = "56",
    bias: bool = False,
    verbose: bool = False,
) -> Alternatives:
    """``calc residual --in 256 --width 64 --expansion 4``: ResNet's bottleneck block (1x1 down to
    the width, 3x3, 1x1 up to width·expansion) against the basic block's two 3x3 convolutions at
    the same channels. The identity shortcut adds no weights (the block keeps its shape)."""
    out = width * expansion
    if out != c_in:
        raise CnnarchError(
            f"width·expansion = {width}·{expansion} = {out} is not --in {c_in}",
            "an identity shortcut keeps the channels: e.g. --in 256 --width 64 --expansion 4",
        )
    h, w = spatial(size)
    nb = "" if bias else " nobias"
    basic = analyze_program(
        f"conv {c_in} k3 p1{nb} > relu > conv {c_in} k3 p1{nb} > relu", (c_in, h, w), "basic"
    )
    bottle = analyze_program(
        f"conv {width} k1{nb} > relu > conv {width} k3 p1{nb} > relu > conv {out} k1{nb} > relu",
        (c_in, h, w),
        "bottleneck",
    )
    notes = [
        f"out = width·expansion = {width}·{expansion} = {out}: the 1x1s squeeze to {width} and expand back",
        "the identity shortcut has no weights; batch norm's scale and shift are left out, as the lectures do",
        "weights only (no biases), as the lectures count them" if not bias else "biases included",
    ]
    return _compare(
        f"ResNet blocks at {plural(c_in, 'channel')}: basic (two 3x3) vs bottleneck "
        f"(1x1 {width}, 3x3 {width}, 1x1 {out})",
        basic,
        "basic block, two 3x3",
        bottle,
        f"bottleneck 1x1–3x3–1x1, expansion {expansion}",
        c_in,
        c_in,
        notes=notes,
        verbose=verbose,
    )
