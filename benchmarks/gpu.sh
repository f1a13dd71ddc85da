#!/usr/bin/env bash
# The GPU rows of benchmarks/RESULTS.md and the tests that need a GPU, in one run, for a machine with an NVIDIA GPU
# whose python3 already has torch and JAX (nothing is installed: the package is read from src/). The device tool:
#   run(command="bash benchmarks/gpu.sh", timeout_s=540)
# Its files come back from $OUT (else out/gpu): RESULTS.md (this checkout's, with the GPU section rewritten),
# bench.log, tests.log and versions.txt. Sized for about 5 minutes on an H200 (an estimate: no GPU has been lent
# yet); each step has its own time limit.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-out/gpu}"
mkdir -p "$out"
# JAX takes GPU memory as it needs it instead of three quarters of the card up front (torch holds some already)
export PYTHONPATH="$PWD/src:$PWD/tests${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
python3 - <<'PY' 2>&1 | tee "$out/versions.txt"
import platform, numpy
print("python", platform.python_version(), "numpy", numpy.__version__)
try:
    import torch
    print("torch", torch.__version__, "cuda", torch.cuda.is_available() and torch.cuda.get_device_name())
except ImportError as err:
    print("torch:", err)
try:
    import jax
    print("jax", jax.__version__, jax.devices())
except ImportError as err:
    print("jax:", err)
PY
cp benchmarks/RESULTS.md "$out/RESULTS.md"
timeout 360 python3 benchmarks/bench.py --section gpu --out "$out/RESULTS.md" > "$out/bench.log" 2>&1
echo "bench: exit $?" | tee -a "$out/bench.log"
timeout 150 python3 -m pytest -q -p no:cacheprovider -k "cuda or gpu" tests/test_torch.py tests/test_counter.py \
    > "$out/tests.log" 2>&1
echo "tests: exit $?" | tee -a "$out/tests.log"
tail -n 5 "$out/tests.log"
