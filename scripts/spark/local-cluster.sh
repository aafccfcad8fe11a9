#!/usr/bin/env bash
# A Spark standalone cluster on 127.0.0.1 (a master and up to two workers, one core each), started from the Spark jars
# Maven resolved for the spark module (no Spark distribution needed), running the example job (ScoreFileJob) over
# ROWS rows of token ids at a small synthetic shape: first with one worker, then with two, and the same rows scored by a
# single-JVM loop (SingleJvmScore, one thread). Prints rows/s of each and the 1 -> 2 worker scaling.
#
# Bounded: each step runs under `timeout`, the whole script under TIMEOUT seconds (default 900); it stops the master
# and workers it started (by their process ids) whatever happens. Everything it writes goes to one new folder under
# /tmp (removed at the end unless KEEP=1).
#
# Usage: scripts/spark/local-cluster.sh            (ROWS=3000 HIDDEN=256 TIMEOUT=900 PARTITIONS=8 by default)
#        ROWS=1000 scripts/spark/local-cluster.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/scripts/jdk.sh"
spikert_find_jdk

ROWS="${ROWS:-3000}"
HIDDEN="${HIDDEN:-256}"
TIMEOUT="${TIMEOUT:-900}"
PARTITIONS="${PARTITIONS:-8}"
STEP_TIMEOUT="${STEP_TIMEOUT:-300}"
DEADLINE=$(( $(date +%s) + TIMEOUT ))

WORK="$(mktemp -d /tmp/spikert-spark-cluster.XXXXXX)"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT

left() { # seconds left before the script's deadline, at least 1
  local s=$(( DEADLINE - $(date +%s) ))
  [ "$s" -gt 0 ] || { echo "local-cluster: out of time (TIMEOUT=$TIMEOUT s)" >&2; exit 124; }
  [ "$s" -lt "$STEP_TIMEOUT" ] && echo "$s" || echo "$STEP_TIMEOUT"
}

echo "== building the spark module and its class path"
cd "$ROOT"
timeout "$(left)" mvn -B -q -o -ntp -DskipTests -pl vector-kernels,ffm-bindings,runtime,model,spark package
timeout "$(left)" mvn -B -q -o -ntp -pl spark dependency:build-classpath -Dmdep.includeScope=provided \
  -Dmdep.outputFile="$WORK/spark-classpath.txt" >/dev/null
# The cluster's "Spark home": a jars folder as a distribution has one (the standalone worker builds its executors'
# class path from $SPARK_HOME/jars), holding links to Spark's jars, SpikeRT's jar and its dependencies.
mkdir -p "$WORK/spark-home/jars" "$WORK/spark-home/conf"
IFS=: read -r -a SPARK_JARS < "$WORK/spark-classpath.txt" || true # one line, no newline at its end
for j in "${SPARK_JARS[@]}"; do
  case "$j" in */io/spikert/*) continue ;; esac # SpikeRT's own jars come from this build (target/lib), not ~/.m2
  ln -sf "$j" "$WORK/spark-home/jars/$(basename "$j")"
done
for j in "$ROOT/spark/target/spikert-spark.jar" "$ROOT"/spark/target/lib/*.jar; do
  ln -sf "$j" "$WORK/spark-home/jars/$(basename "$j")"
done
export SPARK_HOME="$WORK/spark-home" SPARK_SCALA_VERSION=2.13 SPARK_CONF_DIR="$WORK/spark-home/conf"
CP="$SPARK_HOME/jars/*"
cat > "$SPARK_HOME/conf/log4j2.properties" <<'LOG'
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
# the master's INFO lines say when a worker registers (wait_for_workers reads them)
logger.master.name = org.apache.spark.deploy.master.Master
logger.master.level = info
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
LOG
VECTOR="--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
OPENS="-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true -Dlog4j.configurationFile=$SPARK_HOME/conf/log4j2.properties"
JAVA="$JAVA_HOME/bin/java"

echo "== inputs: $ROWS rows, synthetic model (hidden $HIDDEN, 4 layers, vocab 4096), 16 to 63 token ids a row in $WORK"
timeout "$(left)" "$JAVA" $VECTOR -cp "$CP" io.spikert.spark.example.BenchInputs "$WORK/model" "$WORK/rows.jsonl" "$ROWS" "$HIDDEN"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
MPORT="$(free_port)"
MASTER="spark://127.0.0.1:$MPORT"

start_worker() { # $1: the worker's number
  "$JAVA" $OPENS -Xmx512m -cp "$CP" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 --memory 2g \
    --webui-port 0 --work-dir "$WORK/worker-$1" "$MASTER" > "$WORK/worker-$1.log" 2>&1 &
  PIDS+=($!)
}

wait_for_workers() { # $1: how many workers the master must list as alive
  local n=0
  for _ in $(seq 1 60); do
    n=$(grep -c "Registering worker" "$WORK/master.log" 2>/dev/null || true)
    [ "$n" -ge "$1" ] && return 0
    sleep 1
  done
  echo "local-cluster: only $n of $1 workers registered; see $WORK/*.log (KEEP=1 keeps them)" >&2
  exit 1
}

run_job() { # $1: output name; prints the job's summary line
  timeout "$(left)" "$JAVA" $OPENS $VECTOR -Xmx1g -cp "$CP" \
    -Dspark.master="$MASTER" -Dspark.driver.host=127.0.0.1 -Dspark.driver.bindAddress=127.0.0.1 -Dspark.ui.enabled=false \
    -Dspark.executor.memory=1g -Dspark.executor.cores=1 -Dspark.task.cpus=1 \
    -Dspark.executor.extraJavaOptions="$VECTOR" \
    io.spikert.spark.example.ScoreFileJob --model "$WORK/model" --input "$WORK/rows.jsonl" --output "$WORK/$1.parquet" --column ids \
    --partitions "$PARTITIONS" 2> "$WORK/$1-driver.log" | tail -n 1
}

echo "== master on $MASTER"
"$JAVA" $OPENS -Xmx512m -cp "$CP" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$MPORT" --webui-port 0 \
  > "$WORK/master.log" 2>&1 &
PIDS+=($!)
start_worker 1
wait_for_workers 1
ONE=$(run_job one-worker)
echo "1 worker  (1 core):  $ONE"
start_worker 2
wait_for_workers 2
TWO=$(run_job two-workers)
echo "2 workers (1 core each): $TWO"

LOOP=$(timeout "$(left)" "$JAVA" $VECTOR -Xmx1g -cp "$CP" io.spikert.spark.example.SingleJvmScore "$WORK/model" "$WORK/rows.jsonl" 1 | tail -n 1)
echo "single JVM loop (1 thread): $LOOP"

rate() { sed -n 's/.*rows\/s: \([0-9.]*\).*/\1/p' <<< "$1"; }
python3 - "$(rate "$ONE")" "$(rate "$TWO")" "$(rate "$LOOP")" <<'PY'
import sys
one, two, loop = map(float, sys.argv[1:])
print(f"scaling 1 -> 2 workers: {two / one:.2f}x; 1 worker vs the single-JVM loop: {one / loop:.2f}x; 2 workers: {two / loop:.2f}x")
PY
