#!/usr/bin/env bash
# The first-contact check of `cnnarch bench --device cuda` on a GPU machine, in one go: the steps'
# time limits add up to five minutes. Everything it produces goes to one folder:
#
#   benchmarks/gpu_check.sh [RESULTS_DIR]      (default: gpu-check-YYYYmmdd-HHMMSS)
#
#   nvidia-smi.txt         the GPU, driver, clocks and memory before the run
#   environment.txt        python, torch, CUDA and cuDNN versions, the visible devices
#   pytest.log, pytest.xml the GPU-only tests (tests/test_bench_gpu.py and the CUDA memory test)
#   bench-cuda.json        the --help example: the default models at batch 1, 32 and 128 in fp16,
#                          channels-last, on the GPU
#   bench-resnet18.txt     the README's example, `cnnarch bench resnet18 --device cuda`, as printed
#   bench-lenet5.json      lenet5 at batch 1 in fp32: the launch-bound case, baseline memory
#   SUMMARY.txt            PASS/FAIL per step, with its time; the script exits 1 if any step failed
#
# Uses .venv/bin/python when it exists, else $PYTHON or python3. Nothing is downloaded.
set -uo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here" || exit 2
out="${1:-gpu-check-$(date -u +%Y%m%d-%H%M%S)}"
python="${PYTHON:-python3}"
[ -x .venv/bin/python ] && python=.venv/bin/python

if ! "$python" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    echo "error: no CUDA device is visible to $python (nothing to check)" >&2
    exit 2
fi
mkdir -p "$out" || exit 2

failed=0
step() {  # step NAME TIMEOUT_S COMMAND...: run, time, record PASS/FAIL
    local name="$1" limit="$2"
    shift 2
    local started=$SECONDS
    echo "== $name" >&2
    if timeout "$limit" "$@"; then
        echo "PASS $name ($((SECONDS - started)) s)" >>"$out/SUMMARY.txt"
    else
        echo "FAIL $name (exit $?, $((SECONDS - started)) s)" >>"$out/SUMMARY.txt"
        failed=1
    fi
}

: >"$out/SUMMARY.txt"
nvidia-smi >"$out/nvidia-smi.txt" 2>&1 || echo "nvidia-smi not available" >"$out/nvidia-smi.txt"
"$python" - >"$out/environment.txt" 2>&1 <<'EOF'
import platform, torch
print("python", platform.python_version(), "torch", torch.__version__, "cuda", torch.version.cuda,
      "cudnn", torch.backends.cudnn.version())
for i in range(torch.cuda.device_count()):
    p = torch.cuda.get_device_properties(i)
    print(f"cuda:{i}", p.name, f"{p.total_memory / 2**30:.1f} GiB", f"sm_{p.major}{p.minor}")
EOF

step "GPU tests" 130 "$python" -m pytest -q -rs tests/test_bench_gpu.py tests/test_memory.py -k "gpu or cuda" \
    --junitxml="$out/pytest.xml" >"$out/pytest.log" 2>&1
step "help example: cnnarch bench --device cuda --batch 1,32,128 --dtype fp16 --channels-last" 110 \
    "$python" -m cnnarch bench --device cuda --batch 1,32,128 --dtype fp16 --channels-last \
    --format json -o "$out/bench-cuda.json"
step "README example: cnnarch bench resnet18 --device cuda" 40 \
    bash -c "COLUMNS=220 '$python' -m cnnarch bench resnet18 --device cuda >'$out/bench-resnet18.txt'"
step "lenet5 batch 1 fp32 (launch-bound, baseline memory)" 20 \
    "$python" -m cnnarch bench lenet5 --device cuda --batch 1 --format json -o "$out/bench-lenet5.json"

cat "$out/SUMMARY.txt"
echo "results in $out/" >&2
exit "$failed"
