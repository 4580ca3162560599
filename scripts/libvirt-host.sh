#!/usr/bin/env bash
# libvirt-host.sh: a private libvirt "host" (virtlogd + libvirtd) for bgreboot's tests, demos and
# local fleets. Nothing of the system's libvirt is touched: /etc/libvirt, /run/libvirt,
# /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt are private folders under DIR, seen only
# by the host's daemons (a private mount namespace; a missing mount point is made as an empty
# folder, as libvirt's own packages would, and nothing is ever written into it). No systemd is needed.
#
#   libvirt-host.sh install
#       Installs the Debian packages a host needs (idempotent; one dpkg-query when all are there).
#   libvirt-host.sh start DIR [--netns NAME] [--tcp PORT] [--timeout SECS]
#       Starts virtlogd and libvirtd with private folders under DIR, its own host_uuid (kept in
#       DIR/host_uuid) and its own cgroup subtree (a cgroup namespace: domain names need not differ
#       across hosts), optionally inside network namespace NAME (created, and removed at stop, if it
#       does not exist) and optionally listening on qemu+tcp (no auth: tests only) at
#       127.0.0.1:PORT, or, inside a netns, at the netns end of a veth pair (its address is printed).
#       Waits until the daemon answers a capabilities call with a working QEMU driver, then prints
#       the URIs to reach it on stdout, one per line, the unix one first (always there; it works
#       from any network namespace). Progress and errors go to stderr; daemon logs are in DIR/log.
#   libvirt-host.sh restart DIR [--timeout SECS]
#       Starts libvirtd again in the running host's namespaces and cgroups (as a package upgrade
#       restarts it): one that runs is stopped first (SIGTERM); its domains' QEMU processes and
#       virtlogd keep running, and the new daemon finds them again (or cleans up after those that
#       died meanwhile). Needs the host's virtlogd alive (start it anew otherwise). Prints the URIs.
#   libvirt-host.sh status DIR
#       Prints the URIs and exits 0 when the host's libvirtd runs; exits 1 otherwise.
#   libvirt-host.sh stop DIR
#       Kills the domains' QEMU processes (like virDomainDestroy), then libvirtd and virtlogd, by
#       the pids the host recorded under DIR and checked against its cgroup; removes its cgroups,
#       veth and the netns it created. Idempotent, and works after a failed or half-done start.
#       Persistent domain definitions stay in DIR/etc/qemu for the next start.
#
# Environment: LIBVIRT_HOST_CAPS, a folder holding a primed QEMU capability cache (default
# ${BGREBOOT_CACHE:-/var/cache/bgreboot}/libvirt-host-caps): copied into a new host, so that it need
# not probe QEMU again (libvirt still checks that the cache is valid and re-probes if not); filled
# from the first host that probed.
set -euo pipefail

packages=(
  libvirt-daemon              # libvirtd, virtlogd
  libvirt-daemon-driver-qemu  # the qemu connection driver
  libvirt0                    # libvirt.so.0, also what JNA and the readiness check load
  qemu-system-x86             # the emulator
  iproute2 util-linux python3 # ip netns, unshare/nsenter, the readiness check (ctypes)
)

self=$(readlink -f "${BASH_SOURCE[0]}")

die() { echo "libvirt-host: $*" >&2; exit 1; }
note() { echo "libvirt-host: $*" >&2; }

usage() {
  sed -n '2,/^set -euo/p' "$self" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

cmd_install() {
  local missing=() p status
  for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]}; run as root or install them with apt-get"
  note "installing Debian packages: ${missing[*]}"
  local log=/tmp/libvirt-host-apt.log
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 5 "$log" >&2
    die "installing packages failed (full log: $log)"
  fi
}

# ---- small helpers --------------------------------------------------------------------------------

# alive PID CGROUP_ID: PID runs and belongs to this host's cgroup (guards against pid reuse).
alive() {
  [ -n "$1" ] && [ -d "/proc/$1" ] || return 1
  [ -z "$2" ] && return 0
  grep -q "/$2\(/\|\$\)" "/proc/$1/cgroup" 2>/dev/null
}

# same_files DIR1 DIR2: both hold the same *.xml files with the same contents.
same_files() {
  local f
  [ "$(cd "$1" && ls -- *.xml 2>/dev/null)" = "$(cd "$2" 2>/dev/null && ls -- *.xml 2>/dev/null)" ] || return 1
  for f in "$1"/*.xml; do cmp -s "$f" "$2/${f##*/}" || return 1; done
}

pidfile_pid() { if [ -f "$1" ]; then tr -dc '0-9' <"$1"; fi; }

# running PID: the process exists and is not a zombie.
running() {
  local st
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

# kill_wait SECS PID...: SIGTERM, wait up to SECS, then SIGKILL what is left.
kill_wait() {
  local secs=$1 p i left
  shift
  [ $# -eq 0 ] && return 0
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < secs * 20; i++)); do
    left=0
    for p in "$@"; do running "$p" && left=1; done
    [ $left = 0 ] && return 0
    sleep 0.05
  done
  kill -KILL "$@" 2>/dev/null || true
  for ((i = 0; i < 40; i++)); do
    left=0
    for p in "$@"; do running "$p" && left=1; done
    [ $left = 0 ] && return 0
    sleep 0.05
  done
}

# The cgroup hierarchies mounted here, one line each: "MOUNTPOINT FSTYPE OPTIONS PLACEMENT", where
# OPTIONS are the super options to mount it again and PLACEMENT this process's cgroup in it.
cgroup_hierarchies() {
  awk '
    FNR == NR { split($0, a, ":"); ctl[NR] = a[2]; path[NR] = substr($0, length(a[1]) + length(a[2]) + 3); n = NR; next }
    {
      for (i = 1; i <= NF; i++) if ($i == "-") break
      fstype = $(i + 1)
      if (fstype != "cgroup" && fstype != "cgroup2") next
      m = split($(i + 3), o, ","); opts = ""; split("", has)
      for (j = 1; j <= m; j++) { has[o[j]] = 1; if (o[j] != "rw") opts = opts (opts == "" ? "" : ",") o[j] }
      if (opts == "") opts = "none"
      for (k = 1; k <= n; k++) {
        if (fstype == "cgroup2") { if (ctl[k] == "") print $5, fstype, opts, path[k]; continue }
        if (ctl[k] == "") continue
        c = split(ctl[k], cs, ","); ok = 1
        for (j = 1; j <= c; j++) if (!(cs[j] in has)) ok = 0
        if (ok) print $5, fstype, opts, path[k]
      }
    }' /proc/self/cgroup /proc/self/mountinfo
}

uris() {
  local dir=$1
  echo "qemu+unix:///system?socket=$dir/run/libvirt-sock"
  if [ -n "${TCP_PORT:-}" ]; then echo "qemu+tcp://${TCP_ADDR}:${TCP_PORT}/system"; fi
}

load_env() { # the host's recorded settings, if any
  NETNS="" NETNS_CREATED=0 TCP_PORT="" TCP_ADDR="" VETH="" CGROUP_ID=""
  # shellcheck disable=SC1091
  [ -f "$1/host.env" ] && . "$1/host.env"
  return 0
}

# wait_ready URI PIDFILE SECS: until libvirtd answers virConnectGetCapabilities with a QEMU guest.
wait_ready() {
  python3 - "$@" <<'EOF'
import ctypes, os, sys, time
uri, pidfile, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
v = ctypes.CDLL("libvirt.so.0")
libc = ctypes.CDLL(None)
ERRF = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
quiet = ERRF(lambda u, e: None)
v.virSetErrorFunc(None, quiet)
v.virConnectOpen.restype = ctypes.c_void_p
v.virConnectOpen.argtypes = [ctypes.c_char_p]
v.virConnectGetCapabilities.restype = ctypes.c_void_p
v.virConnectGetCapabilities.argtypes = [ctypes.c_void_p]
v.virConnectClose.argtypes = [ctypes.c_void_p]
v.virGetLastErrorMessage.restype = ctypes.c_char_p
libc.free.argtypes = [ctypes.c_void_p]
deadline = time.monotonic() + secs
def died():  # the daemon removes its pid file when it exits
    try:
        pid = int(open(pidfile).read().strip())
    except (OSError, ValueError):
        return True
    try:
        os.kill(pid, 0)
        return False
    except ProcessLookupError:
        return True
while True:
    c = v.virConnectOpen(uri.encode())
    if c:
        p = v.virConnectGetCapabilities(c)
        caps = ctypes.string_at(p).decode() if p else ""
        if p:
            libc.free(p)
        err = v.virGetLastErrorMessage().decode()
        v.virConnectClose(c)
        if "<domain type='qemu'" in caps:
            sys.exit(0)
        sys.exit("libvirtd answers but offers no QEMU guest (%s)" % (err if not p else "no qemu domain type"))
    if died():
        sys.exit("libvirtd exited during start")
    if time.monotonic() > deadline:
        sys.exit("libvirtd did not answer within %.0f s: %s" % (secs, v.virGetLastErrorMessage().decode()))
    time.sleep(0.05)
EOF
}

# The daemons' ancestor, a child subreaper: the daemons and the QEMUs they start (all daemonized,
# so orphans) are reaped here at once. Without it they go to PID 1, and an init that reaps late
# (this machine's reaps about once a second) leaves an exited QEMU a zombie that libvirt takes for
# alive: virDomainDestroy then took 1.6-2.1 s instead of ~0.05 s. Starts each daemon command (they
# are separated by --), answers once they are up, then reaps until the last child is gone.
# shellcheck disable=SC2016
reaper_py='
import ctypes, os, subprocess, sys
log, cmds = sys.argv[1], [[]]
for a in sys.argv[2:]:
    cmds.append([]) if a == "--" else cmds[-1].append(a)
r, w = os.pipe()
if os.fork() > 0:
    os.close(w)
    msg = os.read(r, 4096).decode()
    sys.exit(0 if msg == "ok" else (msg or "the reaper died"))
os.close(r)
os.setsid()
status = "ok"
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER (not inherited)
    status = "prctl(PR_SET_CHILD_SUBREAPER) failed"
    cmds = []
# libvirt compares the host CPUID it reads with the one stored in its QEMU capability cache and
# re-probes QEMU (seconds) when they differ; on this machine they differ from one CPU to another,
# so the daemons run on the first allowed CPU only. (libvirt gives each QEMU the whole host again.)
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
with open(log, "ab") as out, open(os.devnull, "rb") as nul:
    for c in cmds:
        rc = subprocess.call(c, stdin=nul, stdout=out, stderr=out)
        if rc != 0:
            status = "%s exited with %d" % (c[0], rc)
            break
with open("/run/libvirt/reaper.pid", "w") as f:
    f.write("%d\n" % os.getpid())
nul = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(nul, fd)
os.write(w, status.encode())
os.close(w)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
    except InterruptedError:
        pass
'

# ---- start ----------------------------------------------------------------------------------------

cmd_start() {
  [ $# -ge 1 ] || usage
  local dir netns="" port="" timeout=120
  dir=$(readlink -m "$1")
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      --netns) netns=${2:?--netns needs a name}; shift 2 ;;
      --tcp) port=${2:?--tcp needs a port}; shift 2 ;;
      --timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  [ "$(id -u)" = 0 ] || die "must run as root (it makes namespaces and cgroups)"
  [ -z "$port" ] || [[ $port =~ ^[0-9]+$ ]] || die "--tcp needs a port number, not $port"
  [ -z "$netns" ] || [[ $netns =~ ^[A-Za-z0-9_.-]{1,64}$ ]] || die "bad netns name $netns"
  [[ $dir =~ ^[A-Za-z0-9_./+-]+$ ]] || die "DIR must be a plain path (letters, digits, _ . / + -): it goes into URIs"
  # a unix socket path has at most 107 bytes
  [ ${#dir} -le 80 ] || die "DIR is too long for libvirt's unix sockets (${#dir} > 80 characters): $dir"
  if ! command -v libvirtd >/dev/null || ! command -v virtlogd >/dev/null; then
    die "libvirtd/virtlogd missing: run '$self install'"
  fi
  [ -f /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ] ||
    ls /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so >/dev/null 2>&1 ||
    die "the libvirt qemu driver is missing: run '$self install'"

  load_env "$dir"
  if alive "$(pidfile_pid "$dir/run/libvirtd.pid")" "$CGROUP_ID"; then
    die "a host already runs in $dir (stop it first: $self stop $dir)"
  fi
  cmd_stop "$dir" 2>/dev/null || true # leftovers of a failed start

  # whatever fails from here on leaves nothing behind
  set -E
  # shellcheck disable=SC2064
  trap "trap - ERR; cmd_stop '$dir' >/dev/null 2>&1; note 'start failed; cleaned up $dir'" ERR
  local t0
  t0=$(date +%s%N)
  mkdir -p "$dir"/{etc/qemu,run,lib,log,cache/qemu/capabilities,mnt}
  [ -s "$dir/host_uuid" ] || cat /proc/sys/kernel/random/uuid >"$dir/host_uuid"
  local uuid cgid
  uuid=$(cat "$dir/host_uuid")
  cgid=bgrlv-${uuid:0:8}${uuid:9:4}

  # configuration, in what the daemons see as /etc/libvirt
  local listen_addr=127.0.0.1 veth="" lock
  exec {lock}>/run/lock/bgrlv-libvirt-host.lock
  flock "$lock" # hosts starting at once pick different veth addresses
  if [ -n "$netns" ] && [ -n "$port" ]; then
    local n
    for n in $(seq 100 227); do
      ip -4 -o addr show | grep -q " 169\.254\.$n\.[0-9]*/" || break
    done
    listen_addr=169.254.$n.2
    veth=bgrlv${n}
  fi
  cat >"$dir/etc/libvirtd.conf" <<EOF
# written by libvirt-host.sh: a private host in $dir
host_uuid = "$uuid"
unix_sock_group = "root"
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
listen_tls = 0
listen_tcp = $([ -n "$port" ] && echo 1 || echo 0)
listen_addr = "$listen_addr"
tcp_port = "${port:-16509}"
auth_tcp = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
  cat >"$dir/etc/qemu.conf" <<'EOF'
# written by libvirt-host.sh. QEMU runs as root: with /dev/kvm root-only and any other user,
# libvirt's capability cache never validates and every define or create waits ~90 s.
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
EOF
  cat >"$dir/etc/virtlogd.conf" <<'EOF'
log_outputs = "3:file:/var/log/libvirt/virtlogd.log"
EOF
  # The qemu driver looks up its built-in user libvirt-qemu before it reads qemu.conf and fails
  # when it does not exist (libvirt-daemon-system creates it; we do not install that): the
  # daemons see copies of /etc/passwd and /etc/group that have it.
  rm -f "$dir/passwd" "$dir/group"
  if ! getent passwd libvirt-qemu >/dev/null || ! getent group libvirt-qemu >/dev/null; then
    { cat /etc/passwd; getent passwd libvirt-qemu >/dev/null || echo "libvirt-qemu:x:64055:64055:Libvirt Qemu (private to libvirt-host.sh):/var/lib/libvirt:/usr/sbin/nologin"; } >"$dir/passwd"
    { cat /etc/group; getent group libvirt-qemu >/dev/null || echo "libvirt-qemu:x:64055:"; } >"$dir/group"
  fi

  # a primed QEMU capability cache saves the probing (seconds under TCG)
  local caps=${LIBVIRT_HOST_CAPS:-${BGREBOOT_CACHE:-/var/cache/bgreboot}/libvirt-host-caps}
  if compgen -G "$caps/*.xml" >/dev/null && ! compgen -G "$dir/cache/qemu/capabilities/*.xml" >/dev/null; then
    cp -p "$caps"/*.xml "$dir/cache/qemu/capabilities/"
  fi

  # the host's cgroup subtree, under this process's own place in every hierarchy
  local mp fstype opts placement cg parent
  cgroup_hierarchies >"$dir/cgroups"
  : >"$dir/cgroup-dirs"
  while read -r mp fstype opts placement; do
    cg=${mp}${placement%/}/$cgid
    mkdir -p "$cg"
    echo "$cg" >>"$dir/cgroup-dirs"
    if [ "$fstype" = cgroup ] && [[ ,$opts, == *,cpuset,* ]]; then
      parent=$(dirname "$cg")
      [ -s "$cg/cpuset.cpus" ] || cat "$parent/cpuset.cpus" >"$cg/cpuset.cpus"
      [ -s "$cg/cpuset.mems" ] || cat "$parent/cpuset.mems" >"$cg/cpuset.mems"
    fi
  done <"$dir/cgroups"

  # network namespace, and a veth pair when it listens on TCP; each recorded once made (stop
  # removes only what this host made)
  cat >"$dir/host.env" <<EOF
NETNS=$netns
NETNS_CREATED=0
TCP_PORT=$port
TCP_ADDR=$listen_addr
VETH=
CGROUP_ID=$cgid
EOF
  if [ -n "$netns" ]; then
    if [ ! -e "/run/netns/$netns" ]; then
      ip netns add "$netns"
      echo "NETNS_CREATED=1" >>"$dir/host.env"
    fi
    ip -n "$netns" link set lo up
    if [ -n "$veth" ]; then
      ip link add "${veth}h" type veth peer name "${veth}n" netns "$netns"
      echo "VETH=$veth" >>"$dir/host.env"
      ip addr add "${listen_addr%.2}.1/30" dev "${veth}h"
      ip link set "${veth}h" up
      ip -n "$netns" addr add "$listen_addr/30" dev "${veth}n"
      ip -n "$netns" link set "${veth}n" up
    fi
  fi
  flock -u "$lock"
  exec {lock}>&-
  load_env "$dir"

  # into the cgroups, then new mount (+ cgroup, + net) namespaces, where _inner starts the daemons
  local enter=()
  [ -n "$netns" ] && enter=(nsenter "--net=/run/netns/$netns" --)
  if ! (
    while read -r cg; do echo "$BASHPID" >"$cg/cgroup.procs"; done <"$dir/cgroup-dirs"
    exec "${enter[@]}" unshare --mount --cgroup --propagation private -- "$self" _inner "$dir"
  ) >"$dir/start.log" 2>&1 </dev/null; then
    tail -n 3 "$dir/start.log" >&2
    tail -n 5 "$dir/log/daemons.out" "$dir/log/libvirtd.log" >&2 2>/dev/null || true
    cmd_stop "$dir" 2>/dev/null || true
    die "could not start the daemons in $dir (trace: $dir/start.log, logs: $dir/log)"
  fi

  local t1 first
  t1=$(date +%s%N)
  first=$(uris "$dir" | head -n 1)
  if ! wait_ready "$first" "$dir/run/libvirtd.pid" "$timeout"; then
    tail -n 20 "$dir/log/libvirtd.log" >&2 2>/dev/null || true
    cmd_stop "$dir" 2>/dev/null || true
    die "libvirtd in $dir did not become ready (logs: $dir/log)"
  fi
  if [ -n "$port" ] && ! wait_ready "$(uris "$dir" | sed -n 2p)" "$dir/run/libvirtd.pid" 10; then
    cmd_stop "$dir" 2>/dev/null || true
    die "libvirtd in $dir answers on its unix socket but not on TCP $listen_addr:$port"
  fi
  if compgen -G "$dir/cache/qemu/capabilities/*.xml" >/dev/null && ! same_files "$dir/cache/qemu/capabilities" "$caps"; then
    # the first host, or libvirt found the template outdated and probed again: keep its result
    local tmp
    mkdir -p "$(dirname "$caps")"
    tmp=$(mktemp -d "$caps.new.XXXXXX")
    cp -p "$dir"/cache/qemu/capabilities/*.xml "$tmp/" && chmod 755 "$tmp"
    rm -rf "$caps"
    mv -T "$tmp" "$caps" 2>/dev/null || rm -rf "$tmp" # another host was quicker
  fi
  trap - ERR
  note "ready in $(((t1 - t0) / 1000000)) ms to start + $((($(date +%s%N) - t1) / 1000000)) ms to answer (libvirtd pid $(pidfile_pid "$dir/run/libvirtd.pid"), virtlogd pid $(pidfile_pid "$dir/run/virtlogd.pid"))"
  uris "$dir" | tee "$dir/uris"
}

# Runs inside the new namespaces: private folders, cgroup mounts, then the daemons.
cmd_inner() {
  local dir=$1
  set -x
  load_env "$dir"
  exec 9<"$dir"
  mount -t tmpfs -o mode=0755 bgrlv-scratch "$dir/mnt"
  exec 8<"$dir/mnt"
  if [ -n "$NETNS" ]; then
    # as 'ip netns exec' does: a sysfs of this network namespace (/sys/class/net), which hides
    # the cgroup mounts below; they are made again next.
    mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
  fi
  # the cgroup hierarchies again, rooted at this host's cgroup (we are in a new cgroup namespace)
  local mp fstype opts placement
  if ! grep -q '^/sys/fs/cgroup ' "$dir/cgroups"; then
    mount -t tmpfs -o mode=0755,nosuid,nodev,noexec bgrlv-cgroup /sys/fs/cgroup
  fi
  while read -r mp fstype opts placement; do
    mkdir -p "$mp"
    if [ "$fstype" = cgroup2 ]; then
      if [ "$opts" = none ]; then mount -t cgroup2 cgroup2 "$mp"; else mount -t cgroup2 -o "$opts" cgroup2 "$mp"; fi
    else
      mount -t cgroup -o "$opts" cgroup "$mp"
    fi
  done <"$dir/cgroups"
  # the private folders
  local n=0 src target parent
  for src in etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt log:/var/log/libvirt cache:/var/cache/libvirt; do
    target=${src#*:}
    src=${src%%:*}
    # The mount point is made where it is missing (the libvirt packages' own folder, empty: the
    # private folder is bound over it). Only where that cannot be done (a read-only /var) does an
    # overlay over its parent, with a throwaway upper layer, add one; but then everything the
    # daemons create or write under that parent goes to the throwaway layer, out of the host's
    # sight: a serial log, or a disk image under /var/lib/bgreboot that QEMU writes to.
    if [ ! -d "$target" ] && ! mkdir -p "$target" 2>/dev/null; then
      parent=$(dirname "$target")
      n=$((n + 1))
      mkdir -p "/proc/self/fd/8/up$n" "/proc/self/fd/8/work$n" # DIR may be under an overlaid parent
      mount -t overlay overlay -o "lowerdir=$parent,upperdir=/proc/self/fd/8/up$n,workdir=/proc/self/fd/8/work$n" "$parent"
      mkdir -p "$target"
    fi
    # through the descriptor: DIR itself may be under an overlaid parent
    mount --no-canonicalize --bind "/proc/self/fd/9/$src" "$target"
  done
  if [ -f "$dir/passwd" ]; then
    mount --no-canonicalize --bind /proc/self/fd/9/passwd /etc/passwd
    mount --no-canonicalize --bind /proc/self/fd/9/group /etc/group
  fi
  exec 8<&- 9<&-
  rm -f /run/libvirt/libvirtd.pid /run/libvirt/virtlogd.pid /run/libvirt/reaper.pid
  local listen=()
  [ -n "$TCP_PORT" ] && listen=(--listen)
  python3 -c "$reaper_py" /var/log/libvirt/daemons.out \
    virtlogd -d -p /run/libvirt/virtlogd.pid -- libvirtd -d "${listen[@]}" -p /run/libvirt/libvirtd.pid
}

# ---- restart --------------------------------------------------------------------------------------

cmd_restart() {
  [ $# -ge 1 ] || usage
  local dir timeout=120
  dir=$(readlink -m "$1")
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      --timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  [ "$(id -u)" = 0 ] || die "must run as root (it enters the host's namespaces)"
  load_env "$dir"
  [ -n "$CGROUP_ID" ] || die "no host in $dir (start one: $self start $dir)"
  local logd old
  logd=$(pidfile_pid "$dir/run/virtlogd.pid")
  alive "$logd" "$CGROUP_ID" || die "the host in $dir has no virtlogd any more: stop it and start it anew"
  old=$(pidfile_pid "$dir/run/libvirtd.pid")
  if alive "$old" "$CGROUP_ID"; then
    kill_wait 10 "$old"
  fi
  rm -f "$dir/run/libvirtd.pid" # a killed daemon leaves it; the readiness check reads the new one's
  local listen=() t0
  [ -n "$TCP_PORT" ] && listen=(--listen)
  t0=$(date +%s%N)
  # into the host's cgroups, then into virtlogd's namespaces (mount, cgroup, network), where a new
  # reaper starts libvirtd (see reaper_py; the old reaper keeps the domains it adopted)
  if ! (
    while read -r cg; do echo "$BASHPID" >"$cg/cgroup.procs"; done <"$dir/cgroup-dirs"
    exec nsenter -t "$logd" --mount --cgroup --net -- python3 -c "$reaper_py" /var/log/libvirt/daemons.out \
      libvirtd -d "${listen[@]}" -p /run/libvirt/libvirtd.pid
  ) >"$dir/restart.log" 2>&1 </dev/null; then
    tail -n 3 "$dir/restart.log" >&2
    die "could not start libvirtd again in $dir (trace: $dir/restart.log, logs: $dir/log)"
  fi
  if ! wait_ready "$(uris "$dir" | head -n 1)" "$dir/run/libvirtd.pid" "$timeout"; then
    tail -n 20 "$dir/log/libvirtd.log" >&2 2>/dev/null || true
    die "the new libvirtd in $dir did not become ready (logs: $dir/log)"
  fi
  note "libvirtd restarted in $(((($(date +%s%N) - t0) / 1000000))) ms (pid $(pidfile_pid "$dir/run/libvirtd.pid"))"
  uris "$dir"
}

# ---- status, stop ---------------------------------------------------------------------------------

cmd_status() {
  [ $# -eq 1 ] || usage
  local dir
  dir=$(readlink -m "$1")
  load_env "$dir"
  if alive "$(pidfile_pid "$dir/run/libvirtd.pid")" "$CGROUP_ID"; then
    uris "$dir"
    return 0
  fi
  return 1
}

cmd_stop() {
  [ $# -eq 1 ] || usage
  local dir f p cg i
  dir=$(readlink -m "$1")
  [ -d "$dir" ] || return 0
  load_env "$dir"
  [ -n "$CGROUP_ID" ] || [ ! -f "$dir/cgroup-dirs" ] || CGROUP_ID=$(basename "$(head -n 1 "$dir/cgroup-dirs")")
  # 1. the domains: their QEMU processes (what virDomainDestroy does)
  local qemu=()
  for f in "$dir"/run/qemu/*.pid; do
    [ -f "$f" ] || continue
    p=$(pidfile_pid "$f")
    alive "$p" "$CGROUP_ID" && qemu+=("$p")
  done
  kill_wait 5 "${qemu[@]}"
  # 2. the daemons
  local daemons=()
  for f in "$dir/run/libvirtd.pid" "$dir/run/virtlogd.pid"; do
    p=$(pidfile_pid "$f")
    alive "$p" "$CGROUP_ID" && daemons+=("$p")
  done
  kill_wait 10 "${daemons[@]}"
  # 3. anything else still in the host's cgroups (all of it started by this host)
  local rest=()
  if [ -f "$dir/cgroup-dirs" ]; then
    while read -r cg; do
      [ -d "$cg" ] || continue
      while read -r p; do rest+=("$p"); done < <(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null)
    done <"$dir/cgroup-dirs"
  fi
  if [ ${#rest[@]} -gt 0 ]; then
    mapfile -t rest < <(printf '%s\n' "${rest[@]}" | sort -un)
    kill_wait 0 "${rest[@]}"
  fi
  # 4. the cgroups (their removal can lag the exit of the last task a little)
  if [ -f "$dir/cgroup-dirs" ]; then
    local left=1
    for ((i = 0; i < 40; i++)); do
      left=0
      while read -r cg; do
        [ -d "$cg" ] || continue
        find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
        [ -d "$cg" ] && left=1
      done <"$dir/cgroup-dirs"
      [ $left = 0 ] && break
      sleep 0.05
    done
    [ "$left" = 0 ] || note "could not remove every cgroup listed in $dir/cgroup-dirs"
    rm -f "$dir/cgroup-dirs"
  fi
  # 5. network: the veth, and the netns if this host made it
  if [ -n "$VETH" ]; then ip link del "${VETH}h" 2>/dev/null || true; fi
  if [ -n "$NETNS" ] && [ "$NETNS_CREATED" = 1 ] && [ -e "/run/netns/$NETNS" ]; then
    ip netns del "$NETNS" || note "could not remove netns $NETNS"
  fi
  rm -f "$dir/host.env" "$dir/uris" "$dir/run/libvirtd.pid" "$dir/run/virtlogd.pid" "$dir/run/reaper.pid"
  # the scratch tmpfs and the bind mounts lived only in the host's mount namespace: gone with it
  return 0
}

case ${1:-} in
  install) shift; [ $# -eq 0 ] || usage; cmd_install ;;
  start) shift; cmd_start "$@" ;;
  restart) shift; cmd_restart "$@" ;;
  status) shift; cmd_status "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  _inner) shift; cmd_inner "$@" ;;
  *) usage ;;
esac
