#!/bin/sh
# Real container runtimes for nsx's live tests (the `runtimes` test group, test/runtimes/).
#
#   scripts/runtimes.sh up       install what is missing (Debian packages), start containerd and dockerd in the
#                                background (no systemd needed), build the busybox image offline
#   scripts/runtimes.sh status   what is installed, running (and whether this script started it), imported
#   scripts/runtimes.sh down     stop only the daemons this script started
#
# Network rule: nothing here touches host networking. dockerd runs with no default bridge and no iptables/ip
# forwarding/masquerading; the tests run every container with `--network none` (LXC: lxc.net.0.type = empty), so
# each still gets its own network namespace holding only `lo`.
#
# Idempotent: daemons already running (ours or the host's) are reused; the image is built once. State (PIDs of
# what we started, logs, the busybox rootfs) lives in $NSX_RUNTIMES_STATE (default /var/lib/nsx-runtimes).
# Exit 0 when every runtime is usable; `up` exits 1 when one is not (and says which); the tests skip what is absent.
set -u

STATE=${NSX_RUNTIMES_STATE:-/var/lib/nsx-runtimes}
IMAGE=nsx-busybox:latest
CTR_NS=default
DAEMON_JSON='{"bridge":"none","iptables":false,"ip6tables":false,"ip-forward":false,"ip-masq":false}'
# the Debian docker CLI matches the Debian dockerd; another docker earlier in PATH may be much newer
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi

say() { printf 'runtimes: %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
# wait_until SECONDS CMD...: poll CMD every 0.2 s until it succeeds
wait_until() {
  n=$(($1 * 5)); shift
  while [ "$n" -gt 0 ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2; n=$((n - 1))
  done
  return 1
}
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
ours() { [ -f "$STATE/$1.pid" ] && alive "$(cat "$STATE/$1.pid")"; }

containerd_up() { ctr --connect-timeout 2s version; }
docker_up() { "$DOCKER" info --format '{{.ID}}'; }

install_missing() {
  pkgs=""
  have dockerd || pkgs="$pkgs docker.io"
  have containerd || pkgs="$pkgs containerd"
  have ctr || pkgs="$pkgs containerd"
  have runc || pkgs="$pkgs runc"
  have podman || pkgs="$pkgs podman"
  have lxc-start || pkgs="$pkgs lxc"
  have nsenter || pkgs="$pkgs util-linux"
  # busybox-static: a statically linked busybox to build the image from (a dynamic one would need its libc)
  [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || pkgs="$pkgs busybox-static"
  [ -z "$pkgs" ] && return 0
  have apt-get || { say "missing:$pkgs and no apt-get to install them"; return 1; }
  say "installing:$pkgs"
  export DEBIAN_FRONTEND=noninteractive
  # without systemd, the packages' maintainer scripts would start docker/containerd/lxc-net through
  # invoke-rc.d with their default configuration (docker0 bridge, iptables rules): forbid service starts
  # while installing (Debian's policy-rc.d convention; exit 101 = action forbidden), unless the host has a policy
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy=/usr/sbin/policy-rc.d
  fi
  # shellcheck disable=SC2086
  if ! apt-get install -y -q $pkgs >"$STATE/apt.log" 2>&1; then
    say "apt-get install failed; running apt-get update once"
    apt-get update -q >>"$STATE/apt.log" 2>&1 || { say "apt-get update failed (see $STATE/apt.log)"; return 1; }
    # shellcheck disable=SC2086
    apt-get install -y -q $pkgs >>"$STATE/apt.log" 2>&1 || { say "apt-get install failed (see $STATE/apt.log)"; [ -z "$policy" ] || rm -f "$policy"; return 1; }
  fi
  [ -z "$policy" ] || rm -f "$policy"
}

start_containerd() {
  if containerd_up >/dev/null 2>&1; then say "containerd: running (reused)"; return 0; fi
  have containerd || return 1
  say "containerd: starting"
  # setsid: its own session, so the caller's terminal or CI step ending does not signal it
  setsid containerd >"$STATE/containerd.log" 2>&1 </dev/null &
  echo $! >"$STATE/containerd.pid"
  wait_until 30 containerd_up || { say "containerd did not come up (see $STATE/containerd.log)"; return 1; }
}

start_dockerd() {
  if docker_up >/dev/null 2>&1; then say "dockerd: running (reused)"; return 0; fi
  have dockerd || return 1
  say "dockerd: starting (no bridge, no iptables)"
  printf '%s\n' "$DAEMON_JSON" >"$STATE/daemon.json"
  setsid dockerd --config-file "$STATE/daemon.json" --containerd=/run/containerd/containerd.sock \
    --pidfile "$STATE/dockerd.pidfile" >"$STATE/dockerd.log" 2>&1 </dev/null &
  echo $! >"$STATE/dockerd.pid"
  wait_until 60 docker_up || { say "dockerd did not come up (see $STATE/dockerd.log)"; return 1; }
}

# A busybox root filesystem from busybox-static: /bin/busybox plus one symlink per applet, and the mount points
# LXC and the OCI runtimes need. Built once.
build_rootfs() {
  r="$STATE/busybox-rootfs"
  [ -f "$STATE/busybox.tar" ] && [ -x "$r/bin/sh" ] && return 0
  rm -rf "$r"
  mkdir -p "$r/bin" "$r/sbin" "$r/etc" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/run" "$r/root" "$r/var"
  cp /bin/busybox "$r/bin/busybox"
  for a in $("$r/bin/busybox" --list); do
    [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
  printf 'root:x:0:\n' >"$r/etc/group"
  tar -C "$r" -cf "$STATE/busybox.tar" .
}

import_images() {
  rc=0
  if docker_up >/dev/null 2>&1; then
    "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1 || {
      say "docker: importing $IMAGE"
      "$DOCKER" import "$STATE/busybox.tar" "$IMAGE" >/dev/null || rc=1
    }
  fi
  if have podman; then
    podman image exists "localhost/$IMAGE" 2>/dev/null || {
      say "podman: importing $IMAGE"
      podman import "$STATE/busybox.tar" "$IMAGE" >/dev/null 2>"$STATE/podman-import.log" || { say "podman import failed (see $STATE/podman-import.log)"; rc=1; }
    }
  fi
  if containerd_up >/dev/null 2>&1; then
    ctr -n "$CTR_NS" images ls -q 2>/dev/null | grep -q "nsx-busybox" || {
      say "containerd: importing $IMAGE (namespace $CTR_NS)"
      if docker_up >/dev/null 2>&1; then
        "$DOCKER" save "$IMAGE" | ctr -n "$CTR_NS" images import - >/dev/null || rc=1
      else
        rc=1
      fi
    }
  fi
  return $rc
}

status() {
  printf 'state %s\n' "$STATE"
  for d in containerd dockerd; do
    if [ "$d" = containerd ]; then up=containerd_up; else up=docker_up; fi
    if $up >/dev/null 2>&1; then
      if ours "$d"; then printf '%s up (started by this script, pid %s)\n' "$d" "$(cat "$STATE/$d.pid")"; else printf '%s up (not ours)\n' "$d"; fi
    else
      printf '%s down\n' "$d"
    fi
  done
  if have podman; then printf 'podman %s\n' "$(podman --version 2>/dev/null | awk '{print $3}')"; else printf 'podman absent\n'; fi
  if have lxc-start; then printf 'lxc %s\n' "$(lxc-start --version 2>/dev/null)"; else printf 'lxc absent\n'; fi
  if [ -f "$STATE/busybox.tar" ]; then printf 'rootfs %s\n' "$STATE/busybox-rootfs"; else printf 'rootfs absent\n'; fi
  docker_up >/dev/null 2>&1 && "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1 && printf 'image docker %s\n' "$IMAGE"
  have podman && podman image exists "localhost/$IMAGE" 2>/dev/null && printf 'image podman localhost/%s\n' "$IMAGE"
  containerd_up >/dev/null 2>&1 && ctr -n "$CTR_NS" images ls -q 2>/dev/null | grep -q nsx-busybox && printf 'image containerd %s/docker.io/library/%s\n' "$CTR_NS" "$IMAGE"
  return 0
}

stop_ours() {
  d=$1
  ours "$d" || { rm -f "$STATE/$d.pid"; return 0; }
  pid=$(cat "$STATE/$d.pid")
  say "$d: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null
  wait_until 30 sh -c "! kill -0 $pid 2>/dev/null" || { say "$d: still running after 30 s, SIGKILL"; kill -KILL "$pid" 2>/dev/null; }
  rm -f "$STATE/$d.pid"
}

main() {
  cmd=${1:-status}
  case "$cmd" in
    up)
      [ "$(id -u)" = 0 ] || { say "up needs root"; exit 1; }
      mkdir -p "$STATE"
      ok=0
      install_missing || ok=1
      start_containerd || ok=1
      start_dockerd || ok=1
      build_rootfs || ok=1
      import_images || ok=1
      status
      exit $ok
      ;;
    down)
      [ "$(id -u)" = 0 ] || { say "down needs root"; exit 1; }
      stop_ours dockerd
      stop_ours containerd
      ;;
    status) status ;;
    *) say "usage: $0 up|down|status"; exit 2 ;;
  esac
}

main "$@"
