#!/usr/bin/env bash
# Compiles every kernel source here to PTX for each target architecture:
#   build-ptx.sh OUT_DIR                 writes OUT_DIR/<arch>/<name>.ptx
#   build-ptx.sh OUT_DIR --check DIR     also compares with the committed DIR/<arch>/<name>.ptx and
#                                        exits 1 naming every file that differs or is missing.
# NVCC overrides the compiler (default /usr/local/cuda/bin/nvcc). nvcc's PTX carries no paths or
# timestamps, so two runs give identical bytes; the header names the compiler release, which is
# reported separately when it is the cause of a difference.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: build-ptx.sh OUT_DIR [--check COMMITTED_DIR]}"
out="$(mkdir -p "$out" && cd "$out" && pwd)"
check=""
if [[ "${2:-}" == "--check" ]]; then check="$(cd "${3:?--check needs the committed PTX folder}" && pwd)"; fi
nvcc="${NVCC:-/usr/local/cuda/bin/nvcc}"
archs=(sm_80 sm_90)
# -lineinfo and -G are left out on purpose: they embed the source path.
flags=(--ptx -O3 -std=c++17)

pids=()
for arch in "${archs[@]}"; do
  mkdir -p "$out/$arch"
  for src in "$here"/*.cu; do
    name="$(basename "$src" .cu)"
    (cd "$here" && "$nvcc" "${flags[@]}" -arch="$arch" "$(basename "$src")" -o "$out/$arch/$name.ptx") &
    pids+=($!)
  done
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
if (( failed )); then echo "build-ptx.sh: nvcc failed (see above)" >&2; exit 1; fi

if [[ -n "$check" ]]; then
  # Another nvcc release writes different (equally valid) PTX, so the comparison only means something
  # with the release that made the committed files; elsewhere it is skipped with a warning, not failed.
  built="$(grep -m1 -h 'Cuda compilation tools' "$out/${archs[0]}"/*.ptx | head -n 1 || true)"
  had="$(grep -m1 -h 'Cuda compilation tools' "$check/${archs[0]}"/*.ptx 2>/dev/null | head -n 1 || true)"
  if [[ -n "$had" && "$built" != "$had" ]]; then
    echo "build-ptx.sh: warning: the committed PTX was made by '${had#// }' and this machine has '${built#// }';" \
         "not comparing (the committed PTX is used)" >&2
    exit 0
  fi
  bad=0
  for arch in "${archs[@]}"; do
    for f in "$out/$arch"/*.ptx; do
      committed="$check/$arch/$(basename "$f")"
      if [[ ! -f "$committed" ]]; then
        echo "build-ptx.sh: $committed is missing; copy it from $f and commit it" >&2; bad=1
      elif ! cmp -s "$f" "$committed"; then
        echo "build-ptx.sh: $committed differs from the PTX nvcc builds from its source ($f);" \
             "run runtime/src/main/cuda/build-ptx.sh runtime/src/main/resources/io/spikert/runtime/cuda and commit" >&2
        built="$(grep -m1 'Cuda compilation tools' "$f" || true)"
        had="$(grep -m1 'Cuda compilation tools' "$committed" || true)"
        if [[ "$built" != "$had" ]]; then
          echo "build-ptx.sh:   the compilers differ: committed '${had#// }', this machine '${built#// }'" >&2
        fi
        bad=1
      fi
    done
    for committed in "$check/$arch"/*.ptx; do
      [[ -e "$committed" ]] || continue
      if [[ ! -f "$out/$arch/$(basename "$committed")" ]]; then
        echo "build-ptx.sh: $committed has no source $(basename "$committed" .ptx).cu any more; delete it" >&2; bad=1
      fi
    done
  done
  exit $bad
fi
