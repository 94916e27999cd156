#!/usr/bin/env bash
# Installs what sifee needs on a developer's or CI's machine, and does nothing (quickly)
# when it is all there already. Run by `npm test`, `npm start` and `.ci/run`.
#
#   bash scripts/provision.sh                   progress for every step
#   bash scripts/provision.sh --quiet           print only when something gets installed
#   bash scripts/provision.sh --print-temporal  stdout: only the Temporal CLI's path (all else on stderr)
#   bash scripts/provision.sh --cluster         also what cluster mode needs (4. below)
#   bash scripts/provision.sh --node            only 2. (node_modules and Node 24): for the scripts
#                                               that need nothing else (npm run api, worker, replay…)
#
# What it provides:
#   1. Debian packages: chromium, fonts-noto-cjk (Chinese text in PDFs), docker-compose
#      (`docker-compose config` in tests) and poppler-utils (pdftotext in tests).
#   2. node_modules (npm ci, with Puppeteer's own browser download skipped), and with it Node 24
#      LTS from the npm registry (package.json's optionalDependencies node-linux-*) where the
#      machine's Node is older: npm scripts find node_modules/.bin/node first on PATH.
#   3. The Temporal CLI (its dev server): $TEMPORAL_CLI_PATH, `temporal` on PATH, a copy
#      built before in ${XDG_CACHE_HOME:-~/.cache}/sifee, else `go install` of v1.5.1.
#      The path found is written to .tools/temporal-path. Temporal's UI server (run read-only in
#      every mode: src/temporal-ui.ts), built and cached the same way: .tools/temporal-ui-server-path.
#   4. With --cluster (`npm run start:cluster`, `npm test`): the real Temporal server and its
#      temporal-sql-tool, each built once with `go install` and cached in
#      ${XDG_CACHE_HOME:-~/.cache}/sifee like the CLI, the server's PostgreSQL schemas, and
#      Debian's PostgreSQL server binaries (initdb, pg_ctl) unless DATABASE_URL is set. Paths
#      go to .tools/temporal-{server,sql-tool}-path and .tools/temporal-schema-dir.
# Environment: CI=true turns a missing system package that cannot be installed here into a
# failure instead of a warning.
set -euo pipefail

SUPPORTED_NODE_MAJOR=24 # src/runtime/node-version.ts

TEMPORAL_VERSION=v1.5.1
TEMPORAL_MODULE=github.com/temporalio/cli/cmd/temporal

# Cluster mode: the server and its UI server (two programs both named `server`: each is built
# into a GOBIN of its own). ui-server v2.58+ needs a newer Go than Debian's machines have.
TEMPORAL_SERVER_VERSION=v1.29.1
TEMPORAL_SERVER_MODULE=go.temporal.io/server
TEMPORAL_UI_VERSION=v2.42.1
TEMPORAL_UI_MODULE=github.com/temporalio/ui-server/v2/cmd/server

quiet=0
print_temporal=0
cluster=0
node_only=0
for arg in "$@"; do
  case "$arg" in
    --quiet | -q) quiet=1 ;;
    --print-temporal) print_temporal=1 ;;
    --cluster) cluster=1 ;;
    --node) node_only=1 ;;
    -h | --help)
      sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'
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
  # npm itself may run on the machine's older Node and warns (EBADENGINE) that package.json asks
  # for 24: that is the Node this very install brings.
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund </dev/null || die "npm ci failed"
  touch "$marker"
  say "npm ci done"
}

# The machine's own Node: the first on PATH outside node_modules/.bin (npm scripts put that first).
machine_node_version() {
  local p
  p=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)
  PATH=$p node --version 2>/dev/null || echo none
}

# The Node that npm scripts run: node_modules/.bin/node (Node 24 from the registry) when the
# platform has a package of it, else the machine's own.
provision_node_runtime() {
  local node version major
  node=node_modules/.bin/node
  [ -x "$node" ] || node=$(command -v node) || die "no node found"
  version=$("$node" --version) || die "$node does not run"
  major=${version#v}
  major=${major%%.*}
  if ((major < SUPPORTED_NODE_MAJOR)); then
    die "Node $version ($node) is older than the supported Node $SUPPORTED_NODE_MAJOR LTS, and the npm registry has no node-$(uname -s | tr A-Z a-z)-* package for this machine in package.json: install Node $SUPPORTED_NODE_MAJOR"
  fi
  if [ "$node" = node_modules/.bin/node ]; then
    info "Node: $version (node_modules/.bin/node, from the npm registry; the machine's is $(machine_node_version))"
  else
    info "Node: $version ($node)"
  fi
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

# Builds one program with `go install` into a temporary GOBIN, showing progress, then moves it
# to $dest. The first build downloads and compiles a lot (minutes); Go's caches make a later
# rebuild take about a minute.
go_build() { # label, module@version, binary name in GOBIN, destination, go
  local label=$1 target=$2 binary=$3 dest=$4 go=$5 tmp hb rc=0
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/sifee-gobuild.XXXXXX")
  say "building $label with $("$go" version | cut -d' ' -f3) (go install $target)"
  say "  the first build downloads modules and compiles for several minutes; it is cached in $dest afterwards"
  (
    start=$SECONDS
    while sleep 15; do
      printf 'provision:   ... still building %s (%d s)\n' "$label" "$((SECONDS - start))"
    done
  ) &
  hb=$!
  # shellcheck disable=SC2064 # expand now: these are this call's pid and dir
  trap "kill $hb 2>/dev/null; rm -rf '$tmp'" EXIT
  # go prints "go: downloading ..." for each module it fetches; pass those lines through.
  GOBIN="$tmp" "$go" install "$target" 2>&1 | sed -u 's/^/provision:   /' || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  if ((rc != 0)) || ! [ -x "$tmp/$binary" ]; then
    rm -rf "$tmp"
    trap - EXIT
    return 1
  fi
  mkdir -p "$(dirname "$dest")"
  # Copy next to the destination first, then rename: never a half-written binary in the cache.
  cp "$tmp/$binary" "$dest.partial.$$"
  mv -f "$dest.partial.$$" "$dest"
  rm -rf "$tmp"
  trap - EXIT
  say "built $label: $dest"
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
    go_build "the Temporal CLI $TEMPORAL_VERSION" "$TEMPORAL_MODULE@$TEMPORAL_VERSION" temporal "$cached" "$go" || die "go install $TEMPORAL_MODULE@$TEMPORAL_VERSION failed (see above)"
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

# ---------------------------------------------------------------------------------------
# 4. Cluster mode: the Temporal server, temporal-sql-tool, the UI server, PostgreSQL
# ---------------------------------------------------------------------------------------
write_tool_path() { # file under .tools, value
  if [ "$(cat ".tools/$1" 2>/dev/null || true)" != "$2" ]; then
    { mkdir -p .tools && printf '%s\n' "$2" >".tools/$1"; } 2>/dev/null || warn "could not write $root/.tools/$1"
  fi
}

# A cached program, else built: label, module@version, binary name in GOBIN, cache file name, .tools file.
cached_go_program() {
  local label=$1 target=$2 binary=$3 name=$4 file=$5 cached go
  cached="${XDG_CACHE_HOME:-$HOME/.cache}/sifee/$name"
  if [ -x "$cached" ]; then
    info "$label: $cached (built before)"
  else
    go=$(find_go) || die "$label is needed and no Go toolchain builds it: install Go (https://go.dev/dl)"
    go_build "$label" "$target" "$binary" "$cached" "$go" || die "go install $target failed (see above)"
  fi
  write_tool_path "$file" "$cached"
}

# The server's versioned SQL schemas, copied out of Go's module cache (which `go clean` empties).
provision_schema() {
  local dest="${XDG_CACHE_HOME:-$HOME/.cache}/sifee/temporal-schema-$TEMPORAL_SERVER_VERSION" go dir
  if ! [ -d "$dest/postgresql/v12/temporal/versioned" ]; then
    go=$(find_go) || die "no Go toolchain to fetch the Temporal server's schemas"
    dir=$("$go" mod download -json "$TEMPORAL_SERVER_MODULE@$TEMPORAL_SERVER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -d "$dir/schema/postgresql/v12" ] || die "no schema/postgresql/v12 in $TEMPORAL_SERVER_MODULE@$TEMPORAL_SERVER_VERSION ($dir)"
    mkdir -p "$dest.partial.$$"
    cp -R "$dir/schema/postgresql" "$dest.partial.$$/"
    chmod -R u+w "$dest.partial.$$"
    rm -rf "$dest"
    mv "$dest.partial.$$" "$dest"
    say "Temporal's PostgreSQL schemas: $dest"
  fi
  info "Temporal schemas: $dest/postgresql/v12"
  write_tool_path temporal-schema-dir "$dest/postgresql/v12"
}

provision_postgres_server() {
  if [ -n "${DATABASE_URL:-}" ]; then
    info "PostgreSQL server binaries: not needed (DATABASE_URL is set)"
    return 0
  fi
  if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    info "PostgreSQL server binaries: $(compgen -G '/usr/lib/postgresql/*/bin/initdb' | head -n 1 | xargs dirname)"
    return 0
  fi
  if is_root && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's PostgreSQL server (apt-get install postgresql; a private server for cluster mode)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null || die "apt-get update failed"
    apt-get install -y -q --no-install-recommends postgresql </dev/null || die "apt-get install postgresql failed"
  else
    local msg="no PostgreSQL server binaries (initdb) and cannot install them here: sudo apt-get install -y postgresql, or set DATABASE_URL"
    if [ "${CI:-}" = true ]; then die "$msg"; fi
    warn "$msg"
  fi
}

# The web UI in every mode: npm start runs it read-only in front of the dev server (src/temporal-ui.ts).
provision_temporal_ui() {
  cached_go_program "the Temporal UI server $TEMPORAL_UI_VERSION" "$TEMPORAL_UI_MODULE@$TEMPORAL_UI_VERSION" server \
    "temporal-ui-server-$TEMPORAL_UI_VERSION" temporal-ui-server-path
}

provision_cluster() {
  cached_go_program "the Temporal server $TEMPORAL_SERVER_VERSION" "$TEMPORAL_SERVER_MODULE/cmd/server@$TEMPORAL_SERVER_VERSION" server \
    "temporal-server-$TEMPORAL_SERVER_VERSION" temporal-server-path
  cached_go_program "temporal-sql-tool $TEMPORAL_SERVER_VERSION" "$TEMPORAL_SERVER_MODULE/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" sql \
    "temporal-sql-tool-$TEMPORAL_SERVER_VERSION" temporal-sql-tool-path
  provision_schema
  provision_postgres_server
}

# Said up front, so a first start that takes minutes is not taken for a hang.
announce_first_run() {
  local todo=()
  [ -f node_modules/.package-lock.json ] || todo+=("npm ci (a minute or two)")
  ((node_only)) && { ((${#todo[@]})) && say "first run here: ${todo[*]}"; return 0; }
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/sifee"
  [ -x /usr/bin/chromium ] || [ -n "${PUPPETEER_EXECUTABLE_PATH:-}" ] || todo+=("Debian's chromium and fonts (apt-get, a minute or two)")
  if [ -z "${TEMPORAL_CLI_PATH:-}" ] && ! command -v temporal >/dev/null 2>&1 && ! [ -x "$cache/temporal-$TEMPORAL_VERSION" ]; then
    todo+=("the Temporal CLI built with go install (3-6 minutes, once)")
  fi
  if ! [ -x "$cache/temporal-ui-server-$TEMPORAL_UI_VERSION" ]; then
    todo+=("the Temporal UI server built with go install (2-4 minutes, once)")
  fi
  if ((cluster)) && ! [ -x "$cache/temporal-server-$TEMPORAL_SERVER_VERSION" ]; then
    todo+=("the Temporal server and its SQL tool built with go install (5-10 minutes, once)")
  fi
  ((${#todo[@]})) || return 0
  say "first run on this machine: installing what is missing, then everything is reused:"
  local t
  for t in "${todo[@]}"; do say "  - $t"; done
}

announce_first_run
if ((node_only)); then
  provision_node_modules
  provision_node_runtime
  exit 0
fi
provision_system_packages
provision_node_modules
provision_node_runtime
temporal_path=
resolve_temporal
write_temporal_path
provision_temporal_ui
if ((cluster)); then provision_cluster; fi
if ((print_temporal)) && [ -n "$temporal_path" ]; then
  printf '%s\n' "$temporal_path" >&3
fi
exit 0
