"""The real allocator as an oracle: peak bytes of tensors alive during a CPU run.

``torch.profiler`` with ``profile_memory=True`` records every allocation and free of the CPU
allocator. The live total is sampled when each top-level operation returns, which counts the
operation's inputs and outputs but not the scratch buffers a kernel frees before it returns
(oneDNN's reordered copies of weights and activations): those workspaces are not tensors of the
model, and cnnarch states that it does not model them. The raw peak is returned too.
"""

from __future__ import annotations

from collections.abc import Callable

from torch._C._profiler import _EventType
from torch.profiler import ProfilerActivity, profile


def profiled_peak(fn: Callable[[], object]) -> tuple[int, int]:
    """(raw peak, peak sampled at operation boundaries) of bytes allocated while ``fn`` runs."""
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    allocations: list[tuple[int, int]] = []
    ends: list[int] = []

    def visit(nodes, depth: int) -> None:
        for node in nodes:
            if node.tag == _EventType.Allocation:
                allocations.append((node.start_time_ns, node.extra_fields.alloc_size))
            else:
                if depth == 0:
                    ends.append(node.end_time_ns)
                visit(node.children, depth + 1)

    visit(prof.profiler.kineto_results.experimental_event_tree(), 0)
    allocations.sort()
    ends.sort()
    live = raw = sampled = 0
    i = 0
    for end in ends:
        while i < len(allocations) and allocations[i][0] <= end:
            live += allocations[i][1]
            raw = max(raw, live)
            i += 1
        sampled = max(sampled, live)
    return raw, sampled


def nbytes(tensors) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)
