#!/usr/bin/env bash
# Installs what sifee needs on a developer's or CI's machine, and does nothing (quickly)
# when it is all there already. Run by `npm test`, `npm start` and `.ci/run`.
#
#   bash scripts/provision.sh                   progress for every step
#   bash scripts/provision.sh --quiet           print only when something gets installed
#   bash scripts/provision.sh --print-temporal  stdout: only the Temporal CLI's path (all else on stderr)
#
# What it provides:
#   1. Debian packages: chromium, fonts-noto-cjk (Chinese text in PDFs), docker-compose
#      (`docker-compose config` in tests) and poppler-utils (pdftotext in tests).
#   2. node_modules (npm ci, with Puppeteer's own browser download skipped).
#   3. The Temporal CLI (its dev server): $TEMPORAL_CLI_PATH, `temporal` on PATH, a copy
#      built before in ${XDG_CACHE_HOME:-~/.cache}/sifee, else `go install` of v1.5.1.
#      The path found is written to .tools/temporal-path.
# Environment: CI=true turns a missing system package that cannot be installed here into a
# failure instead of a warning.
set -euo pipefail

TEMPORAL_VERSION=v1.5.1
TEMPORAL_MODULE=github.com/temporalio/cli/cmd/temporal

quiet=0
print_temporal=0
for arg in "$@"; do
  case "$arg" in
    --quiet | -q) quiet=1 ;;
    --print-temporal) print_temporal=1 ;;
    -h | --help)
      sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "provision: unknown option '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

# With --print-temporal, fd 3 is the real stdout and everything else (our messages and the
# output of apt-get, npm and go) goes to stderr.
if ((print_temporal)); then
  exec 3>&1 1>&2
fi

caller_pwd=$PWD
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# A relative TEMPORAL_CLI_PATH means relative to where the script was started.
case "${TEMPORAL_CLI_PATH:-}" in "" | /*) ;; *) TEMPORAL_CLI_PATH="$caller_pwd/$TEMPORAL_CLI_PATH" ;; esac

# info: suppressed by --quiet. say: always (installing, warnings).
info() { ((quiet)) || printf 'provision: %s\n' "$*"; }
say() { printf 'provision: %s\n' "$*"; }
warn() { printf 'provision: WARNING: %s\n' "$*" >&2; }
die() {
  printf 'provision: ERROR: %s\n' "$*" >&2
  exit 1
}
is_root() { [ "$(id -u)" = 0 ]; }

# ---------------------------------------------------------------------------------------
# 1. System packages (Chromium, CJK fonts, docker-compose, pdftotext)
# ---------------------------------------------------------------------------------------
have_cjk_font() {
  if command -v fc-list >/dev/null 2>&1; then
    [ -n "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]
  else
    compgen -G '/usr/share/fonts/opentype/noto/*CJK*' >/dev/null
  fi
}

provision_system_packages() {
  local wanted=() # packages whose capability is missing
  if [ -n "${PUPPETEER_EXECUTABLE_PATH:-}" ] && [ -x "${PUPPETEER_EXECUTABLE_PATH}" ]; then
    info "browser: $PUPPETEER_EXECUTABLE_PATH (PUPPETEER_EXECUTABLE_PATH)"
  else
    if [ -n "${PUPPETEER_EXECUTABLE_PATH:-}" ]; then
      warn "PUPPETEER_EXECUTABLE_PATH=$PUPPETEER_EXECUTABLE_PATH is not an executable file; looking for /usr/bin/chromium"
    fi
    if [ -x /usr/bin/chromium ]; then
      info "browser: /usr/bin/chromium"
    else
      wanted+=(chromium)
    fi
  fi
  if have_cjk_font; then info "CJK font: present"; else wanted+=(fonts-noto-cjk); fi
  if command -v docker-compose >/dev/null 2>&1; then info "docker-compose: present"; else wanted+=(docker-compose); fi
  if command -v pdftotext >/dev/null 2>&1; then info "pdftotext: present"; else wanted+=(poppler-utils); fi
  ((${#wanted[@]})) || return 0

  # Check each package on its own and install only what dpkg does not have.
  local missing=() pkg
  if command -v dpkg >/dev/null 2>&1; then
    for pkg in "${wanted[@]}"; do
      dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
      warn "packages ${wanted[*]} are installed but what they provide was not found (chromium at /usr/bin/chromium, a CJK font in fc-list, docker-compose, pdftotext)"
      return 0
    fi
  else
    missing=("${wanted[@]}")
  fi

  if is_root && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${missing[*]} (apt-get; takes a minute or two)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null || die "apt-get update failed"
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null ||
      die "apt-get install ${missing[*]} failed"
    say "installed: ${missing[*]}"
  else
    local why="not root"
    is_root && why="no apt-get"
    local msg="missing: ${missing[*]} ($why). Install them, e.g.: sudo apt-get install -y ${missing[*]}"
    if [ "${CI:-}" = true ]; then die "$msg"; fi
    warn "$msg — continuing; browser, PDF and docker-compose tests will fail until then"
  fi
}

# ---------------------------------------------------------------------------------------
# 2. Node dependencies
# ---------------------------------------------------------------------------------------
provision_node_modules() {
  local marker=node_modules/.package-lock.json # written by npm on every install
  if [ -d node_modules ] && [ -f "$marker" ] && ! [ package-lock.json -nt "$marker" ]; then
    info "node_modules: up to date with package-lock.json"
    return 0
  fi
  if [ -d node_modules ]; then
    say "node_modules is older than package-lock.json: running npm ci"
  else
    say "node_modules is missing: running npm ci"
  fi
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund </dev/null || die "npm ci failed"
  touch "$marker"
  say "npm ci done"
}

# ---------------------------------------------------------------------------------------
# 3. Temporal CLI
# ---------------------------------------------------------------------------------------
find_go() {
  local g
  for g in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go /usr/lib/go/bin/go "$HOME/go/bin/go"; do
    if [ -n "$g" ] && [ -x "$g" ]; then
      printf '%s\n' "$g"
      return 0
    fi
  done
  return 1
}

# Builds the CLI with `go install` into a temporary GOBIN, showing progress, then moves it
# to $1. The first build downloads and compiles a lot (minutes); Go's caches make a later
# rebuild take about a minute.
build_temporal() {
  local dest=$1 go=$2 tmp hb rc=0
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/sifee-temporal.XXXXXX")
  say "building the Temporal CLI $TEMPORAL_VERSION with $("$go" version | cut -d' ' -f3) (go install $TEMPORAL_MODULE@$TEMPORAL_VERSION)"
  say "  the first build downloads modules and compiles for several minutes; it is cached in $dest afterwards"
  (
    start=$SECONDS
    while sleep 15; do
      printf 'provision:   ... still building the Temporal CLI (%d s)\n' "$((SECONDS - start))"
    done
  ) &
  hb=$!
  # shellcheck disable=SC2064 # expand now: these are this call's pid and dir
  trap "kill $hb 2>/dev/null; rm -rf '$tmp'" EXIT
  # go prints "go: downloading ..." for each module it fetches; pass those lines through.
  GOBIN="$tmp" "$go" install "$TEMPORAL_MODULE@$TEMPORAL_VERSION" 2>&1 | sed -u 's/^/provision:   /' || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  if ((rc != 0)) || ! [ -x "$tmp/temporal" ]; then
    rm -rf "$tmp"
    trap - EXIT
    return 1
  fi
  mkdir -p "$(dirname "$dest")"
  # Copy next to the destination first, then rename: never a half-written binary in the cache.
  cp "$tmp/temporal" "$dest.partial.$$"
  mv -f "$dest.partial.$$" "$dest"
  rm -rf "$tmp"
  trap - EXIT
  say "built the Temporal CLI: $dest"
}

resolve_temporal() {
  local cached="${XDG_CACHE_HOME:-$HOME/.cache}/sifee/temporal-$TEMPORAL_VERSION" p go
  if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
    [ -x "$TEMPORAL_CLI_PATH" ] || die "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file"
    info "temporal: $TEMPORAL_CLI_PATH (TEMPORAL_CLI_PATH)"
    temporal_path=$TEMPORAL_CLI_PATH
    return 0
  fi
  if p=$(command -v temporal 2>/dev/null) && [ -x "$p" ]; then
    info "temporal: $p (on PATH)"
    temporal_path=$p
    return 0
  fi
  if [ -x "$cached" ]; then
    info "temporal: $cached (built before)"
    temporal_path=$cached
    return 0
  fi
  if go=$(find_go); then
    build_temporal "$cached" "$go" || die "go install $TEMPORAL_MODULE@$TEMPORAL_VERSION failed (see above)"
    temporal_path=$cached
    return 0
  fi
  warn "no Temporal CLI found (TEMPORAL_CLI_PATH, 'temporal' on PATH, $cached) and no Go toolchain to build one."
  warn "The Temporal SDK will try to download its own dev server when tests start: that works only online."
  warn "To avoid that, install Go (https://go.dev/dl) and run this script again, or set TEMPORAL_CLI_PATH."
  temporal_path=
}

write_temporal_path() {
  local file=.tools/temporal-path
  if [ -z "$temporal_path" ]; then
    rm -f "$file"
    return 0
  fi
  # Absolute path, so readers need not know where we ran.
  case "$temporal_path" in /*) ;; *) temporal_path="$caller_pwd/$temporal_path" ;; esac
  if [ "$(cat "$file" 2>/dev/null || true)" != "$temporal_path" ]; then
    { mkdir -p .tools && printf '%s\n' "$temporal_path" >"$file"; } 2>/dev/null ||
      warn "could not write $root/$file"
  fi
}

provision_system_packages
provision_node_modules
temporal_path=
resolve_temporal
write_temporal_path
if ((print_temporal)) && [ -n "$temporal_path" ]; then
  printf '%s\n' "$temporal_path" >&3
fi
exit 0
