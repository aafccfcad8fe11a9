# Sourced by the SpikeRT scripts: finds a JDK 25+ and exports JAVA_HOME, or stops with a message.
# Order: JAVA_HOME when it is 25 or newer, then the usual install locations.

spikert_java_major() { # prints the feature version of the JDK at $1, or nothing
  local rel="$1/release"
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$rel" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel"
  else
    "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
  fi
}

spikert_find_jdk() {
  local cand major
  for cand in "${JAVA_HOME:-}" \
      /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 \
      /usr/lib/jvm/*25* /usr/lib/jvm/*-2[6-9]* /usr/lib/jvm/* \
      /opt/java/* /opt/jdk* /usr/local/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home \
      "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -n "$cand" ] && [ -d "$cand" ] || continue
    major=$(spikert_java_major "$cand")
    if [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$cand"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  cat >&2 <<'MSG'
spikert: no JDK 25 or newer found.
  Looked at $JAVA_HOME and the usual locations (/usr/lib/jvm, /opt/java, ~/.sdkman, ~/.jdks).
  Install one, for example Temurin 25 (Debian/Ubuntu: apt-get install temurin-25-jdk from the
  Adoptium repository), then set JAVA_HOME to it or re-run this command.
MSG
  return 1
}

spikert_require_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "spikert: Apache Maven (mvn) is needed to build SpikeRT; install it (Debian/Ubuntu: apt-get install maven)." >&2
    return 1
  fi
}

spikert_require_npm() {
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "spikert: Node.js and npm are needed to test SpikeRT (the server is tested with the official OpenAI client" >&2
    echo "  library, which npm installs); install them (Debian/Ubuntu: apt-get install nodejs npm)." >&2
    return 1
  fi
}

SPIKERT_JVM_FLAGS="--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
# Weights live outside the heap (memory-mapped); a 7B session needs about 300 MB of heap. A bounded
# heap keeps resident memory near the weight bytes. SPIKERT_JAVA_OPTS comes later and overrides it.
SPIKERT_HEAP_FLAGS="-Xmx1g -XX:+UseParallelGC"
# Maven 3.8 on JDK 25 warns about sun.misc.Unsafe through its bundled Guava; the warning is harmless.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
