"""Per-layer time from ``torch.profiler``, next to each layer's MACs from the analysis.

Every leaf module's forward is wrapped in a ``record_function`` range named after its path (the
same name the summary's rows carry), so the profiler attributes each operator to its layer.
On CPU a layer's time is its range's wall time; on CUDA it is the GPU time of the kernels
launched inside the range (``device_time_total``). Operations outside leaf modules
(``x + identity``, ``torch.cat`` in a forward) are reported together as "other".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import nn
from torch.autograd import DeviceType
from torch.autograd.profiler import record_function
from torch.profiler import ProfilerActivity, profile

from cnnarch.bench.device import synchronize
from cnnarch.bench.results import LayerBreakdown, LayerTime
from cnnarch.report import Report

PREFIX = "cnnarch.layer:"
FORWARD = "cnnarch.forward"


def _device_time_us(event: object) -> float:
    """GPU time of the kernels launched inside a range: ``device_time_total``, named
    ``cuda_time_total`` in the torch releases before it."""
    found = getattr(event, "device_time_total", None)
    return found if found is not None else getattr(event, "cuda_time_total", 0.0)


def leaf_modules(model: nn.Module) -> dict[str, nn.Module]:
    return {name: m for name, m in model.named_modules() if next(m.children(), None) is None}


@contextmanager
def layer_ranges(model: nn.Module) -> Iterator[None]:
    """Open a profiler range named after each leaf module around its forward."""
    open_ranges: dict[int, list[record_function]] = defaultdict(list)
    handles = []

    def enter(name: str) -> Callable[..., None]:
        def hook(module: nn.Module, args: object) -> None:
            scope = record_function(PREFIX + name)
            scope.__enter__()
            open_ranges[id(module)].append(scope)

        return hook

    def leave(module: nn.Module, args: object, output: object) -> None:
        if open_ranges[id(module)]:
            open_ranges[id(module)].pop().__exit__(None, None, None)

    for name, module in leaf_modules(model).items():
        handles.append(module.register_forward_pre_hook(enter(name or "(model)")))
        handles.append(module.register_forward_hook(leave))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def profile_layers(
    model: nn.Module,
    x: torch.Tensor,
    device: torch.device,
    report: Report,
    iterations: int,
    top_k: int,
) -> LayerBreakdown:
    """Profile ``iterations`` eager forward passes and rank the leaf modules by time."""
    cuda = device.type == "cuda"
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with layer_ranges(model), profile(activities=activities) as prof:
        for _ in range(iterations):
            with record_function(FORWARD):
                model(x)
            synchronize(device)

    times: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    forward_us = 0.0
    for event in prof.events():
        if event.device_type != DeviceType.CPU:
            continue  # the GPU-side copy of a range; its kernels are counted on the CPU range
        if event.name != FORWARD and not event.name.startswith(PREFIX):
            continue
        spent = _device_time_us(event) if cuda else event.cpu_time_total
        if event.name == FORWARD:
            forward_us += spent
        else:
            times[event.name[len(PREFIX) :]] += spent
            calls[event.name[len(PREFIX) :]] += 1

    macs: dict[str, int] = defaultdict(int)
    kinds: dict[str, str] = {}
    for layer in report.layers:
        macs[layer.name] += layer.macs
        kinds.setdefault(layer.name, layer.type)
    forward_ms = forward_us / iterations / 1e3
    total_macs = report.totals.macs
    modules = leaf_modules(model)
    rows = []
    for name, spent_us in times.items():
        time_ms = spent_us / iterations / 1e3
        share = time_ms / forward_ms if forward_ms else 0.0
        layer_macs = macs.get(name, 0)
        rows.append(
            LayerTime(
                name=name,
                type=kinds.get(name, type(modules.get(name, model)).__name__),
                time_ms=time_ms,
                share=share,
                macs=layer_macs,
                calls=calls[name] // iterations,
                flops_per_s=2 * layer_macs / (time_ms / 1e3) if layer_macs and time_ms else None,
                relative_cost=share / (layer_macs / total_macs) if layer_macs and total_macs else None,
            )
        )
    rows.sort(key=lambda r: r.time_ms, reverse=True)
    in_layers = sum(r.time_ms for r in rows)
    return LayerBreakdown(
        source=f"torch.profiler, {'CUDA kernel time' if cuda else 'CPU wall time'} per leaf module, "
        f"eager model, mean of {iterations} passes",
        iterations=iterations,
        forward_ms=forward_ms,
        other_ms=max(forward_ms - in_layers, 0.0),
        layers=rows[:top_k],
        total_layers=len(rows),
    )
