#!/usr/bin/env bash
# Builds the browser package from source: cargo (wasm32, profile `web`) → wasm-bindgen → a size
# report. Installs the wasm32 target and the wasm-bindgen CLI at the
# exact version pinned in Cargo.lock when they are missing.
#
#   scripts/build-web.sh [OUT_DIR]      (default: pkg/, the committed package)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-pkg}"

# The CLI must match the wasm-bindgen crate byte for byte; read the pinned version from the lock.
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$version" ]; then
    echo "build-web: could not find the wasm-bindgen version in Cargo.lock" >&2
    exit 1
fi
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$version" ]; then
    # No --locked: the registry mirror here lacks some of the CLI's pinned dependency versions.
    cargo install wasm-bindgen-cli --version "$version"
fi

# simd128 comes from .cargo/config.toml for this target.
cargo rustc --lib --target wasm32-unknown-unknown --profile web \
    --no-default-features --crate-type cdylib
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
wasm="$target_dir/wasm32-unknown-unknown/web/movierec.wasm"

mkdir -p "$out"
wasm-bindgen "$wasm" --out-dir "$out" --out-name movierec --target web --no-typescript

echo "build-web: sizes (raw / gzip -9):"
for f in "$out"/movierec_bg.wasm "$out"/movierec.js www/model.movierec; do
    [ -f "$f" ] || continue
    printf '  %-28s %9d / %9d bytes\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done
