#!/usr/bin/env bash
# Side-by-side training speed: this suite (bin/staged bench) and the PyTorch reference
# (../shared/bench/torch_gpt.py), interleaved on the same machine, for each preset and thread count.
# Needs: mvn -q package -DskipTests; apt-get install -y python3-torch libopenblas0-pthread
# Usage: bench/compare.sh [ROUNDS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
torch="../shared/bench/torch_gpt.py"
for round in $(seq 1 "$rounds"); do
  for cfg in tiny small; do
    if [ "$cfg" = tiny ]; then warm=3; steps=8; else warm=2; steps=5; fi
    for th in 1 2; do
      OPENBLAS_NUM_THREADS=$th /usr/bin/python3 "$torch" "$cfg" "$th" "$warm" "$steps" | grep '^RESULT' \
        | sed "s/^/round=$round /"
      bin/staged bench --config "$cfg" --threads "$th" --warmup "$warm" --steps "$((steps + 2))" | grep '^BENCH' \
        | sed "s/^/round=$round /"
    done
  done
done
