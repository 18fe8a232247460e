# Shared by installer/demo.sh and installer/test.sh: installs what a fresh
# Debian 12 machine is missing to build and test floorjudge. Idempotent and
# quiet when everything is there already.

# Runs a command as root (directly, or through sudo).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages floorjudge needs to build and test: a C toolchain for
# bundled SQLite, and the judgehost's compilers to wasm32-wasi (clang with
# wasi-libc and libc++ for C/C++, Debian's rustc with the wasm32 std for Rust).
DEBIAN_PACKAGES=(build-essential pkg-config ca-certificates curl
  clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32 libc++-14-dev-wasm32 libc++abi-14-dev-wasm32
  rustc libstd-rust-dev-wasm32)

ensure_debian_packages() {
  local missing=()
  for p in "${DEBIAN_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    # Debian 12's own cargo (1.63) is too old for this workspace: use rustup.
    echo "installing the Rust toolchain with rustup" >&2
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  local have
  have=$(rustc --version | awk '{print $2}')
  if [ "$(printf '%s\n1.95.0\n' "$have" | sort -V | head -n1)" != "1.95.0" ]; then
    echo "Rust $have is older than the 1.95 floorjudge needs: run 'rustup update'" >&2
    exit 1
  fi
}

ensure_build_deps() {
  ensure_debian_packages "$@"
  ensure_rust
}
