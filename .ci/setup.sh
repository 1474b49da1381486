#!/usr/bin/env bash
# Attune's one set-up script (the README's two commands call it):
#   .ci/setup.sh run    install what is missing, build Release, start the app (two simulated partners)
#   .ci/setup.sh test   install what is missing, build, run every test (ctest), then the sanitizer build
#   .ci/setup.sh deps   only install what is missing
#   .ci/setup.sh build  install + build Release
# Debian 12 / Ubuntu; uses sudo when not root. Nothing is fetched at build time.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libboost-dev libserialport-dev libglfw3-dev libimgui-dev libstb-dev catch2
  nlohmann-json3-dev libcli11-dev libtomlplusplus-dev
  fonts-dejavu-core xvfb xauth libgl1-mesa-dri libgl-dev mesa-utils x11-apps imagemagick socat xdotool
  libsdbus-c++-dev python3-dbusmock dbus bluez
  libedf-dev libsqlite3-dev sqlite3 libpq-dev postgresql libssl-dev openssl python3-numpy python3-scipy python3-matplotlib
  gcc-avr avr-libc binutils-avr simavr libsimavr-dev libelf-dev
  clang libclang-rt-14-dev
)
JOBS=$(nproc)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

build_release() {
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DATTUNE_WERROR=ON
  cmake --build build -j"$JOBS"
}

build_sanitized() {
  # GUI and Beast are left out here: their sanitized build is slow and they add no DSP or I/O
  # paths of our own that the Release run does not already cover.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DATTUNE_SANITIZE=ON \
        -DATTUNE_BUILD_GUI=OFF -DATTUNE_WERROR=ON
  cmake --build build-asan -j"$JOBS"
}

run_tests() {
  build_release
  ctest --test-dir build --output-on-failure --no-tests=error -j"$JOBS" --timeout 900
  echo "== sanitizer build (ASan + UBSan)"
  build_sanitized
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure --no-tests=error -j"$JOBS" -LE slow --timeout 900
}

case "${1:-run}" in
  deps) install_missing ;;
  build) install_missing; build_release ;;
  run) install_missing; build_release; shift || true; exec ./build/app/attune "$@" ;;
  test) install_missing; run_tests ;;
  *) echo "usage: $0 run|test|deps|build" >&2; exit 2 ;;
esac
