#!/usr/bin/env bash
# Installs what ONE Lab needs and is missing, as root on Debian; does nothing when all is there.
#   setup.sh build   the wasm32 target, a wasm-bindgen-cli matching Cargo.lock and the npm
#                    packages (uPlot for the page's plots, binaryen's wasm-opt for the web build)
#                    for make demo
#   setup.sh test    the above, plus Debian's chromium and Mesa's lavapipe Vulkan driver (a CPU
#                    GPU for native kernel tests), clippy and rustfmt; the npm packages include
#                    playwright-core
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-build}

command -v cargo >/dev/null || { echo "setup: cargo is missing; install Rust with rustup first" >&2; exit 1; }

apt_missing=()
command -v node >/dev/null || apt_missing+=(nodejs npm)
if [ "$mode" = test ]; then
  command -v chromium >/dev/null || apt_missing+=(chromium)
  ls /usr/share/vulkan/icd.d/lvp_icd.*.json >/dev/null 2>&1 || apt_missing+=(mesa-vulkan-drivers)
  ldconfig -p | grep -q 'libvulkan.so.1 ' || apt_missing+=(libvulkan1)
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "setup: installing ${apt_missing[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
if [ "$mode" = test ]; then
  for c in clippy rustfmt; do
    rustup component list --installed | grep -q "^$c" || rustup component add "$c"
  done
fi

# wasm-bindgen's CLI must be the exact version of the wasm-bindgen crate in Cargo.lock.
want=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "setup: installing wasm-bindgen-cli $want (a few minutes, once per machine)"
  cargo install wasm-bindgen-cli --version "$want"
fi

if [ ! -d node_modules/uplot ] || [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/binaryen ]; then
  npm ci --no-audit --no-fund
fi
