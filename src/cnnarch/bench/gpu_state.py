"""What a GPU was doing when a figure was taken: SM clock, power draw, utilisation, temperature
and free memory, recorded in the JSON so that a throttled or shared GPU can be recognised.

The readings come from ``torch.cuda.clock_rate`` (MHz), ``power_draw`` (mW), ``utilization``
(%) and ``temperature`` (°C), which ask NVML through the ``nvidia-ml-py`` package and average
over NVML's last sample period (1/6 s to 1 s); free memory comes from ``torch.cuda.mem_get_info``
(the CUDA runtime). A reading that cannot be taken is None, and ``unavailable`` says why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

READINGS: dict[str, str] = {
    "sm_clock_mhz": "clock_rate",
    "power_mw": "power_draw",
    "utilization_percent": "utilization",
    "temperature_c": "temperature",
}
"""Key in the record → the ``torch.cuda`` function that reads it."""


def _reading(name: str, device: torch.device) -> tuple[Any, str | None]:
    read: Callable[[torch.device], Any] | None = getattr(torch.cuda, name, None)
    if read is None:
        return None, f"torch.cuda.{name} is not in torch {torch.__version__}"
    try:
        return read(device), None
    except Exception as error:  # NVML missing or failing must not stop a benchmark
        text = str(error).strip().splitlines()
        return None, f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def gpu_state(device: torch.device) -> dict[str, Any] | None:
    """The readings for ``device`` (None for a CPU device)."""
    if device.type != "cuda":
        return None
    state: dict[str, Any] = {}
    unavailable: dict[str, str] = {}
    for key, name in READINGS.items():
        state[key], why = _reading(name, device)
        if why:
            unavailable[key] = why
    try:
        state["free_bytes"], state["total_bytes"] = torch.cuda.mem_get_info(device)
    except Exception as error:
        state["free_bytes"] = state["total_bytes"] = None
        unavailable["free_bytes"] = f"{type(error).__name__}: {error}"
    if unavailable:
        state["unavailable"] = unavailable
    return state
