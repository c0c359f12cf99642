#!/usr/bin/env bash
# scripts/v2-test.sh [--here] [-j N] [GROUP...]: the live test groups of scripts/v2-groups.txt (default: all) on the
# systemd + cgroup v2 host (scripts/v2-host.sh: the emulated VM), or with --here on this host, as root. Runs the
# built tests (dist/test: `npm run build` first; `npm run test:v2` does both), N files at a time (default 2), and
# ends with one line per group: tests run, passed, skipped (reasons listed), failed. Exit 0 when nothing failed.
set -euo pipefail
cd "$(dirname "$0")/.."
here= copy= jobs=2 groups=()
while [ $# -gt 0 ]; do
  case $1 in
    --here) here=1 ;;
    --copy) copy=1 ;;
    -j) jobs=$2; shift ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "v2-test: unknown option $1" >&2; exit 2 ;;
    *) groups+=("$1") ;;
  esac
  shift
done
[ -d dist/test ] || { echo "v2-test: no dist/test (run npm run build)" >&2; exit 2; }
if [ -z "$here" ]; then exec scripts/v2-host.sh scripts/v2-test.sh --here --copy -j "$jobs" ${groups[@]+"${groups[@]}"}; fi
if [ -n "$copy" ]; then
  # in the VM: run a copy of the checkout (without node_modules and .git, ~10 MB) from the VM's own tmpfs, so that a
  # build on the host meanwhile changes nothing under the tests, and files load without 9p round trips
  src=$PWD dst=$(mktemp -d /tmp/nsx-v2-test.XXXXXX)
  tar -C "$src" --exclude=./node_modules --exclude=./.git --exclude=./.scratch -cf - . | tar -C "$dst" -xf -
  ln -s "$src/node_modules" "$dst/node_modules"
  cd "$dst"
fi

# GROUP FILE lines, in the order of scripts/v2-groups.txt, each file once
map=$(mktemp "${TMPDIR:-/tmp}/nsx-v2-groups.XXXXXX") hostonly=$(mktemp "${TMPDIR:-/tmp}/nsx-v2-host.XXXXXX")
trap 'rm -f "$map" "$hostonly"' EXIT
known=()
while read -r g paths; do
  case $g in ''|'#'*) continue ;; esac
  known+=("$g")
  if [ ${#groups[@]} -gt 0 ] && ! printf '%s\n' "${groups[@]}" | grep -qx -- "$g"; then continue; fi
  for p in $paths; do
    where=any
    case $p in host:*) p=${p#host:}; where=host ;; esac
    for f in dist/test/$p; do
      [ -e "$f" ] || continue
      if [ -d "$f" ]; then find "$f" -name '*.test.js' | sort; else echo "$f"; fi
    done | sed "s|^|$where |"
  done | while read -r where f; do
    grep -q " $f\$" "$map" "$hostonly" && continue
    # on the VM (scripts/v2-host.sh sets NSX_TEST_HOST), host-only files are listed, not run
    if [ "$where" = host ] && [ "${NSX_TEST_HOST:-}" = systemd-v2-vm ]; then echo "$g $f" >>"$hostonly"; else echo "$g $f" >>"$map"; fi
  done
done <scripts/v2-groups.txt
for g in ${groups[@]+"${groups[@]}"}; do
  printf '%s\n' "${known[@]}" | grep -qx -- "$g" || { echo "v2-test: no group '$g' in scripts/v2-groups.txt (${known[*]})" >&2; exit 2; }
done
[ -s "$map" ] || { echo "v2-test: no test file found" >&2; exit 2; }
mi=$(cat /proc/self/mountinfo)
layout=unified
if grep -q ' - cgroup ' <<<"$mi"; then if grep -q ' - cgroup2 ' <<<"$mi"; then layout=hybrid; else layout=legacy; fi; fi
pid1=$(cat /proc/1/comm 2>/dev/null || echo '?')
export NSX_TEST_GROUPS=$map NSX_TEST_HOSTONLY=$hostonly NSX_TEST_LAYOUT="$layout cgroups, $(uname -r), PID 1 $pid1"
echo "v2-test: $(wc -l <"$map") files in $(cut -d' ' -f1 "$map" | uniq | wc -l) groups on $NSX_TEST_LAYOUT"
s=$(date +%s)
# the reporter prints a file when it and the files before it are done: say every 2 minutes which files run, so a
# slow or stuck file shows in a log while it runs (and in the log of a run the VM's timeout ended)
{ while sleep 120; do
    echo "v2-test: $(($(date +%s) - s)) s: running $(ps -eo args= | grep -v -e ' --test ' | tr ' ' '\n' | grep "^$PWD/dist/test/.*\.test\.js\$" | sed "s|^$PWD/||" | sort -u | tr '\n' ' ')" >&2
  done; } &
ticker=$!
trap 'rm -f "$map" "$hostonly"; kill $ticker 2>/dev/null || true' EXIT
rc=0
# the systemd group compares nsx with systemd-cgls/systemd-cgtop walking the whole tree: it runs alone, after the
# others (systemd-cgls skips the rest of a level where a cgroup vanishes under it, and other groups' tests, such as
# the exporter's churn test, create and remove cgroups all the time)
# (two runs, a table each)
awk '$1 != "systemd"' "$map" >"$map.shared"; awk '$1 == "systemd"' "$map" >"$map.alone"
if [ -s "$map.shared" ]; then NSX_TEST_GROUPS=$map.shared node --test --test-concurrency="$jobs" --test-reporter=./scripts/v2-reporter.mjs $(cut -d' ' -f2 "$map.shared") || rc=$?; fi
if [ -s "$map.alone" ]; then NSX_TEST_GROUPS=$map.alone NSX_TEST_HOSTONLY= node --test --test-concurrency=1 --test-reporter=./scripts/v2-reporter.mjs $(cut -d' ' -f2 "$map.alone") || rc=$?; fi
rm -f "$map.shared" "$map.alone"
echo "v2-test: $(($(date +%s) - s)) s"
exit $rc
