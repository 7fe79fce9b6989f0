"""Question templates, one per topic: each draws a realistic configuration, asks one number, and
takes the answer and its working from the calculator (``cnnarch.calc``, the same engine as
``explain``), so a quiz's key is exactly what ``cnnarch calc`` would print.

Valid by construction: no output collapses, channel counts are the ones networks use, and an
output size whose division is not exact says "PyTorch floors the division" in the question.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import cache
from typing import Any

from cnnarch import calc
from cnnarch.explain.model import LayerAnswer
from cnnarch.explain.notation import count
from cnnarch.quiz.model import Question

CHANNELS = (16, 32, 64, 96, 128, 192, 256, 384, 512)
SIZES = (13, 14, 27, 28, 32, 55, 56, 112, 224, 227)
DTYPES = {"fp32": 4, "fp16": 2, "int8": 1}

Draft = tuple[str, str, int, str, list[str], dict[str, Any]]
"""(difficulty, text, answer, unit, working, network)."""


def _conv_config(rng: random.Random) -> dict[str, Any]:
    """A convolution a network would have, whose output does not collapse."""
    while True:
        k = rng.choice((1, 3, 3, 5, 7, 11))
        s = rng.choice((4,)) if k == 11 else rng.choice((1, 1, 2))
        p = rng.choice((0, (k - 1) // 2, (k - 1) // 2))
        h = rng.choice((112, 224, 227) if k >= 7 else SIZES)  # large kernels see large inputs
        c_in = rng.choice((3,) if k >= 7 else (3, *CHANNELS[:6]))
        groups = rng.choice((1, 1, 1, 2)) if c_in % 2 == 0 and c_in > 3 else 1
        out = (h - k + 2 * p) // s + 1
        if out >= 2:
            filters = rng.choice(CHANNELS)
            return dict(type="conv", in_channels=c_in, out_channels=filters, kernel_size=k, stride=s,
                        padding=p, dilation=1, groups=groups, bias=rng.random() < 0.7, size=h)  # fmt: skip


def _conv_layer(c_in: int, c_out: int, k: int, s: int = 1) -> dict[str, Any]:
    """A convolution without biases, padded to keep the size at stride 1, as PyTorch's arguments."""
    return dict(type="conv", in_channels=c_in, out_channels=c_out, kernel_size=k, stride=s,
                padding=(k - 1) // 2, dilation=1, groups=1, bias=False)  # fmt: skip


def _conv_answer(c: dict[str, Any]) -> LayerAnswer:
    return calc.conv(str(c["size"]), str(c["kernel_size"]), str(c["stride"]), str(c["padding"]), "1",
                     c["groups"], c["in_channels"], c["out_channels"], c["bias"]).layers[0]  # fmt: skip


def _conv_text(c: dict[str, Any]) -> str:
    h, k = c["size"], c["kernel_size"]
    parts = [f"{c['out_channels']} filters {k}×{k}", f"stride {c['stride']}", f"pad {c['padding']}"]
    if c["groups"] > 1:
        parts.append(f"groups {c['groups']}")
    parts.append("with biases" if c["bias"] else "no biases")
    return f"A convolution takes a {h}×{h}×{c['in_channels']} input: " + ", ".join(parts)


def _network(c: dict[str, Any], ask: str, **extra: Any) -> dict[str, Any]:
    layer = {k: v for k, v in c.items() if k != "size"}
    return {"input": [c["in_channels"], c["size"], c["size"]], "layers": [layer], "ask": ask, **extra}


def _difficulty(c: dict[str, Any], inexact: bool) -> str:
    hard = inexact or c["groups"] > 1
    return "hard" if hard else "medium" if c["stride"] > 1 or c["padding"] else "easy"


def conv(rng: random.Random) -> Draft:
    c = _conv_config(rng)
    layer = _conv_answer(c)
    step = layer.step("Output shape?")
    inexact = (c["size"] - c["kernel_size"] + 2 * c["padding"]) % c["stride"] != 0
    floor = " (PyTorch floors the division)" if inexact else ""
    text = f"{_conv_text(c)}. Output height and width{floor}?"
    answer = layer.output_shape[2]
    return (
        _difficulty(c, inexact),
        text,
        answer,
        "pixels",
        [f"{layer.title}: {step.line}"],
        _network(c, "size"),
    )


def pool(rng: random.Random) -> Draft:
    while True:
        k, s = rng.choice(((2, 2), (3, 2), (3, 2), (3, 1), (2, 1)))
        p = rng.choice((0, 0, 1)) if k == 3 else 0
        h, c = rng.choice(SIZES), rng.choice(CHANNELS)
        if (h - k + 2 * p) // s + 1 >= 2:
            break
    layer = calc.pool(str(h), str(k), str(s), str(p), channels=c).layers[0]
    inexact = (h - k + 2 * p) % s != 0
    floor = " (PyTorch floors the division)" if inexact else ""
    text = f"Max pooling {k}×{k}, stride {s}, pad {p} on a {h}×{h}×{c} map. Output height and width{floor}?"
    network = {"input": [c, h, h], "ask": "size",
               "layers": [{"type": "maxpool", "kernel_size": k, "stride": s, "padding": p}]}  # fmt: skip
    working = [f"{layer.title}: {layer.step('Output shape?').line}"]
    return ("medium" if inexact or p else "easy"), text, layer.output_shape[2], "pixels", working, network


def params(rng: random.Random) -> Draft:
    if rng.random() < 0.3:
        n_in = rng.choice((256, 512, 1024, 2048, 4096, 9216, 25088))
        n_out = rng.choice((10, 100, 1000, 4096))
        bias = rng.random() < 0.7
        layer = calc.fc(n_in, n_out, bias).layers[0]
        biases = "with" if bias else "no"
        text = f"A fully connected layer maps {n_in:,} features to {n_out:,}, {biases} biases. Parameters?"
        fc_layer = {"type": "fc", "in_features": n_in, "out_features": n_out, "bias": bias}
        network = {"input": [n_in], "ask": "params", "layers": [fc_layer]}
        step = layer.step("Parameters?")
        return "easy", text, step.value, "parameters", [f"{layer.title}: {step.line}"], network
    c = _conv_config(rng)
    layer = _conv_answer(c)
    step = layer.step("Parameters?")
    working = [f"{layer.title}: {step.line}", *step.notes]
    level = "hard" if c["groups"] > 1 else "easy"
    return level, f"{_conv_text(c)}. Parameters?", step.value, "parameters", working, _network(c, "params")


def macs(rng: random.Random) -> Draft:
    c = _conv_config(rng)
    layer = _conv_answer(c)
    shape, step = layer.step("Output shape?"), layer.step("MACs?")
    working = [f"{layer.title}: {shape.line}", f"MACs: {step.line}"]
    text = f"{_conv_text(c)}. Multiply-accumulates (MACs) for one image?"
    return _difficulty(c, False), text, step.value, "MACs", working, _network(c, "macs")


RF_WORDS = {"conv3": (3, 1), "conv5": (5, 1), "conv7s2": (7, 2), "conv3s2": (3, 2), "pool2": (2, 2),
            "pool3s2": (3, 2)}  # fmt: skip


def rf(rng: random.Random) -> Draft:
    words = [rng.choice(list(RF_WORDS)) for _ in range(rng.randint(2, 5))]
    stack = " ".join(words)
    answer = calc.rf(stack, channels=1)
    step = answer.verdict[0]
    layers = []
    for word in words:
        k, s = RF_WORDS[word]
        if word.startswith("conv"):
            layers.append(_conv_layer(1, 1, k, s))
        else:
            layers.append({"type": "maxpool", "kernel_size": k, "stride": s, "padding": 0})
    strided = sum(1 for w in words if "s" in w[4:] or w.startswith("pool"))
    text = (
        f"Layers {' → '.join(_word(w) for w in words)} (each convolution padded to keep the size). "
        "Receptive field of one output value (pixels along one side)?"
    )
    network = {"input": [1, 224, 224], "layers": layers, "ask": "rf"}
    level = "easy" if strided == 0 else "medium" if strided == 1 else "hard"
    return level, text, int(step.value[0]), "pixels", [step.line], network


def _word(word: str) -> str:
    k, s = RF_WORDS[word]
    kind = "conv" if word.startswith("conv") else "max pool"
    return f"{kind} {k}×{k}" + (f"/{s}" if s > 1 else "")


def memory(rng: random.Random) -> Draft:
    c = _conv_config(rng)
    c["groups"] = 1
    layer = _conv_answer(c)
    dtype = rng.choice(list(DTYPES))
    batch = rng.choice((1, 8, 32, 64))
    itemsize = DTYPES[dtype]
    _, channels, h, w = layer.output_shape
    total = batch * channels * h * w * itemsize
    working = [
        f"{layer.title}: {layer.step('Output shape?').line}",
        f"activations = B·H·W·C·bytes = {batch}·{h}·{w}·{channels}·{itemsize} = {count(total)} bytes "
        f"({dtype}: {itemsize} byte{'s' if itemsize > 1 else ''} a value)",
    ]
    text = f"{_conv_text(c)}. Bytes to hold its output for a batch of {batch} in {dtype}?"
    network = _network(c, "activation_bytes", batch=batch, dtype=dtype)
    return "medium" if batch > 1 else "easy", text, total, "bytes", working, network


def blocks(rng: random.Random) -> Draft:
    kind = rng.choice(("stack", "bottleneck", "separable", "group"))
    if kind == "separable":
        c_in, c_out = rng.choice((32, 64, 128, 256, 512)), rng.choice((64, 128, 256, 512, 1024))
        answer = calc.separable(3, c_in, c_out)
        text = (
            f"MobileNet replaces a 3×3 convolution from {c_in} to {c_out} channels by a depthwise 3×3 "
            f"(one filter per channel) and a pointwise 1×1, no biases. Weights of the two together?"
        )
        depthwise = _conv_layer(c_in, c_in, 3) | {"groups": c_in}
        network = {
            "input": [c_in, 14, 14],
            "layers": [depthwise, _conv_layer(c_in, c_out, 1)],
            "ask": "params",
        }
        step = answer.verdict[0]
        return "medium", text, step.value[1], "weights", [step.line, *answer.notes[:1]], network
    if kind == "group":
        groups = rng.choice((2, 3, 4, 8))
        channels = groups * rng.choice((16, 32, 60, 80))
        answer = calc.group(channels, channels, groups)
        text = (
            f"ShuffleNet: a 1×1 convolution from {channels} to {channels} channels in {groups} groups, "
            "then a channel shuffle, no biases. Weights?"
        )
        network = {"input": [channels, 14, 14], "ask": "params",
                   "layers": [_conv_layer(channels, channels, 1) | {"groups": groups}]}  # fmt: skip
        step = answer.verdict[0]
        return "medium", text, step.value[1], "weights", [step.line, *answer.notes[:1]], network
    if kind == "stack":
        kernel = rng.choice((5, 7))
        channels = rng.choice((64, 128, 256, 512))
        answer = calc.stack(kernel, None, channels)
        n = (kernel - 1) // 2
        text = (
            f"A {kernel}×{kernel} convolution with {channels} channels in and out is replaced by {n} "
            f"stacked 3×3 convolutions ({channels} channels each), no biases. Weights of the stack?"
        )
        layers = [_conv_layer(channels, channels, 3) for _ in range(n)]
        network = {"input": [channels, 28, 28], "layers": layers, "ask": "params"}
    else:
        c_in = rng.choice((192, 256, 480, 512, 832))
        reduce = rng.choice((16, 32, 48, 64, 96, 128))
        c_out = rng.choice((32, 64, 128, 192, 256, 384))
        kernel = rng.choice((3, 5))
        answer = calc.bottleneck(c_in, reduce, c_out, kernel)
        text = (
            f"Inception: a {kernel}×{kernel} convolution from {c_in} to {c_out} channels runs after a 1×1 "
            f"reduction to {reduce} channels, no biases. Weights of the 1×1 and the {kernel}×{kernel} "
            "together?"
        )
        layers = [_conv_layer(c_in, reduce, 1), _conv_layer(reduce, c_out, kernel)]
        network = {"input": [c_in, 28, 28], "layers": layers, "ask": "params"}
    step = answer.verdict[0]
    working = [step.line, *step.notes]
    return "medium", text, step.value[1], "weights", working, network


MODELS = ("alexnet", "vgg16", "zfnet")


def models(rng: random.Random) -> Draft:
    """A convolution of a catalogued network, as its paper has it: the question names the model
    and layer, the numbers come from the traced model, the answer from the calculator."""
    name = rng.choice(MODELS)
    report = _analysis(name).report
    convs = [x for x in report.layers if x.type == "Conv2d" and x.window]
    layer = rng.choice(convs)
    window = _conv_window(name, layer.name)
    c = dict(type="conv", in_channels=layer.input_shapes[0][1], out_channels=layer.output_shape[1],
             size=layer.input_shapes[0][2], bias=True, dilation=1, **window)  # fmt: skip
    answer = _conv_answer(c)
    ask = rng.choice(("size", "params"))
    step = answer.step("Output shape?" if ask == "size" else "Parameters?")
    number = convs.index(layer) + 1
    text = f"{report.model}'s conv{number} ({layer.name}): {_conv_text(c)[len('A convolution ') :]}. "
    text += "Output height and width?" if ask == "size" else "Parameters?"
    value = answer.output_shape[2] if ask == "size" else step.value
    unit = "pixels" if ask == "size" else "parameters"
    network = _network(c, ask, model=name, layer=layer.name)
    return "medium", text, value, unit, [f"{answer.title}: {step.line}", *step.notes], network


def _conv_window(model: str, layer: str) -> dict[str, int]:
    """Kernel, stride, padding and groups of a catalogue model's convolution, from its module."""
    info = _analysis(model).trace.modules[layer].config
    return {
        "kernel_size": int(info["kernel_size"][0]),
        "stride": int(info["stride"][0]),
        "padding": int(info["padding"][0]),
        "groups": int(info.get("groups", 1)),
    }


@cache
def _analysis(model: str) -> Any:
    """The catalogue model traced once per process (the one question type that needs torch)."""
    from cnnarch.api import analysis_of

    return analysis_of(model)


TEMPLATES: dict[str, Callable[[random.Random], Draft]] = {
    "conv": conv, "pool": pool, "params": params, "macs": macs, "rf": rf, "memory": memory, "blocks": blocks,
    "models": models,
}  # fmt: skip


def make(topic: str, number: int, rng: random.Random) -> Question:
    difficulty, text, answer, unit, working, network = TEMPLATES[topic](rng)
    return Question(number, topic, difficulty, text, int(answer), unit, working, network)
