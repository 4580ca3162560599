#!/usr/bin/env bash
# How fast the installed package starts, with its class-data-sharing archive and without:
#   scripts/package-start-times.sh [--root DIR] [--runs N]
# Runs `bgreboot --version`, `--help` and `vm list` (on a throwaway home with one stopped VM)
# N times each (default 20), in turn with: the installed launcher (the archive), the same JVM
# options without the archive, plain `java -jar` (JVM defaults, no archive), and a Java "hello"
# (the JVM alone). Prints the median wall and CPU (user+sys) time of each. --root DIR measures a
# package installed in a chroot. Taking turns keeps a busy host's changing load out of the ratios.
set -euo pipefail
export LC_ALL=C
root=/
runs=20
while [ $# -gt 0 ]; do
	case $1 in
	--root) root=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	*) echo "usage: $0 [--root DIR] [--runs N]" >&2; exit 2 ;;
	esac
done
[ -x "$root/usr/bin/bgreboot" ] || { echo "start-times: bgreboot is not installed in $root" >&2; exit 1; }
command -v javac > /dev/null || { echo "start-times: needs javac (for the hello baseline)" >&2; exit 1; }
prefix=
[ "$root" = / ] || prefix="chroot $root"

work=$(mktemp -d "$root/tmp/start-times.XXXXXX")
trap 'rm -rf "$work"' EXIT
w=/tmp/$(basename "$work") # the same directory, as the measured commands see it
mkdir -p "$work/home/specs" "$work/cache" "$work/hello"
: > "$work/system.qcow2"
: > "$work/home.img"
printf 'name = "web"\nmemory = "1G"\nsystem_disk = [{ path = "%s/system.qcow2" }]\n[persistent_disk]\npath = "%s/home.img"\nformat = "raw"\nserial = "webhome"\n' "$w" "$w" \
	> "$work/home/specs/web.toml"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' > "$work/hello/Hello.java"
javac --release 17 -d "$work/hello" "$work/hello/Hello.java"
fast="-XX:+UseSerialGC -XX:TieredStopAtLevel=1"
main="-cp /usr/share/bgreboot/bgreboot.jar org.bgreboot.cli.Main"
declare -A variant=(
	[archive]="/usr/bin/bgreboot"
	[no-archive]="/usr/bin/java $fast $main"
	[jvm-defaults]="/usr/bin/java $main"
	[java-hello]="/usr/bin/java $fast -cp $w/hello Hello"
)
order=(archive no-archive jvm-defaults java-hello)
log=$work/times
for cmd in "--version" "--help" "vm list"; do
	for ((i = 0; i < runs; i++)); do
		for v in "${order[@]}"; do
			# shellcheck disable=SC2086 # each variant and command is its words
			/usr/bin/time -f "$cmd|$v|%e|%U|%S" -a -o "$log" \
				$prefix env BGREBOOT_HOME="$w/home" BGREBOOT_CACHE="$w/cache" ${variant[$v]} $cmd > /dev/null 2>&1 || true
		done
	done
done
echo "$(uptime | sed 's/.*load/load/') after $runs runs of each"
python3 - "$log" << 'EOF'
import collections, statistics, sys
times = collections.defaultdict(list)
for line in open(sys.argv[1]):
    if line.count("|") == 4:
        cmd, v, wall, user, system = line.strip().split("|")
        times[cmd, v].append((float(wall), float(user) + float(system)))
print(f"{'command':11} {'variant':13} {'wall (median)':>14} {'CPU (median)':>13}")
for (cmd, v), t in times.items():
    print(f"{cmd:11} {v:13} {statistics.median(w for w, _ in t) * 1000:11.0f} ms {statistics.median(c for _, c in t) * 1000:10.0f} ms")
EOF
