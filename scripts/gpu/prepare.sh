#!/usr/bin/env bash
# Builds dist/gpu/: everything a GPU machine with no JDK and no network needs to run the GPU test
# suite and io.spikert.bench.gpu.GpuBench (see run-on-device.sh). Runs on the build machine.
#   dist/gpu/jdk           jlink image of the JDK 25 found by scripts/jdk.sh, launch flags built in
#   dist/gpu/lib           the bench jar and every runtime jar (module jars, Jackson, ...)
#   dist/gpu/test-classes  compiled tests and test doubles, one folder per module
#   dist/gpu/test-lib      the JUnit Platform Console Launcher (standalone jar)
#   dist/gpu/run-on-device.sh
# dist/ is git-ignored; carry dist/gpu to the GPU machine (it must stay under the 64 MiB carry limit).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/scripts/jdk.sh"
spikert_find_jdk
spikert_require_maven
cd "$root"

# The console launcher of the JUnit Platform that goes with junit.version (5.x.y -> platform 1.x.y).
junit_version=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml | head -n 1)
platform_version="1.${junit_version#5.}"
# java.logging and java.xml serve JUnit (its logging, its XML reports). Not java.desktop (the model
# jar's pictures) nor java.sql (Jackson's optional date types): they would not fit the carry limit.
modules="java.base,jdk.incubator.vector,jdk.unsupported,java.logging,java.xml"
# The device tool carries the whole working tree (tracked files too) within 64 MiB.
limit_mib=64

dist="$root/dist/gpu"
echo "gpu-prepare: building all modules with JDK at $JAVA_HOME ..."
mkdir -p "$root/dist"
if ! mvn -B -q -ntp -DskipTests package >"$root/dist/gpu-build.log" 2>&1; then
  cat "$root/dist/gpu-build.log" >&2
  echo "gpu-prepare: build failed (log above, also in dist/gpu-build.log)" >&2
  exit 1
fi
# test-compile ran as part of package; the test classes are in */target/test-classes.

rm -rf "$dist"
mkdir -p "$dist/lib" "$dist/test-classes" "$dist/test-lib"

echo "gpu-prepare: jlink image ($modules) ..."
"$JAVA_HOME/bin/jlink" --add-modules "$modules" \
  --strip-debug --no-man-pages --no-header-files --compress zip-9 \
  --add-options="$SPIKERT_JVM_FLAGS" \
  --output "$dist/jdk"
# libjvm.so keeps its symbol table (about 5 MB); only the dynamic symbols are needed to run.
if command -v strip >/dev/null 2>&1; then
  strip --strip-unneeded "$dist/jdk/lib/server/libjvm.so"
fi

cp "$root/bench/target/spikert-bench.jar" "$dist/lib/"
# Runtime dependencies of bench, which include every other module's jar; JMH's are not needed here, nor
# oneDNN's native carrier (28 MB, for the CPU GEMM comparison only: it would not fit the carry limit).
for jar in "$root"/bench/target/lib/*.jar; do
  case "$(basename "$jar")" in
    jmh-*|jopt-simple-*|commons-math3-*|dnnl-*) ;;
    *) cp "$jar" "$dist/lib/" ;;
  esac
done
# Only modules with gpu-tagged tests (the model's test fixtures alone are 5.6 MB), and the modules
# whose test jars hold the test doubles those tests run against: the kernels' scalar twins
# (vector-kernels), the fake GPU (ffm-bindings), FakeKernels (runtime). The production jars in lib/
# hold none of them.
for m in vector-kernels ffm-bindings runtime model bench; do
  case "$m" in vector-kernels|ffm-bindings|runtime) doubles=1 ;; *) doubles=0 ;; esac
  if [ -d "$root/$m/target/test-classes" ] && { [ $doubles = 1 ] || grep -rqs '@Tag("gpu")' "$root/$m/src/test/java"; }; then
    cp -r "$root/$m/target/test-classes" "$dist/test-classes/$m"
  fi
done

echo "gpu-prepare: JUnit Platform Console Launcher $platform_version ..."
if ! mvn -B -q -ntp org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="org.junit.platform:junit-platform-console-standalone:$platform_version" \
    -DoutputDirectory="$dist/test-lib" >"$root/dist/gpu-build.log" 2>&1; then
  cat "$root/dist/gpu-build.log" >&2
  echo "gpu-prepare: could not fetch junit-platform-console-standalone $platform_version" >&2
  exit 1
fi
rm -f "$root/dist/gpu-build.log"

cp "$root/scripts/gpu/run-on-device.sh" "$dist/"
chmod +x "$dist/run-on-device.sh"

size_kib=$(du -sk "$dist" | cut -f1)
echo "gpu-prepare: dist/gpu is $((size_kib / 1024)) MiB ($size_kib KiB):"
du -sh "$dist"/* | sed 's/^/  /'
tree_kib=0
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # What travels besides dist/gpu: tracked and untracked-not-ignored files.
  tree_kib=$(( $(git -C "$root" ls-files -z --cached --others --exclude-standard | (cd "$root" && xargs -0 -r stat -c %s 2>/dev/null) | awk '{s += $1} END {print int(s / 1024)}') ))
  echo "gpu-prepare: working tree (tracked + untracked, not ignored) is $((tree_kib / 1024)) MiB; with dist/gpu $(((size_kib + tree_kib) / 1024)) MiB of the $limit_mib MiB limit"
fi
if [ $((size_kib + tree_kib)) -ge $((limit_mib * 1024)) ]; then
  echo "gpu-prepare: dist/gpu plus the working tree is over the $limit_mib MiB carry limit" >&2
  exit 1
fi
echo "gpu-prepare: ready. On the GPU machine, from the repository root: bash dist/gpu/run-on-device.sh"
