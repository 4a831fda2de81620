#!/usr/bin/env bash
# Installs code-server (VS Code's server build, from the npm registry) into a cache outside the repo,
# for the end-to-end tests. Idempotent: a complete install is reused, an interrupted one is redone.
# Also makes sure the Debian packages the tests need are present (chromium drives the workbench).
#
#   scripts/e2e/install-code-server.sh          # prints the install directory on stdout (last line)
#
# Environment: GREENML_E2E_CACHE (default ~/.cache/greenml-e2e), CODE_SERVER_VERSION (default 4.100.3).
# Why each step: see shared notes "real-vscode-here.md" — the package's own postinstall fails here
# (root, kerberos headers, ripgrep download from GitHub), so it is installed with --ignore-scripts and
# the native parts are built from Debian packages and the node headers in /usr/include/node.
set -euo pipefail

VERSION="${CODE_SERVER_VERSION:-4.100.3}"
CACHE="${GREENML_E2E_CACHE:-$HOME/.cache/greenml-e2e}"
DEST="$CACHE/code-server-$VERSION"
STAMP="$DEST/.greenml-e2e-complete"

log() { echo "install-code-server: $*" >&2; }

# --- Debian packages -------------------------------------------------------------------------------
# binary or file -> package that provides it
declare -A NEEDED=(
  [/usr/bin/chromium]=chromium
  [/usr/bin/rg]=ripgrep
  [/usr/bin/pkg-config]=pkg-config
  [/usr/include/krb5.h]=libkrb5-dev
  [/usr/bin/g++]=g++
  [/usr/bin/make]=make
)
missing=()
for path in "${!NEEDED[@]}"; do
  [ -e "$path" ] || missing+=("${NEEDED[$path]}")
done
command -v python3 >/dev/null || missing+=(python3)
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { log "need root or sudo to install: ${missing[*]}"; exit 1; }
    SUDO=(sudo)
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq >&2
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# --- code-server ----------------------------------------------------------------------------------
if [ -f "$STAMP" ]; then
  echo "$DEST"
  exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.install.lock"
if command -v flock >/dev/null; then flock 9; fi
if [ -f "$STAMP" ]; then   # another process finished it while we waited
  echo "$DEST"
  exit 0
fi

started=$(date +%s)
WORK="$(mktemp -d "$CACHE/.tmp-code-server-$VERSION.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

log "fetching code-server@$VERSION from the npm registry"
(cd "$WORK" && npm pack --silent "code-server@$VERSION" >/dev/null)
tar -xzf "$WORK"/code-server-"$VERSION".tgz -C "$WORK"
PKG="$WORK/package"
rm -f "$WORK"/code-server-"$VERSION".tgz

log "installing dependencies (no install scripts)"
(cd "$PKG" && npm install --omit=dev --ignore-scripts --no-package-lock --loglevel=error >&2)
(cd "$PKG/lib/vscode" && npm install --omit=dev --ignore-scripts --no-package-lock --loglevel=error >&2)

NPM_ROOT="$(npm root -g)"
NODE_GYP="$NPM_ROOT/npm/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$NODE_GYP" ] || NODE_GYP="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$NODE_GYP" ] || { log "node-gyp (bundled with npm) not found"; exit 1; }
# Node's headers: from the node install itself when present (no download), else node-gyp fetches them.
NODEDIR_ARGS=()
NODE_PREFIX="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
if [ -f "$NODE_PREFIX/include/node/node_api.h" ] && [ -f "$NODE_PREFIX/include/node/common.gypi" ]; then NODEDIR_ARGS=(--nodedir="$NODE_PREFIX"); fi

log "building native modules"
while IFS= read -r gyp; do
  dir="$(dirname "$gyp")"
  # only package roots (a binding.gyp beside a package.json), not test or dependency sub-folders
  [ -f "$dir/package.json" ] || continue
  case "$dir" in */test/*|*/tests/*|*/deps/*) continue ;; esac
  log "  node-gyp rebuild ${dir#"$PKG"/}"
  (cd "$dir" && node "$NODE_GYP" rebuild --jobs=max "${NODEDIR_ARGS[@]}" >"$WORK/gyp.log" 2>&1) || { cat "$WORK/gyp.log" >&2; log "native build failed in $dir"; exit 1; }
done < <(find "$PKG/lib/vscode/node_modules" -name binding.gyp -not -path '*/node_modules/*/node_modules/*/node_modules/*' | sort)
(cd "$PKG" && npm rebuild argon2 --loglevel=error >&2)

log "ripgrep from Debian, node_modules.asar, built-in extensions"
mkdir -p "$PKG/lib/vscode/node_modules/@vscode/ripgrep/bin"
cp /usr/bin/rg "$PKG/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"
ln -sfn node_modules "$PKG/lib/vscode/node_modules.asar"
(cd "$PKG/lib/vscode/extensions" && npm install --omit=dev --ignore-scripts --no-package-lock --loglevel=error >&2)

# Smoke test: the entry point is there and the native modules VS Code's server loads do load.
[ -f "$PKG/out/node/entry.js" ] || { log "out/node/entry.js missing"; exit 1; }
for module in @vscode/spdlog node-pty @parcel/watcher kerberos native-watchdog; do
  (cd "$PKG/lib/vscode" && node -e "require('./node_modules/$module')") || { log "native module $module does not load"; exit 1; }
done
(cd "$PKG" && node -e "require('argon2')") || { log "native module argon2 does not load"; exit 1; }

touch "$PKG/.greenml-e2e-complete"
rm -rf "$DEST"
mv "$PKG" "$DEST"
log "installed in $(( $(date +%s) - started )) s"
echo "$DEST"
