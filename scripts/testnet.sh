#!/usr/bin/env bash
# bgreboot's own test network: a "switch" network namespace holding a Linux bridge, and a "client"
# namespace joined to the bridge by a veth pair, where probers, writers and load generators run and
# reach VMs by their own addresses.  VMs join the bridge through tap devices in the switch
# namespace; QEMU opens its tap from inside that namespace (nsenter --net=SWITCH_NETNS qemu ...).
# Nothing is made or changed outside its own namespaces (no host routes, no iptables, no devices
# in the caller's namespace, not even for a moment).  Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN).
#
#   testnet.sh up NAME [X]        create (or complete, or re-address) testnet NAME on 10.77.X.0/24
#                                 (X 0..255, default 0); prints KEY=VALUE lines (see `show`)
#   testnet.sh show NAME          print NAME's KEY=VALUE lines; exit 1 if it is not (fully) up
#   testnet.sh tap NAME TAP [OWNER]
#                                 a persistent tap TAP in the switch namespace, a port of the bridge,
#                                 owned by OWNER (user name or uid, default root): only OWNER or
#                                 CAP_NET_ADMIN may attach to it (a tap without owner is open to
#                                 anyone who can open /dev/net/tun); prints TAP=, BRIDGE=, SWITCH_NETNS=
#   testnet.sh untap NAME TAP     remove that tap (absent already: fine)
#   testnet.sh host NAME H        a "host" namespace bgrn-NAME-hH (H: 1-2 of [a-z0-9]) with its own
#                                 bridge of the same name, uplinked to the switch's bridge by a veth
#                                 pair: for a libvirtd that runs in its own network namespace and
#                                 makes its own taps (<interface type='bridge'>); prints HOST_NS=,
#                                 HOST_NETNS=, HOST_BRIDGE=, UPLINK=
#   testnet.sh unhost NAME H      remove that host namespace and its uplink
#   testnet.sh down NAME          remove everything NAME made, by its names; fine after a failed or
#                                 half-done `up`, and when nothing is there.  Exit 1 (after removing
#                                 all it could) if processes still live in a namespace: the
#                                 namespace then outlives its name until they exit.
#
# Names (NAME: 1-8 of [a-z0-9]; interface names fit the kernel's 15-byte IFNAMSIZ):
#   namespaces  bgrn-NAME-sw (switch), bgrn-NAME-cl (client), files in /run/netns/
#   bridge      bgrnNAME-br in the switch namespace: STP off, forward delay 0 (a new port forwards
#               at once), no address
#   veth pair   bgrnNAME-s (bridge port, switch ns) <-> bgrnNAME-c (client ns, 10.77.X.1/24)
#   host H      namespace bgrn-NAME-hH, bridge bgrnNAME-br in it, veth bgrnNAMEuH (switch ns) <->
#               bgrnNAME-up (host ns), both bridge ports
# IPv6 is disabled inside both namespaces (quiet captures; VMs are reached over IPv4).
# Exit status: 0 ok, 1 failure (one line on stderr), 2 usage.
set -euo pipefail
export LC_ALL=C

prog=testnet.sh
die() { echo "$prog: $*" >&2; exit 1; }
usage() {
	sed -n '9,27s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

[ $# -ge 2 ] || usage
cmd=$1 name=$2
shift 2
[[ $name =~ ^[a-z0-9]{1,8}$ ]] || die "bad testnet name '$name': 1-8 of [a-z0-9]"
[ "$(id -u)" = 0 ] || die "must run as root (creates network namespaces and devices)"

sw_ns=bgrn-$name-sw
cl_ns=bgrn-$name-cl
br=bgrn$name-br
veth_sw=bgrn$name-s
veth_cl=bgrn$name-c

# One change at a time per machine (the script's own file is the lock: nothing is left behind).
exec 9<"$0"
flock 9

ns_ok() { ip -n "$1" link show lo >/dev/null 2>&1; } # the name resolves to a live namespace
has() { ip -n "$1" link show dev "$2" >/dev/null 2>&1; }
in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" -- "$@"; }

ensure_ns() {
	local ns=$1
	ns_ok "$ns" && return 0
	# a name left over from a half-done `ip netns add` (file without a mounted namespace)
	[ ! -e "/run/netns/$ns" ] || ip netns delete "$ns" 2>/dev/null || rm -f "/run/netns/$ns"
	ip netns add "$ns" || die "cannot create network namespace $ns"
	ns_ok "$ns" || die "network namespace $ns is not usable"
	# before any device exists, so that none of them gets IPv6 (no RS/MLD/DAD noise); the host may
	# have no IPv6 at all, which is fine
	in_ns "$ns" sysctl -q -w net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true
	ip -n "$ns" link set lo up
}

show() { # prints the lines; exit status 1 when something is missing
	local x="" a
	ns_ok "$sw_ns" && ns_ok "$cl_ns" && has "$sw_ns" "$br" && has "$sw_ns" "$veth_sw" && has "$cl_ns" "$veth_cl" || return 1
	a=$(ip -n "$cl_ns" -4 -o addr show dev "$veth_cl" | awk '$3 == "inet" { print $4; exit }')
	[[ $a =~ ^10\.77\.([0-9]+)\.1/24$ ]] && x=${BASH_REMATCH[1]} || return 1
	cat <<EOF
TESTNET=$name
SWITCH_NS=$sw_ns
SWITCH_NETNS=/run/netns/$sw_ns
CLIENT_NS=$cl_ns
CLIENT_NETNS=/run/netns/$cl_ns
BRIDGE=$br
SWITCH_PORT=$veth_sw
CLIENT_IF=$veth_cl
CLIENT_ADDR=10.77.$x.1
SUBNET=10.77.$x.0/24
PREFIX_LEN=24
VM_ADDR_FIRST=10.77.$x.10
VM_ADDR_LAST=10.77.$x.254
EOF
}

up() {
	local x=${1:-0} a
	if ! [[ $x =~ ^[0-9]{1,3}$ ]] || [ "$x" -gt 255 ]; then die "bad subnet index '$x': 0..255 (10.77.X.0/24)"; fi
	ensure_ns "$sw_ns"
	ensure_ns "$cl_ns"
	# the bridge: no STP, forward delay 0, so that a new port (a tap QEMU has just opened) forwards
	# at once
	if ! has "$sw_ns" "$br"; then
		ip -n "$sw_ns" link add "$br" type bridge stp_state 0 forward_delay 0 || die "cannot create bridge $br in $sw_ns"
	fi
	ip -n "$sw_ns" link set "$br" type bridge stp_state 0 forward_delay 0
	ip -n "$sw_ns" link set "$br" up
	# the veth pair, created with each end in its namespace from the start (never in ours)
	if has "$sw_ns" "$veth_sw" && ! has "$cl_ns" "$veth_cl"; then ip -n "$sw_ns" link del "$veth_sw"; fi
	if has "$cl_ns" "$veth_cl" && ! has "$sw_ns" "$veth_sw"; then ip -n "$cl_ns" link del "$veth_cl"; fi
	if ! has "$sw_ns" "$veth_sw"; then
		ip link add "$veth_cl" netns "$cl_ns" type veth peer name "$veth_sw" netns "$sw_ns" ||
			die "cannot create veth pair $veth_cl/$veth_sw"
	fi
	ip -n "$sw_ns" link set "$veth_sw" master "$br" up
	# the client's address: exactly 10.77.X.1/24 (an earlier `up` with another X is re-addressed)
	for a in $(ip -n "$cl_ns" -4 -o addr show dev "$veth_cl" | awk '$3 == "inet" { print $4 }'); do
		[ "$a" = "10.77.$x.1/24" ] || ip -n "$cl_ns" addr del "$a" dev "$veth_cl"
	done
	ip -n "$cl_ns" addr replace "10.77.$x.1/24" dev "$veth_cl"
	ip -n "$cl_ns" link set "$veth_cl" up
	show || die "testnet $name is incomplete after up"
}

check_tap_name() {
	local t=$1
	# IFNAMSIZ is 16 with the NUL: 15 bytes at most ("${#t}" counts characters, so count bytes)
	[ "$(printf %s "$t" | wc -c)" -le 15 ] || die "tap name '$t' is longer than 15 bytes (the kernel's IFNAMSIZ limit)"
	if ! [[ $t =~ ^[A-Za-z0-9_.-]+$ ]] || [ "$t" = . ] || [ "$t" = .. ]; then die "bad tap name '$t': 1-15 of [A-Za-z0-9_.-]"; fi
	case $t in "$br" | "$veth_sw" | lo) die "tap name '$t' is taken by the testnet itself" ;; esac
}

tap() {
	local t=$1 owner=${2:-0} uid info
	check_tap_name "$t"
	if ! ns_ok "$sw_ns" || ! has "$sw_ns" "$br"; then die "testnet $name is not up (no bridge $br in $sw_ns)"; fi
	uid=$(id -u "$owner" 2>/dev/null) || { [[ $owner =~ ^[0-9]+$ ]] && uid=$owner; } || die "no such user '$owner'"
	if has "$sw_ns" "$t"; then
		info=$(ip -n "$sw_ns" -d link show dev "$t")
		[[ $info == *"tun type tap"* ]] || die "$t exists in $sw_ns and is not a tap device"
		# another owner than asked: made again (a tap's owner cannot be changed while it exists)
		if [ "$(ip -n "$sw_ns" tuntap show | awk -v t="$t:" '$1 == t { for (i = 2; i < NF; i++) if ($i == "user") print $(i + 1) }')" != "$uid" ]; then
			ip -n "$sw_ns" link del "$t"
		fi
	fi
	if ! has "$sw_ns" "$t"; then
		ip -n "$sw_ns" tuntap add dev "$t" mode tap user "$uid" || die "cannot create tap $t in $sw_ns"
	fi
	ip -n "$sw_ns" link set "$t" master "$br" up
	echo "TAP=$t"
	echo "BRIDGE=$br"
	echo "SWITCH_NETNS=/run/netns/$sw_ns"
}

untap() {
	local t=$1
	check_tap_name "$t"
	ns_ok "$sw_ns" || return 0
	if has "$sw_ns" "$t"; then
		[[ $(ip -n "$sw_ns" -d link show dev "$t") == *"tun type tap"* ]] || die "$t in $sw_ns is not a tap device"
		ip -n "$sw_ns" link del "$t" || die "cannot remove tap $t"
	fi
}

busy=""
remove_ns() { # every device the namespace holds, then its name; notes processes still inside
	local ns=$1 dev pids
	if ns_ok "$ns"; then
		pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		[ -z "$pids" ] || busy="$busy $ns (pids ${pids% })"
		# by name: taps (even one that QEMU still holds), veths (the peer in the other namespace
		# goes with each), the bridge last
		for dev in $(ip -n "$ns" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
			case $dev in lo | "$br") ;; *) ip -n "$ns" link del "$dev" 2>/dev/null || true ;; esac
		done
		! has "$ns" "$br" || ip -n "$ns" link del "$br" 2>/dev/null || true
	fi
	if [ -e "/run/netns/$ns" ]; then
		ip netns delete "$ns" 2>/dev/null || rm -f "/run/netns/$ns" || die "cannot remove namespace $ns"
	fi
}

check_host() {
	[[ $1 =~ ^[a-z0-9]{1,2}$ ]] || die "bad host name '$1': 1-2 of [a-z0-9]"
}

host() {
	local h=$1 hns up_sw up_h
	check_host "$h"
	hns=bgrn-$name-h$h up_sw=bgrn${name}u$h up_h=bgrn$name-up
	if ! ns_ok "$sw_ns" || ! has "$sw_ns" "$br"; then die "testnet $name is not up (no bridge $br in $sw_ns)"; fi
	ensure_ns "$hns"
	if ! has "$hns" "$br"; then
		ip -n "$hns" link add "$br" type bridge stp_state 0 forward_delay 0 || die "cannot create bridge $br in $hns"
	fi
	ip -n "$hns" link set "$br" type bridge stp_state 0 forward_delay 0
	ip -n "$hns" link set "$br" up
	if has "$sw_ns" "$up_sw" && ! has "$hns" "$up_h"; then ip -n "$sw_ns" link del "$up_sw"; fi
	if has "$hns" "$up_h" && ! has "$sw_ns" "$up_sw"; then ip -n "$hns" link del "$up_h"; fi
	if ! has "$sw_ns" "$up_sw"; then
		ip link add "$up_h" netns "$hns" type veth peer name "$up_sw" netns "$sw_ns" ||
			die "cannot create veth pair $up_h/$up_sw"
	fi
	ip -n "$sw_ns" link set "$up_sw" master "$br" up
	ip -n "$hns" link set "$up_h" master "$br" up
	echo "HOST_NS=$hns"
	echo "HOST_NETNS=/run/netns/$hns"
	echo "HOST_BRIDGE=$br"
	echo "UPLINK=$up_sw"
}

down() {
	local ns
	for ns in /run/netns/"bgrn-$name"-h*; do
		[ ! -e "$ns" ] || remove_ns "${ns#/run/netns/}"
	done
	remove_ns "$sw_ns"
	remove_ns "$cl_ns"
	[ -z "$busy" ] || die "removed testnet $name, but processes still live in:$busy; their namespaces last until they exit"
}

case $cmd in
up) [ $# -le 1 ] || usage; up "$@" ;;
show) [ $# -eq 0 ] || usage; show || die "testnet $name is not (fully) up" ;;
tap) if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi; tap "$@" ;;
untap) [ $# -eq 1 ] || usage; untap "$1" ;;
host) [ $# -eq 1 ] || usage; host "$1" ;;
unhost)
	[ $# -eq 1 ] || usage
	check_host "$1"
	remove_ns "bgrn-$name-h$1"
	[ -z "$busy" ] || die "removed host $1 of testnet $name, but processes still live in:$busy"
	;;
down) [ $# -eq 0 ] || usage; down ;;
*) usage ;;
esac
