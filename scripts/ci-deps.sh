#!/usr/bin/env bash
# What the live tests and checks need beyond `npm install`, installed only when missing (Debian/Ubuntu, as
# root): a C compiler for the enter helper, util-linux's lsns/nsenter/unshare (oracles), prometheus's promtool
# (the exporter's exposition checks; prometheus itself for the live scrapes), zsh and fish (syntax checks of the shell
# completions), openssl, curl and strace (the exporter's TLS tests, the no-subprocess test).
set -euo pipefail
need=()
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v zsh >/dev/null 2>&1 || need+=(zsh)
command -v fish >/dev/null 2>&1 || need+=(fish)
# the exporter's web configuration tests (a throw-away CA, curl), and execve tracing in the no-subprocess test
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v strace >/dev/null 2>&1 || need+=(strace)
if [ ${#need[@]} -eq 0 ]; then
  echo "ci-deps: nothing to install"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ci-deps: missing ${need[*]} (install them; the tests that need them skip with a reason)" >&2
  exit 0
fi
echo "ci-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends "${need[@]}" >/dev/null || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; }
