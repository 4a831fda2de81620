#!/usr/bin/env bash
# Prepares a real-world Python corpus for GreenML's tests and benchmarks, from Debian packages only.
#
#   scripts/fetch-corpus.sh [--force] [--quiet]
#
# Layout of the cache (${GREENML_CORPUS_DIR:-$HOME/.cache/greenml-corpus}):
#   sklearn/examples/<topic>/*.py      scikit-learn example scripts   (python-sklearn-doc)
#   sklearn/notebooks/<topic>/*.ipynb  the same examples as notebooks (python-sklearn-doc, gunzipped)
#   torch/{torch,functorch,torchgen}/  PyTorch's Python sources + .yaml (python3-torch)
#   cpython/                           CPython 3.11 standard library, .py only (libpython3.11-minimal/-stdlib)
#   <part>/SOURCE                      where the part came from (package versions)
#   .complete                          marker: present and matching FORMAT => nothing to do
#
# Only .py/.ipynb/.yaml/.yml/.json files are kept. Progress goes to stderr; the last (only) stdout
# line is the corpus path, so `CORPUS=$(scripts/fetch-corpus.sh | tail -1)` works.
# When the cache is complete the script only checks the marker and prints the path.
# Needs: apt-get, dpkg-deb, gzip, find (Debian). Root is needed only if `apt-get update` is required.
set -euo pipefail

FORMAT='greenml-corpus v1: sklearn(python-sklearn-doc) torch(python3-torch) cpython(libpython3.11-minimal+stdlib)'
FORCE=0
QUIET=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --quiet|-q) QUIET=1 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fetch-corpus: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

log() { [ "$QUIET" = 1 ] || echo "fetch-corpus: $*" >&2; }
die() { echo "fetch-corpus: error: $*" >&2; exit 1; }

if [ -z "${GREENML_CORPUS_DIR:-}" ] && [ -z "${HOME:-}" ]; then
  die "neither GREENML_CORPUS_DIR nor HOME is set; set GREENML_CORPUS_DIR to the cache folder"
fi
DIR="${GREENML_CORPUS_DIR:-$HOME/.cache/greenml-corpus}"
case "$DIR" in /*) ;; *) DIR="$PWD/$DIR" ;; esac
MARKER="$DIR/.complete"

# Complete = the marker matches FORMAT and no part was deleted since.
cache_complete() {
  [ -f "$MARKER" ] && [ "$(head -n1 "$MARKER")" = "$FORMAT" ] \
    && [ -f "$DIR/sklearn/SOURCE" ] && [ -f "$DIR/torch/SOURCE" ] && [ -f "$DIR/cpython/SOURCE" ]
}

# Fast path: a complete cache.
if [ "$FORCE" = 0 ] && cache_complete; then
  echo "$DIR"
  exit 0
fi

for tool in apt-get dpkg-deb gzip find flock du tar; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed; this script needs a Debian machine with apt and dpkg"
done

mkdir -p "$DIR" || die "cannot create the corpus folder $DIR"
# One builder at a time (e.g. parallel test runners); the others wait, then see the marker.
exec 9>"$DIR/.lock"
flock 9
if [ "$FORCE" = 0 ] && cache_complete; then
  echo "$DIR"
  exit 0
fi
rm -f "$MARKER"
rm -rf "$DIR"/.tmp.* # left by a run that was killed

# Work inside $DIR so that finished parts are moved into place by an atomic rename.
TMP="$(mktemp -d "$DIR/.tmp.XXXXXX")" || die "cannot create a temp folder in $DIR"
trap 'rm -rf "$TMP"' EXIT

APT_OPTS=(-q)
# As root apt drops to the _apt user, which cannot write into our private temp dir (harmless warning).
[ "$(id -u)" = 0 ] && APT_OPTS+=(-o APT::Sandbox::User=root)
APT_UPDATED=0

# download PKG... : fetch .deb files into $TMP/debs, running `apt-get update` once if the first try fails.
download() {
  mkdir -p "$TMP/debs"
  if (cd "$TMP/debs" && apt-get "${APT_OPTS[@]}" download "$@" >"$TMP/apt.log" 2>&1); then
    return 0
  fi
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get download $* failed; running apt-get update and retrying"
    if [ "$(id -u)" != 0 ]; then
      sed 's/^/  /' "$TMP/apt.log" >&2
      die "apt-get download $* failed and 'apt-get update' needs root: run 'sudo apt-get update' and retry"
    fi
    apt-get -q update >"$TMP/update.log" 2>&1 || { sed 's/^/  /' "$TMP/update.log" >&2; die "apt-get update failed"; }
    APT_UPDATED=1
    if (cd "$TMP/debs" && apt-get "${APT_OPTS[@]}" download "$@" >"$TMP/apt.log" 2>&1); then
      return 0
    fi
  fi
  sed 's/^/  /' "$TMP/apt.log" >&2
  die "apt-get download $* failed (is Debian's apt mirror reachable?)"
}

deb_of() { # deb_of PKG -> path of its downloaded .deb
  local f
  f="$(find "$TMP/debs" -maxdepth 1 -name "${1}_*.deb" | head -n1)"
  [ -n "$f" ] || die "no .deb for $1 in $TMP/debs"
  echo "$f"
}

deb_version() { dpkg-deb -f "$1" Version; }

# keep_only DIR : gunzip *.py.gz/*.ipynb.gz/*.json.gz, then drop everything but .py/.ipynb/.yaml/.yml/.json
keep_only() {
  find "$1" -type l -delete
  find "$1" -type f \( -name '*.py.gz' -o -name '*.ipynb.gz' -o -name '*.json.gz' \) -exec gzip -df {} +
  find "$1" -type f ! \( -name '*.py' -o -name '*.ipynb' -o -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -delete
  find "$1" -name __pycache__ -prune -exec rm -rf {} +
  find "$1" -mindepth 1 -type d -empty -delete
}

count() { find "$1" -type f -name "$2" | wc -l; }

# install_part NAME BUILT_DIR : atomically replace $DIR/NAME with BUILT_DIR.
install_part() {
  rm -rf "$DIR/$1.old"
  [ -e "$DIR/$1" ] && mv "$DIR/$1" "$DIR/$1.old"
  mv "$2" "$DIR/$1"
  rm -rf "$DIR/$1.old"
  log "$1: $(count "$DIR/$1" '*.py') .py, $(count "$DIR/$1" '*.ipynb') .ipynb, $(count "$DIR/$1" '*.y*ml') .yaml/.yml, $(count "$DIR/$1" '*.json') .json, $(du -sh "$DIR/$1" | cut -f1) -> $DIR/$1"
}

# A part is reused when its SOURCE says it was built by this FORMAT (a half-finished run leaves none).
part_done() { [ "$FORCE" = 0 ] && [ -f "$DIR/$1/SOURCE" ] && [ "$(head -n1 "$DIR/$1/SOURCE")" = "$FORMAT" ]; }

need=()
part_done sklearn || need+=(python-sklearn-doc)
part_done torch || need+=(python3-torch)
if [ "${#need[@]}" -gt 0 ]; then
  log "downloading ${need[*]}"
  download "${need[@]}"
  log "downloaded: $(cd "$TMP/debs" && du -ch ./*.deb | tail -n1 | cut -f1) ($(cd "$TMP/debs" && ls ./*.deb | sed 's|^\./||' | tr '\n' ' '))"
fi

# --- scikit-learn examples -------------------------------------------------------------------
if part_done sklearn; then
  log "sklearn: cached"
else
  deb="$(deb_of python-sklearn-doc)"
  x="$TMP/x-sklearn"; out="$TMP/sklearn"
  dpkg-deb -x "$deb" "$x" || die "dpkg-deb -x $deb failed"
  doc="$x/usr/share/doc/python-sklearn-doc"
  [ -d "$doc/examples" ] || die "python-sklearn-doc has no usr/share/doc/python-sklearn-doc/examples (package layout changed?)"
  mkdir -p "$out"
  mv "$doc/examples" "$out/examples"
  keep_only "$out/examples"
  # html/_downloads/<hash>/ holds each example again as .py (identical names; skipped) and as a
  # notebook (.ipynb or .ipynb.gz): file the notebooks beside their example's topic folder.
  if [ -d "$doc/html/_downloads" ]; then
    find "$doc/html/_downloads" -type f -name '*.ipynb.gz' -exec gzip -d {} +
    while IFS= read -r nb; do
      base="$(basename "$nb" .ipynb)"
      py="$(find "$out/examples" -type f -name "$base.py" | head -n1)"
      if [ -n "$py" ]; then
        rel="$(dirname "${py#"$out/examples/"}")"
      else
        rel="other"
      fi
      mkdir -p "$out/notebooks/$rel"
      mv "$nb" "$out/notebooks/$rel/$base.ipynb"
    done < <(find "$doc/html/_downloads" -type f -name '*.ipynb')
  fi
  n="$(count "$out/examples" '*.py')"
  [ "$n" -ge 200 ] || die "python-sklearn-doc gave only $n example scripts (expected ~285)"
  printf '%s\npython-sklearn-doc %s\n' "$FORMAT" "$(deb_version "$deb")" >"$out/SOURCE"
  install_part sklearn "$out"
fi

# --- PyTorch Python sources ------------------------------------------------------------------
if part_done torch; then
  log "torch: cached"
else
  deb="$(deb_of python3-torch)"
  x="$TMP/x-torch"; out="$TMP/torch"
  dpkg-deb -x "$deb" "$x" || die "dpkg-deb -x $deb failed"
  site="$x/usr/lib/python3/dist-packages"
  [ -f "$site/torch/__init__.py" ] || die "python3-torch has no usr/lib/python3/dist-packages/torch/__init__.py (package layout changed?)"
  mkdir -p "$out"
  for pkg in torch functorch torchgen; do
    [ -d "$site/$pkg" ] && mv "$site/$pkg" "$out/$pkg"
  done
  keep_only "$out"
  printf '%s\npython3-torch %s\n' "$FORMAT" "$(deb_version "$deb")" >"$out/SOURCE"
  install_part torch "$out"
fi

# --- CPython standard library ----------------------------------------------------------------
if part_done cpython; then
  log "cpython: cached"
else
  out="$TMP/cpython"
  src=""; origin=""
  # Prefer Debian's installed stdlib (libpython3.11-minimal + -stdlib; python3-distutils/-lib2to3 too).
  if [ -f /usr/lib/python3.11/os.py ] && [ -f /usr/lib/python3.11/argparse.py ] \
     && command -v dpkg-query >/dev/null 2>&1 \
     && dpkg-query -W -f='${Status}' libpython3.11-stdlib 2>/dev/null | grep -q 'install ok installed'; then
    src=/usr/lib/python3.11
    origin="installed: $(dpkg-query -W -f='${Package} ${Version}, ' libpython3.11-minimal libpython3.11-stdlib python3-distutils python3-lib2to3 2>/dev/null | sed 's/, $//' || true)"
  else
    # python3-distutils/-lib2to3 are stdlib modules Debian splits out; fetched too so both routes match.
    stdpkgs=(libpython3.11-minimal libpython3.11-stdlib python3-distutils python3-lib2to3)
    log "Debian's python3.11 stdlib is not installed; downloading ${stdpkgs[*]}"
    download "${stdpkgs[@]}"
    for p in "${stdpkgs[@]}"; do
      dpkg-deb -x "$(deb_of "$p")" "$TMP/x-cpython" || die "dpkg-deb -x for $p failed"
    done
    src="$TMP/x-cpython/usr/lib/python3.11"
    [ -f "$src/os.py" ] || die "libpython3.11-minimal/-stdlib gave no usr/lib/python3.11/os.py"
    origin="downloaded:"
    for p in "${stdpkgs[@]}"; do origin="$origin $p $(deb_version "$(deb_of "$p")"),"; done
    origin="${origin%,}"
  fi
  log "cpython: copying .py files from $src"
  mkdir -p "$out"
  # Copy (not link): hard links across overlay/other file systems are unreliable, and it is ~30 MB.
  (cd "$src" && find . \( -name site-packages -o -name dist-packages -o -name __pycache__ \) -prune \
      -o -type f -name '*.py' -print0 | tar --null -T - -cf -) | tar -xf - -C "$out" \
    || die "copying the stdlib from $src failed"
  [ -f "$out/os.py" ] || die "the stdlib copy in $out has no os.py"
  printf '%s\n%s (usr/lib/python3.11)\n' "$FORMAT" "$origin" >"$out/SOURCE"
  install_part cpython "$out"
fi

printf '%s\n' "$FORMAT" >"$MARKER"
log "total $(du -sh --exclude='.tmp.*' "$DIR" | cut -f1) in $DIR"
echo "$DIR"
