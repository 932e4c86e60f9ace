#!/usr/bin/env bash
# The project's one entry point for building, demoing, testing and installing.
#   bash scripts/dev.sh demo     install what is missing, build Release, analyze mobilenet_v1 on orin
#   bash scripts/dev.sh test     install what is missing, build, run every test through ctest; then
#                                the same suite built with clang, Debug, AddressSanitizer and
#                                UndefinedBehaviorSanitizer (build-sanitize), and every fuzz target
#                                replaying its corpus and fuzzing for FUZZ_SECONDS (default 30)
#   bash scripts/dev.sh package  install what is missing, build, write build/convroof_<version>_<arch>.deb
#                                (apt-get install ./build/convroof_*.deb)
#   bash scripts/dev.sh build | install | deps
# Works on a fresh Debian 12 machine as root (or with sudo); installs nothing that is present.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BUILD_DIR:-build}
# libflatbuffers-dev (which brings flatc) builds the TFLite reader; without it convroof still
# builds and says TFLite support is off.
PACKAGES=(g++ make cmake libcli11-dev libyaml-cpp-dev libfmt-dev nlohmann-json3-dev catch2 libflatbuffers-dev)
# The tests also drive the binary from Python, render SVG with rsvg-convert, load the HTML
# report in headless Chromium, time real convolutions with oneDNN (convroof-bench), and build
# and smoke-run the microbenchmarks (Google Benchmark); python3-onnx writes an ONNX file with
# inline weights for the importer test; groff renders the man page and zsh runs the zsh
# completion, to check them.
# Debian's libdnnl-dev only recommends ocl-icd-opencl-dev, but its CMake package fails without
# it (CMakeLists.txt then builds without convroof-bench, and says so).
# The sanitizer build and the fuzz targets need clang with its runtimes; the determinism test
# runs under a German locale.
TEST_PACKAGES=(python3 python3-onnx librsvg2-bin chromium chromium-driver fonts-dejavu-core libdnnl-dev
               ocl-icd-opencl-dev libbenchmark-dev clang-14 libclang-rt-14-dev locales groff-base zsh)
# CPack's Debian generator (dev.sh package, and the package test) reads the binary's library
# dependencies with dpkg-shlibdeps and file.
PACKAGE_PACKAGES=(dpkg-dev file)
SANITIZE_DIR=${SANITIZE_DIR:-build-sanitize}

deps() {  # [extra packages…]
  local missing=()
  for package in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing missing packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  local log
  log=$(mktemp)
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
           --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "Installing ${missing[*]} failed (output above)." >&2
    return 1
  fi
  rm -f "$log"
}

# de_DE.UTF-8 for the determinism test (decimal comma): generated once, as root.
german_locale() {
  locale -a 2>/dev/null | grep -qiE '^de_DE\.utf-?8$' && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo sed -i 's/^# *\(de_DE\.UTF-8 UTF-8\)/\1/' /etc/locale.gen
  $sudo locale-gen >/dev/null
}

# Whether clang-14 can build a sanitized libFuzzer target; if not, prints why.
clang_usable() {
  command -v clang++-14 >/dev/null || { echo "clang++-14 is not installed"; return 1; }
  local dir
  dir=$(mktemp -d)
  echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$dir/t.cpp"
  if ! clang++-14 -fsanitize=fuzzer,address,undefined "$dir/t.cpp" -o "$dir/t" >"$dir/log" 2>&1; then
    echo "clang++-14 cannot link a sanitized fuzz target: $(grep -m1 -i error "$dir/log")"
    rm -rf "$dir"
    return 1
  fi
  rm -rf "$dir"
}

# The whole suite again, built with clang in Debug with ASan + UBSan (any report fails its
# test) and the fuzz targets; the determinism test compares this Debug build with the Release one.
sanitize_and_fuzz() {
  local why
  if ! why=$(clang_usable); then
    echo "dev.sh: the sanitizer build and the fuzz targets are skipped: $why" >&2
    return 0
  fi
  cmake -S . -B "$SANITIZE_DIR" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-14 -DCONVROOF_SANITIZE=ON \
    -DCONVROOF_FUZZ=ON -DCONVROOF_BUILD_BENCHMARKS=OFF -DCONVROOF_COMPARE_BINARY="$PWD/$BUILD_DIR/convroof" >/dev/null
  cmake --build "$SANITIZE_DIR" -j "$(nproc)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$SANITIZE_DIR" --output-on-failure -j "$(nproc)"
  bash scripts/fuzz.sh "$SANITIZE_DIR" --seconds "${FUZZ_SECONDS:-30}"
}

build() {  # [extra packages…]
  deps "$@"
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
  cmake --build "$BUILD_DIR" -j "$(nproc)"
}

case "${1:-}" in
  deps) deps "${TEST_PACKAGES[@]}" "${PACKAGE_PACKAGES[@]}" ;;
  build) build ;;
  demo) build && "$BUILD_DIR/convroof" analyze mobilenet_v1 --hw orin ;;
  test)
    build "${TEST_PACKAGES[@]}" "${PACKAGE_PACKAGES[@]}"
    german_locale
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)"
    sanitize_and_fuzz
    ;;
  install) build && cmake --install "$BUILD_DIR" ;;
  package)
    build "${PACKAGE_PACKAGES[@]}"
    rm -f "$BUILD_DIR"/convroof_*.deb
    cmake --build "$BUILD_DIR" --target package
    ls "$BUILD_DIR"/convroof_*.deb
    ;;
  *) echo "usage: bash scripts/dev.sh demo|test|build|install|package|deps" >&2; exit 2 ;;
esac
