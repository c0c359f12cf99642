#!/usr/bin/env bash
# scripts/v2-host.sh CMD [ARGS...]: run CMD (in $PWD) on the host most users run: systemd 252 as PID 1 on pure
# cgroup v2, with containerd and Docker started by systemd (Docker on the systemd cgroup driver) — the emulated VM
# of ../shared/tools/run-in-v2vm.sh (V2VM_INIT=systemd), prepared for nsx's live tests before CMD starts:
#   - the image nsx-busybox:latest in Docker, containerd (namespace default) and Podman, imported from the busybox
#     rootfs tar that scripts/runtimes.sh prepares (/var/lib/nsx-runtimes/busybox.tar, $NSX_RUNTIMES_STATE); never
#     pulled. The VM has no network at all (only lo); Docker runs with no bridge and no iptables.
#   - Podman on the systemd cgroup manager (its default under systemd), runc or crun, whichever is installed.
#   - NSX_TEST_SLOWDOWN (default 10): the emulated CPU runs Node ~25-40x slower; live tests scale their deadlines.
# Several runs may go on at once (this script, other sessions' VMs): each VM has its own /tmp, /run and
# /var/lib/{docker,containerd,containers} (tmpfs); only $PWD is shared with this host, and nothing is written there.
# Knobs: V2VM_MEM (default 3G here), V2VM_SMP, V2VM_TIMEOUT (default 2400 s), V2VM_UNITS (default containerd and
# docker). Exit: CMD's status; 124 timeout, 125 VM failure (run-in-v2vm.sh's).
set -euo pipefail
cd -- "$PWD"
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
if [ "${1:-}" != --inside ]; then
  [ $# -ge 1 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }
  vm=${V2VM_TOOL:-$(dirname "$self")/../../shared/tools/run-in-v2vm.sh}
  [ -x "$vm" ] || { echo "v2-host: $vm not found (the VM tool of ../shared)" >&2; exit 125; }
  export V2VM_INIT=systemd V2VM_UNITS=${V2VM_UNITS:-containerd.service docker.service}
  export V2VM_MEM=${V2VM_MEM:-3G} V2VM_TIMEOUT=${V2VM_TIMEOUT:-2400}
  export NSX_TEST_SLOWDOWN=${NSX_TEST_SLOWDOWN:-10}
  exec "$vm" "$self" --inside "$@"
fi
shift
# ---- inside the VM (systemd is PID 1; this runs as v2vm-run.service) ----
t0=$(date +%s)
say() { printf 'v2-host: %s\n' "$*" >&2; }
state=${NSX_RUNTIMES_STATE:-/var/lib/nsx-runtimes}
tar=$state/busybox.tar
docker=/usr/bin/docker; [ -x "$docker" ] || docker=docker
if [ -f "$tar" ]; then
  # in parallel: Docker (then containerd, from Docker's save), Podman
  { "$docker" import "$tar" nsx-busybox:latest >/dev/null &&
      "$docker" save nsx-busybox:latest | ctr -n default images import - >/dev/null; } 2>/tmp/v2-host-docker.log &
  d=$!
  p=
  if command -v podman >/dev/null; then podman import "$tar" nsx-busybox:latest >/dev/null 2>/tmp/v2-host-podman.log & p=$!; fi
  wait $d || say "docker/containerd import failed: $(tail -3 /tmp/v2-host-docker.log)"
  [ -z "$p" ] || wait $p || say "podman import failed: $(tail -3 /tmp/v2-host-podman.log)"
else
  say "no $tar (run scripts/runtimes.sh up on the host): the container tests will skip"
fi
say "$(uname -r), $(systemctl --version | head -1), docker $("$docker" info --format '{{.CgroupDriver}} driver, cgroup v{{.CgroupVersion}}' 2>/dev/null || echo down); ready in $(($(date +%s) - t0)) s (up $(cut -d' ' -f1 /proc/uptime) s)"
export NSX_TEST_HOST=systemd-v2-vm
exec "$@"
