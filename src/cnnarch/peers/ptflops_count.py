"""ptflops: ``get_model_complexity_info(model, shape, backend='pytorch')`` (module hooks plus
patched functionals; it makes its own input of that shape, batch 1)."""

from __future__ import annotations

import contextlib
import io
import itertools

import torch


def count(model: torch.nn.Module, x: torch.Tensor) -> int:
    from ptflops import get_model_complexity_info

    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        macs, _ = get_model_complexity_info(
            model,
            tuple(x.shape[1:]),
            as_strings=False,
            print_per_layer_stat=False,
            backend="pytorch",
            ost=log,
        )
    if macs is None:  # ptflops prints the exception and returns None
        lines = [line for line in log.getvalue().splitlines() if line.strip()]
        cause = next((b for a, b in itertools.pairwise(lines) if "because of" in a), "unknown")
        raise RuntimeError(f"ptflops failed: {cause.strip()}")
    return int(macs)
