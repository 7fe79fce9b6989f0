"""Everything cnnarch knows about an operation, one record per family (torch-free).

The engine (the tracer, the analyses, ``explain``) knows no operation by name: it looks the
op's record up by its ATen packet and reads the fields it needs. Modelled on torch's
``utils/flop_counter.py`` (``register_flop_formula``) and fvcore's op table.

The record, ``OpFamily`` (``cnnarch.ops.record``)::

    name              "convolution", "max_pool", "matrix_product" ...
    category          the kind of work ("conv", "linear", "pool" ...; see Category)
    packets           the ATen ops it covers: ("aten.convolution", "aten._convolution", ...)
    receptive_field   how the field passes through it ("window", "merge", "view" ...; RFRule)
    window(op, t)     its sliding window (Window: kind, kernel, stride, padding, dilation, N-d)
    macs(op, t)       multiply-accumulates; bias(op, t): fused bias additions
    mac_terms(op, t)  the worked factors of macs: [("H_out", 55), ("F", 11), ...]
    param_terms(op, t, tensor)  the worked factors of one of its parameters: [("F", 11), ...]
    check(op, t)      a Mismatch when the input cannot fit the op (channels, dense features)
    refine(op)        a more specific record from the arguments (transposed convolution)
    titles, symbols   how a worked answer names it ("Conv", "Max pool", "Addition") and the sign
                      between an element-wise op's inputs ("+"), by packet ("*": all of them)
    meta              shape shortcuts by overload (``convolution.default``): the output on the
                      meta device, or NotImplemented; ``cnnarch.ops.aten.SHORTCUTS`` collects
                      them for the tracer, and they import torch only when they run

``op`` is a traced ``OpRecord`` and ``t`` the ``Trace`` (anything with ``tensor(ref)``).
Lookups: ``family_of(op)``, ``BY_PACKET[packet]``, ``FAMILIES[name]``, ``category(op)``,
``window(op, t)``, ``macs(op, t)``, ``bias_elements(op, t)``, ``mac_terms(op, t)``,
``title(op)``, ``merge_wording(packet)`` (a record's ``check`` runs in
``analysis.checks.ShapeChecks``); an op without a record is
*unknown*, and every analysis lists it by name instead of counting it as zero.

The formulas on plain numbers, for answers without a trace (``cnnarch calc``):

- ``cnnarch.ops.window``: ``Window``, ``output_length(w, size, axis)`` (an int),
  ``output_size(w, size, axis, "H")`` (an ``AxisFormula`` with the working:
  ``(227 − 11 + 2·0)/4 + 1 = 55``), ``output_sizes``, ``describe_window``,
  ``adaptive_bounds``; 1-D, 2-D and 3-D alike (axes L; H, W; D, H, W);
- ``cnnarch.ops.receptive``: ``AxisRF(size, jump, start)``, ``window_axis(rf, w, i)``,
  ``collapse_axis``, ``adaptive_axis``, ``resample_axis``, ``resample_ratio``;
- ``cnnarch.ops.convolution``: ``parameters(kernel, c_in, c_out, groups, bias)`` and
  ``multiply_accumulates(positions, kernel, c_in, c_out, groups, batch)``;
  ``cnnarch.ops.matmul``: ``dense_parameters``, ``dense_macs``. The records' ``macs`` read a
  traced op's shapes and call these.

Adding an op: add an ``OpFamily`` to the module of its kind (``register(OpFamily(...))``) with
its packets and the fields that apply, and test it; nothing else changes (see
``tests/test_ops_registry.py``). Importing this package does not import torch.
"""

from __future__ import annotations

from cnnarch.ops import (  # noqa: F401  (each module registers its records)
    convolution,
    creation,
    elementwise,
    layout,
    matmul,
    normalization,
    pooling,
    resample,
)
from cnnarch.ops.record import (
    BY_PACKET,
    CATEGORY,
    FAMILIES,
    Category,
    Mismatch,
    OpFamily,
    RFRule,
    Term,
    bias_elements,
    category,
    family_of,
    get,
    mac_terms,
    macs,
    merge_wording,
    param_terms,
    register,
    registered,
    short_name,
    title,
    unregister,
    window,
)
from cnnarch.ops.window import Window, expand

__all__ = [
    "BY_PACKET",
    "CATEGORY",
    "FAMILIES",
    "Category",
    "Mismatch",
    "OpFamily",
    "RFRule",
    "Term",
    "Window",
    "bias_elements",
    "category",
    "expand",
    "family_of",
    "get",
    "mac_terms",
    "macs",
    "merge_wording",
    "param_terms",
    "register",
    "registered",
    "short_name",
    "title",
    "unregister",
    "window",
]
