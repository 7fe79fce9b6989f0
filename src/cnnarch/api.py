"""The library entry point: name (or module) in, ``Analysis`` (and its ``Report``) out. The CLI
and every feature are thin layers over it: model source → trace → analyses → report."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from cnnarch.analysis import conventions
from cnnarch.analysis.checks import ShapeChecks
from cnnarch.analysis.layers import Row, build_rows
from cnnarch.analysis.memory_report import build_memory
from cnnarch.analysis.receptive_field import ReceptiveFields, receptive_fields
from cnnarch.analysis.summary import build_report
from cnnarch.analysis.training_memory import OPTIMIZER_STATE
from cnnarch.errors import CnnarchError, ShapeError
from cnnarch.inputs import format_shape
from cnnarch.ops.aten import SHORTCUTS
from cnnarch.report import Report
from cnnarch.sources import Source, resolve_text
from cnnarch.sources.input_shapes import MAX_ELEMENTS, input_specs
from cnnarch.sources.module_object import from_module
from cnnarch.sources.python_file import user_frames
from cnnarch.trace.real import check_fits, estimate_peak
from cnnarch.trace.records import Trace
from cnnarch.trace.tracer import TraceFailure, named_modules, trace_module

DTYPES = {"fp32": torch.float32, "float32": torch.float32, "fp16": torch.float16,
          "float16": torch.float16, "bf16": torch.bfloat16, "bfloat16": torch.bfloat16}  # fmt: skip


def resolve(model: str | nn.Module, **options: Any) -> Source:
    """Build a model on the meta device (no weights allocated, no initialisation work): a
    catalogue name or anything else a resolver in ``cnnarch.sources`` recognises, or a copy of
    a user's module."""
    if isinstance(model, nn.Module):
        return from_module(model)
    return resolve_text(model, options)


def dtype_of(name: str) -> torch.dtype:
    try:
        return DTYPES[name.lower()]
    except KeyError:
        raise CnnarchError(f"unknown dtype {name!r}", "use fp32, fp16 or bf16") from None


InputSize = str | int | tuple[int, ...] | None
"""``227``, ``"227x227"``, ``"3x227x227"``, a (C, H, W) tuple, or None for the model's default."""


def _own_tensors(named: list[tuple[str, nn.Module]]) -> list[torch.Tensor]:
    """Every parameter and buffer of the modules (cheaper than two generators)."""
    return [
        t for _, m in named for table in (m._parameters, m._buffers) for t in table.values() if t is not None
    ]


def trace_source(
    source: Source,
    input_size: InputSize | list[InputSize] = None,
    batch: int | None = 1,
    dtype: str = "fp32",
    training: bool = False,
    mode: str = "eval",
) -> Trace:
    """One traced forward pass on the meta device: the record every analysis reads.

    A list of input sizes feeds a model with several inputs: the first as usual, the others as
    full per-sample shapes with an optional element type (``16:int64``, or ``((16,), torch.int64)``
    in Python). ``batch=None`` adds no batch axis: each shape is the exact tensor shape.
    ``training=True`` traces in training mode with autograd on, recording what autograd saves
    for the backward pass (for the training-memory analysis); ``mode="train"`` runs the layers in
    training mode (a BatchNorm uses the batch's statistics) without autograd."""
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise CnnarchError(f"--batch {batch} must be a whole number of at least 1")
    if mode not in ("eval", "train"):
        raise CnnarchError(f"unknown mode {mode!r}", "use eval or train")
    train = training or mode == "train"
    torch_dtype = dtype_of(dtype)
    specs = input_specs(source, input_size, torch_dtype)
    shape = specs[0][0]
    if source.build_for is not None:
        source.module = source.build_for(shape)
    lead = () if batch is None else (batch,)
    if lead and math.prod(lead + shape) > MAX_ELEMENTS:
        raise CnnarchError(f"--batch {batch} at input {format_shape(shape)} is too large for any machine")
    if source.real is not None:
        return _real_pass(source, specs, lead, torch_dtype, training, train, source.real, [])
    inputs = [torch.empty((*lead, *s), device="meta", dtype=d) for s, d in specs]
    named = named_modules(source.module)
    own = _own_tensors(named)
    if any(isinstance(t, nn.parameter.UninitializedTensorMixin) for t in own):
        try:
            one = (1,) if lead else ()
            _materialize_lazy(
                source.module, [torch.empty((*one, *s), device="meta", dtype=d) for s, d in specs]
            )
        except TraceFailure as failure:
            raise _explain(failure, source, shape) from failure
        named = named_modules(source.module)
        own = _own_tensors(named)
    if any(t.dtype != torch_dtype for t in own if t.is_floating_point()):
        source.module.to(torch_dtype)  # a few ms for a large model: only when a dtype changes
    checks = ShapeChecks(source.default_input)
    try:
        try:  # device="meta": tensors the model creates go there (cheaper than torch.device("meta"))
            trace = trace_module(
                source.module, inputs, source.name, check=checks, shortcuts=SHORTCUTS,
                grad=training, train=train, device="meta", functions=conventions.FUNCTIONS_READ,
                modules=named,
            )  # fmt: skip
        except TraceFailure:  # let PyTorch's own kernels decide (and explain) what failed
            with torch.device("meta"):
                trace = trace_module(
                    source.module, inputs, source.name, check=checks, grad=training, train=train,
                    functions=conventions.FUNCTIONS_READ, modules=named,
                )  # fmt: skip
        trace.notes.extend(source.notes)
        return trace
    except TraceFailure as failure:
        if not needs_real_data(failure.error) or source.factory is None:
            raise _explain(failure, source, shape) from failure
        reason = str(failure.error).strip().splitlines()[0].split(". ")[0]
        seen = failure.tensors
    # An operation whose output shape depends on the data cannot run on the meta device.
    return _real_pass(source, specs, lead, torch_dtype, training, train, reason, seen)


def _real_pass(
    source: Source,
    specs: list[tuple[tuple[int, ...], torch.dtype]],
    lead: tuple[int, ...],
    torch_dtype: torch.dtype,
    grad: bool,
    train: bool,
    reason: str,
    seen: list[Any],
) -> Trace:
    """The trace of a real CPU forward pass, where the estimated peak memory allows one."""
    shape = specs[0][0]
    real_specs = [((*lead, *s), d) for s, d in specs]
    check_fits(source.name, estimate_peak(source.module, real_specs, seen), reason)
    factory = source.factory
    assert factory is not None
    with torch.device("cpu"):
        module = factory().to(torch_dtype)
    real = [
        torch.randn(s, dtype=d) if d.is_floating_point else torch.zeros(s, dtype=d) for s, d in real_specs
    ]
    try:
        trace = trace_module(
            module, real, source.name, check=ShapeChecks(source.default_input), grad=grad, train=train,
            functions=conventions.FUNCTIONS_READ,
        )  # fmt: skip
    except TraceFailure as failure:
        raise _explain(failure, source, shape) from failure
    trace.notes.extend(source.notes)
    trace.notes.append(
        f"{source.name}: {reason} (at {format_shape(shape)})"
        if source.real is not None
        else f"{source.name} cannot run on the meta device ({reason}): analysed with a real CPU forward "
        f"pass at {format_shape(shape)} instead"
    )
    return trace


_META_LIMITS = (
    "meta tensor", "'meta' backend", "meta backend", "data-dependent", "data dependent", "item()",
    "expected device meta",  # a tensor the model makes on the CPU meets the meta ones (SSD's anchors)
)  # fmt: skip


def _materialize_lazy(module: nn.Module, inputs: list[torch.Tensor]) -> None:
    """``nn.LazyLinear`` and friends get their shapes from a first forward pass: run one on the
    meta device (with the input's dtype) before the recorded one."""
    module.to(inputs[0].dtype if inputs[0].is_floating_point() else torch.float32)
    with torch.device("meta"), torch.no_grad():
        try:
            module(*inputs)
        except Exception as error:  # reported like any other failure of the model
            raise TraceFailure(error, None, None) from error


def needs_real_data(error: BaseException) -> bool:
    """Whether a trace failed because an operation needs real values (``nonzero``, ``.item()``)."""
    text = str(error).lower()
    if isinstance(error, NotImplementedError):
        return True
    return isinstance(error, RuntimeError) and any(m in text for m in _META_LIMITS)


def _explain(failure: TraceFailure, source: Source, shape: tuple[int, ...]) -> CnnarchError:
    where = f"{failure.call.path or source.name} ({failure.call.type})" if failure.call else source.name
    message = str(failure.error).strip()
    first_line = message.splitlines()[0] if message else type(failure.error).__name__
    if not isinstance(failure.error, Exception):  # the model's code called sys.exit() or the like
        first_line = f"{type(failure.error).__name__}: {first_line}"
    details = user_frames(failure.error, source.user_file) if source.user_file is not None else None
    hint = None
    if isinstance(failure.error, TypeError) and "required positional argument" in first_line:
        hint = "give each of the model's inputs with its own --input, e.g. --input 3x224x224 --input 16:int64"
    return ShapeError(
        f"{source.name} cannot run on input {format_shape(shape)}: {where} failed: {first_line}",
        hint,
        details=details or None,
    )


@dataclass
class Analysis:
    """One model traced once and everything derived from it: what every feature reads.

    ``report`` is the plain data renderers, caches and JSON read (``Report.to_data`` /
    ``Report.from_data``); ``trace``, ``rows`` and ``receptive_fields`` are the records behind
    it, for features that show the working (``explain``) or run other rules on the same trace
    (``flops``)."""

    source: Source
    trace: Trace
    rows: list[Row]
    """The report's rows (``build_rows(trace, depth)``), one per ``report.layers`` entry."""
    op_row: dict[int, int]
    """Operation index → its row's index."""
    receptive_fields: ReceptiveFields
    report: Report
    depth: int | None = None
    """Rows group the layers below this module depth (None: one row per layer)."""


def check_options(dtype: str = "fp32", optimizer: str | None = "adam", convention: str = "macs") -> None:
    """Fail on an unknown dtype, optimizer or convention before any work."""
    dtype_of(dtype)
    if optimizer is not None and optimizer not in OPTIMIZER_STATE:
        raise CnnarchError(f"unknown optimizer {optimizer!r}", f"use one of: {', '.join(OPTIMIZER_STATE)}")
    conventions.get(convention)


def analysis_of(
    model: str | nn.Module | Source,
    input_size: InputSize | list[InputSize] = None,
    *,
    batch: int | None = 1,
    depth: int | None = None,
    dtype: str = "fp32",
    memory: bool = False,
    optimizer: str | None = "adam",
    convention: str = "macs",
    mode: str = "eval",
    freeze: str | None = None,
    **options: Any,
) -> Analysis:
    """Resolve ``model``, trace it once and analyse the trace: the one pipeline every feature
    runs (``analyze`` returns its report). ``model`` may also be a ``Source`` already built (a
    calculator's layer list). ``memory=True`` with ``optimizer=None`` gives the inference
    memory only (no second, training-mode trace). ``freeze``: transfer learning, the
    parameters up to that layer frozen (``cnnarch.freeze``)."""
    check_options(dtype, optimizer, convention)
    source = model if isinstance(model, Source) else resolve(model, **options)
    if freeze is not None:
        _freeze_source(source, freeze)
    trace = trace_source(source, input_size, batch, dtype, mode=mode)
    rows, op_row = build_rows(trace, depth)
    rfs = receptive_fields(trace)
    report = build_report(
        trace,
        depth,
        source=source.spec.source if source.spec else None,
        convention=convention,
        grouped=(rows, op_row),
        rfs=rfs,
    )
    report.totals.masked_weights = source.masked_weights
    if memory:
        training = None
        if optimizer is not None:
            training = trace_source(source, input_size, batch, dtype, training=True)
        report.memory = build_memory(report, training, optimizer or "adam", batch=batch)
    if freeze is not None:
        report.notes.append(freeze_note(report, freeze, optimizer or "sgd"))
    return Analysis(source, trace, rows, op_row, rfs, report, depth)


def freeze_note(report: Report, upto: str, optimizer: str) -> str:
    """What freezing changes, in numbers: the frozen share and the training memory it saves."""
    t = report.totals
    share = f"{t.frozen_params:,} of {t.params:,} parameters frozen (up to {upto})"
    share += f", {t.trainable_params:,} trainable"
    if t.params == 0:
        return share
    frozen_bytes = t.param_bytes * t.frozen_params // t.params
    copies = 1 + OPTIMIZER_STATE[optimizer]
    return (
        f"{share}; a training step keeps no gradient or {optimizer} state for them: "
        f"{copies}·{frozen_bytes:,} = {copies * frozen_bytes:,} bytes saved, and no activations before "
        "the first trainable layer"
    )


def _freeze_source(source: Source, upto: str) -> None:
    """Freeze the source's module now, and any module it rebuilds: for an input shape, or
    afresh for a real CPU pass (data-dependent and TorchScript models)."""
    from cnnarch.freeze import freeze

    if source.factory is not None:
        make = source.factory

        def frozen_factory() -> nn.Module:
            module = make()
            freeze(module, upto)
            return module

        source.factory = frozen_factory
    if source.build_for is None:
        freeze(source.module, upto)
        return
    build = source.build_for

    def frozen(shape: tuple[int, ...]) -> nn.Module:
        module = build(shape)
        freeze(module, upto)
        return module

    source.build_for = frozen


def analyze(
    model: str | nn.Module,
    input_size: InputSize | list[InputSize] = None,
    *,
    batch: int | None = 1,
    depth: int | None = None,
    dtype: str = "fp32",
    memory: bool = False,
    optimizer: str | None = "adam",
    convention: str = "macs",
    mode: str = "eval",
    **options: Any,
) -> Report:
    """Trace ``model`` once and return its layer-by-layer report.

    ``model`` is a catalogue name (``"alexnet"``) or an ``nn.Module``; ``input_size`` is
    ``227``, ``"227x227"``, ``"3x227x227"`` or a tuple (C, H, W); ``options`` are the builder's
    own keywords (``num_classes``, ``in_channels`` ...). ``memory=True`` adds the memory
    breakdown of inference and of a training step with ``optimizer`` (sgd, momentum, adam;
    None: inference only). ``convention`` (macs, flops, fvcore, thop, ptflops, torchinfo, torch)
    sets what each layer's ``ops_count`` counts (``analysis/conventions.py``). ``mode="train"``
    runs the layers in training mode (a BatchNorm normalises with the batch's statistics, as a
    tool that counts a training forward pass sees it). ``batch=None`` adds no batch axis: each
    input shape is the exact tensor shape (``[(20, 10), (10, 100)]`` for ``a @ b``); an input may
    carry its own type: ``[(3, 224, 224), ((16,), torch.int64)]``.
    """
    return analysis_of(
        model, input_size, batch=batch, depth=depth, dtype=dtype, memory=memory,
        optimizer=optimizer, convention=convention, mode=mode, **options,
    ).report  # fmt: skip
