#!/usr/bin/env bash
# The Debian package (cmake/package.cmake), built by CPack from this build tree into a scratch
# folder: its name, what it holds (and does not), its dependencies read off the binary, and the
# packaged binary working from another directory.
# Usage: package.sh BUILD_DIR
set -u
build=$1
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$scratch/deb"
expect "cpack builds the package" 0 cpack -G DEB --config "$build/CPackConfig.cmake" -B "$scratch/deb"
deb=$(ls "$scratch"/deb/*.deb 2>/dev/null)
version=$(sed -n 's/^project(convroof VERSION \([0-9.]*\).*/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../../CMakeLists.txt")
expect "one package, named convroof_${version}_ARCH.deb" 0 \
  test "$(basename "$deb")" = "convroof_${version}_$(dpkg --print-architecture).deb"
if [ -f "$deb" ]; then
  expect "dpkg-deb lists it" 0 dpkg-deb -c "$deb"
  for path in ./usr/bin/convroof ./usr/share/man/man1/convroof.1.gz ./usr/share/bash-completion/completions/convroof \
    ./usr/share/zsh/vendor-completions/_convroof \
    ./usr/share/convroof/hardware/orin.yaml ./usr/share/convroof/workloads/mobilenet_v1.yaml \
    ./usr/share/doc/convroof/README.md ./usr/share/doc/convroof/copyright ./usr/share/doc/convroof/docs/formats.md; do
    contains "the package holds $path" " $path"
  done
  lacks "no convroof-bench (it needs oneDNN)" "convroof-bench"
  lacks "no build tool" "convroof-docgen"
  lacks "no test binary" "convroof_tests"
  expect "its control fields" 0 dpkg-deb -f "$deb" Package Version Depends Section
  contains "Package" "Package: convroof"
  contains "Version" "Version: $version"
  # dpkg-shlibdeps read these off the binary (no hand-kept list); the ONNX reader is convroof's
  # own, so neither protobuf nor libonnx is one, and YAML is read with yaml-cpp, not libyaml.
  for library in libc6 libstdc++6 libyaml-cpp0.7 libfmt; do
    contains "Depends names $library" "$library"
  done
  lacks "no libyaml" "libyaml-0-2"
  lacks "no protobuf runtime" "libprotobuf"
  lacks "no libonnx" "libonnx"
  dpkg-deb -x "$deb" "$scratch/root"
  expect "the packaged binary analyzes a built-in model from /" 0 \
    bash -c 'cd / && exec "$0" analyze mobilenet_v1 --hw orin' "$scratch/root/usr/bin/convroof"
  contains "its report names the model" "mobilenet_v1"
  zcat "$scratch/root/usr/share/man/man1/convroof.1.gz" >"$scratch/out"
  contains "the packaged man page" ".TH CONVROOF 1"
fi
finish
