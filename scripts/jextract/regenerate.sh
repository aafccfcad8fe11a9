#!/usr/bin/env bash
# Regenerates the ffm-bindings binding classes with jextract (JDK 22+ builds) from the headers named
# in headers.txt and the --include-* lists in the *.args files here. jextract cannot be installed on
# the development machines (it is neither on Maven Central nor in Debian), so the committed classes
# were written by standin.py in jextract's shape; where jextract is on PATH this script replaces them.
#
# The one change made to jextract's output: SYMBOL_LOOKUP resolves lazily through LibraryLoader, so
# binding classes load on machines without the library and tests can bind a fake.
#
# Usage: scripts/jextract/regenerate.sh [args-file ...]   (default: every line of headers.txt)
# Env:   OUT_ROOT (default ffm-bindings/src/main/java), CUDA_INCLUDE, MACA_RUNTIME_HEADER, MACA_BLAS_HEADER, JEXTRACT (path to the jextract binary)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out_root="${OUT_ROOT:-$root/ffm-bindings/src/main/java}"
jextract="${JEXTRACT:-$(command -v jextract || true)}"
if [ -z "$jextract" ]; then
  cat >&2 <<'MSG'
regenerate.sh: jextract is not on PATH (or set JEXTRACT=/path/to/jextract).
  It is not published to Maven Central or Debian; download a build matching JDK 22+ from
  https://jdk.java.net/jextract/ on a machine that can reach it. Until then the committed classes
  (written by scripts/jextract/standin.py in jextract's shape) stay as they are; the header-check
  tests in ffm-bindings compare them with the installed CUDA headers.
MSG
  exit 2
fi
include="${CUDA_INCLUDE:-/usr/local/cuda/include}"

find_header() { # $1: header name or ${VAR}
  local h="$1" dir
  if [[ "$h" =~ ^\$\{([A-Z_]+)\}$ ]]; then
    h="${!BASH_REMATCH[1]:-}"
    [ -n "$h" ] && [ -f "$h" ] && { echo "$h"; return; }
    return 1
  fi
  [ -f "$include/$h" ] && { echo "$include/$h"; return; }
  for dir in ${VIRTUAL_ENV:+$VIRTUAL_ENV/lib/python3*/site-packages} /usr/local/lib/python3*/dist-packages \
      /usr/local/lib/python3*/site-packages "$HOME"/.local/lib/python3*/site-packages /opt/conda/lib/python3*/site-packages; do
    for cand in "$dir"/nvidia/*/include/"$h"; do
      [ -f "$cand" ] && { echo "$cand"; return; }
    done
  done
  return 1
}

wanted=("$@")
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0
while read -r args header; do
  [[ -z "$args" || "$args" == \#* ]] && continue
  if [ ${#wanted[@]} -gt 0 ] && [[ ! " ${wanted[*]} " == *" $args "* ]]; then
    continue
  fi
  if ! path="$(find_header "$header")"; then
    echo "regenerate.sh: skipping $args: header $header not found" >&2
    status=1
    continue
  fi
  grep -v '^#' "$here/$args" > "$tmp/$args"
  gen="$tmp/gen-${args%.args}"
  mkdir -p "$gen"
  echo "regenerate.sh: $args <- $path"
  "$jextract" -I "$(dirname "$path")" -I "$include" --output "$gen" "@$tmp/$args" "$path"
  pkg="$(sed -n 's/^--target-package //p' "$tmp/$args")"
  cls="$(sed -n 's/^--header-class-name //p' "$tmp/$args")"
  lib="$(case "$args" in cuda-driver.args) echo CUDA_DRIVER;; cuda-runtime.args) echo CUDA_RUNTIME;;
        cublas.args) echo CUBLAS;; nvrtc.args) echo NVRTC;; maca-runtime.args) echo MACA_RUNTIME;;
        maca-blas.args) echo MACA_BLAS;; esac)"
  file="$gen/${pkg//.//}/$cls.java"
  perl -0pi -e "s/static final SymbolLookup SYMBOL_LOOKUP = [^;]*;/static final SymbolLookup SYMBOL_LOOKUP = name -> io.spikert.ffm.LibraryLoader.lookup(io.spikert.ffm.NativeLibrary.$lib).find(name);/" "$file"
  grep -q "LibraryLoader.lookup" "$file" || { echo "regenerate.sh: could not patch SYMBOL_LOOKUP in $file" >&2; exit 1; }
  cp -r "$gen/." "$out_root/"
done < "$here/headers.txt"
echo "regenerate.sh: done; run scripts/test -pl ffm-bindings (bindings regenerated from real headers lose"
echo "  @NotHeaderChecked: update UncheckedBindingsAreMarkedTest for them)."
exit $status
