#!/usr/bin/env bash
# Runs on a GPU machine with no JDK and no network, from the copy of dist/gpu that prepare.sh built:
# the gpu-tagged tests (JUnit reports in $OUT/junit), then io.spikert.bench.gpu.GpuBench
# ($OUT/gpu-bench.txt and .json), with the whole console log in $OUT/run.log.
# Exit status: that of the tests (non-zero only when they fail or time out); a bench failure is
# reported but does not change it. $OUT defaults to ./gpu-results where it is not set.
# Environment: SPIKERT_CUDA_PATH names libcuda (file or folder) when the search does not find it;
# GPU_TEST_TIMEOUT and GPU_BENCH_TIMEOUT (seconds, defaults 240 and 300) bound the two steps; the bench
# needs the longer one for the device-resident 7B prefill of 4096 tokens.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${OUT:-$PWD/gpu-results}"
mkdir -p "$out/junit"
exec > >(tee "$out/run.log") 2>&1

java="$here/jdk/bin/java"
props=()
[ -n "${SPIKERT_CUDA_PATH:-}" ] && props+=("-Dspikert.cuda.path=$SPIKERT_CUDA_PATH")
stamp() { date +%H:%M:%S; }

echo "== $(stamp) gpu run: dist at $here, results in $out"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit --format=csv || true
else
  echo "nvidia-smi not found"
fi
"$java" -version 2>&1 | head -n 1

echo "== $(stamp) gpu-tagged tests ..."
scan=()
for d in "$here"/test-classes/*/; do scan+=("${d%/}"); done
jars=("$here"/lib/*.jar) # the launcher does not expand "lib/*" itself
cp_all="$(IFS=:; echo "${scan[*]}:${jars[*]}")"
timeout -k 10 "${GPU_TEST_TIMEOUT:-240}" "$java" -Xmx4g "${props[@]}" \
  -jar "$here"/test-lib/junit-platform-console-standalone-*.jar execute \
  --disable-banner --disable-ansi-colors --details=tree --include-engine=junit-jupiter --include-tag=gpu --fail-if-no-tests \
  --class-path "$cp_all" --scan-class-path "$(IFS=:; echo "${scan[*]}")" \
  --reports-dir "$out/junit"
tests=$?
case $tests in
  0) echo "== $(stamp) gpu tests: passed (tests "aborted" above were skipped, with the reason: no usable device or PTX target)" ;;
  124) echo "== $(stamp) gpu tests: TIMED OUT after ${GPU_TEST_TIMEOUT:-240} s" ;;
  *) echo "== $(stamp) gpu tests: FAILED (exit $tests)" ;;
esac

echo "== $(stamp) GPU benchmark ..."
timeout -k 10 "${GPU_BENCH_TIMEOUT:-300}" "$java" -Xmx2g "${props[@]}" -cp "$here/lib/*" io.spikert.bench.gpu.GpuBench --out "$out"
bench=$?
case $bench in
  0) echo "== $(stamp) benchmark: done ($out/gpu-bench.txt, gpu-bench.json)" ;;
  2) echo "== $(stamp) benchmark: no usable GPU, nothing measured" ;;
  124) echo "== $(stamp) benchmark: TIMED OUT after ${GPU_BENCH_TIMEOUT:-300} s" ;;
  *) echo "== $(stamp) benchmark: FAILED (exit $bench)" ;;
esac
echo "== $(stamp) finished: tests exit $tests, benchmark exit $bench"
exit $tests
