# shellcheck shell=bash
# Shared parts of the guest builders (guest/demo/build.sh, guest/debian/build.sh), sourced by bash:
#
#   . "$guest/tools/build-lib.sh"
#   bl_init LOG_NAME CACHE_DIR          sets $bl_cache, $bl_dl (downloads), $bl_repo, $bl_guest;
#                                       the release is bookworm until bl_release says otherwise
#   bl_release RELEASE                  bullseye|bookworm|trixie (or 11|12|13): sets $bl_suite
#                                       (the codename) and $bl_release_num (11, 12, 13)
#   bl_apt_views                        private apt state for $bl_suite, two views: "main" (the
#                                       release's main suite only: what debootstrap installs, "v1")
#                                       and "all" (+ -updates and -security: where the update, "v2",
#                                       comes from); kept per release in $bl_dl/apt/SUITE/VIEW
#   apt_view main|all [DPKG_STATUS]     the apt options of a view, one per line (mapfile them)
#   bl_apt_view_proposed                the view "proposed": "all" + SUITE-proposed-updates
#   bl_resolve_kernel VIEW              "META_VERSION KERNEL_PACKAGE KERNEL_VERSION" of the
#                                       candidate linux-image-cloud-amd64 in that view
#   bl_fetch VIEW PKG=VER...            apt-get download into $bl_dl/debs unless there
#   bl_fetch_each VIEW PKG=VER...       the same, one by one; prints those the mirror did not serve
#   bl_debfile PKG VER                  the downloaded .deb
#   bl_packages                         the guest packages (guest/package/build-deb.sh into
#                                       CACHE_DIR/packages): $bl_guest_deb, $bl_svc_deb
#   bl_hash FILES_OR_DIRS...            content hash of files (paths relative to the repository)
#   bl_cached NAME KEY                  prints CACHE_DIR/NAME and exits if its build has KEY
#   bl_lock NAME                        one build of NAME at a time; bl_cached again after it
#   bl_workdir NAME KEY                 a fresh $bl_work (removed on failure, logs kept)
#   bl_publish NAME [keep|prune]        $bl_work becomes CACHE_DIR/NAME-<key hash>, and
#                                       CACHE_DIR/NAME a symlink to it (one rename); prune
#                                       deletes the build it replaces, keep leaves it
#   bl_persist_disk IMG MIB [DIR]       raw ext4 "bgpersist" of MIB MiB (with DIR's files)
#   log, die, bl_since T0
#
# Builds are immutable and named by the hash of their inputs, so an unchanged build costs only
# the hashing; a VM's overlays stay backed by the build they were made from as long as it is
# kept. Environment: BGREBOOT_DEBIAN_MIRROR (http://deb.debian.org/debian),
# BGREBOOT_DEBIAN_SECURITY (http://deb.debian.org/debian-security), BGREBOOT_DEBIAN_REFRESH=1
# (refresh the package lists now; else when missing or older than
# BGREBOOT_DEBIAN_LISTS_MAX_AGE_DAYS, 7).

bl_init() {
	bl_log_name=$1
	mkdir -p "$2"
	bl_cache=$(cd "$2" && pwd)
	bl_dl=$bl_cache/downloads
	bl_guest=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	bl_repo=$(dirname "$bl_guest")
	mkdir -p "$bl_dl"
	bl_mirror=${BGREBOOT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
	bl_security=${BGREBOOT_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
	bl_release bookworm
	bl_kflavour=cloud-amd64
	bl_meta=linux-image-$bl_kflavour
}
# The Debian releases the builders know: each is taken from its own suites only (main, -updates,
# -security), never mixed with another's.
bl_release() { # RELEASE
	case $1 in
	bullseye | 11) bl_suite=bullseye bl_release_num=11 ;;
	bookworm | 12) bl_suite=bookworm bl_release_num=12 ;;
	trixie | 13) bl_suite=trixie bl_release_num=13 ;;
	*) die "unknown Debian release '$1' (bullseye, bookworm, trixie or 11, 12, 13)" ;;
	esac
}
log() { echo "$bl_log_name: $*" >&2; }
die() { echo "$bl_log_name: error: $*" >&2; exit 1; }
bl_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }

# ---- package versions: a private apt state in the download cache ------------------------------
# Not the host's apt configuration: the same lists for every builder, refreshed on their own
# schedule. Resolving versions from them costs milliseconds.
apt_view() { # NAME [DPKG_STATUS] -> the apt options of that view (of $bl_suite), one per line
	local d="$bl_dl/apt/$bl_suite/$1" pkgcache
	pkgcache="$d/cache/pkgcache.bin"
	[ -z "${2:-}" ] || pkgcache=""   # another dpkg status: do not overwrite the view's cache
	printf '%s\n' -o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=$d/empty" \
		-o "Dir::Etc::Preferences=$d/empty/none" -o "Dir::Etc::PreferencesParts=$d/empty" \
		-o "Dir::State::Lists=$d/lists" -o "Dir::State::Status=${2:-$d/status}" \
		-o "Dir::Cache=$d/cache" -o "Dir::Cache::Archives=$d/cache/archives" \
		-o "Dir::Cache::pkgcache=$pkgcache" -o "Dir::Cache::srcpkgcache=$d/cache/srcpkgcache.bin" \
		-o "APT::Architecture=amd64" -o "APT::Architectures::=amd64" -o "Acquire::Languages=none" \
		-o "APT::Sandbox::User=root" -o "Debug::NoLocking=1" -o "APT::Get::List-Cleanup=0"
}
bl_setup_view() { # NAME SOURCES...
	local name=$1 d="$bl_dl/apt/$bl_suite/$1"; shift
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/empty"
	printf '%s\n' "$@" > "$d/sources.list.new"
	if ! cmp -s "$d/sources.list.new" "$d/sources.list"; then
		mv "$d/sources.list.new" "$d/sources.list"; rm -f "$d/lists/"*Release* "$d/cache/"*.bin
	else
		rm -f "$d/sources.list.new"
	fi
	[ -e "$d/status" ] || : > "$d/status"
	local stamp="$d/lists/.updated" max=${BGREBOOT_DEBIAN_LISTS_MAX_AGE_DAYS:-7}
	if [ "${BGREBOOT_DEBIAN_REFRESH:-0}" = 1 ] || [ ! -e "$stamp" ] \
		|| [ -n "$(find "$stamp" -mtime +"$max" 2> /dev/null)" ]; then
		log "refreshing package lists ($bl_suite $name)"
		local opts; mapfile -t opts < <(apt_view "$name")
		if apt-get "${opts[@]}" -q update > "$d/update.log" 2>&1; then
			touch "$stamp"
		elif [ -e "$stamp" ]; then
			log "warning: refreshing package lists failed (see $d/update.log); using the old ones"
		else
			tail -n 5 "$d/update.log" >&2; die "cannot fetch package lists from $bl_mirror"
		fi
	fi
}
bl_apt_views() {
	# one refresh at a time (two builders may start together)
	exec 8> "$bl_dl/.apt.lock"
	flock 8
	bl_setup_view main "deb $bl_mirror $bl_suite main"
	bl_setup_view all "deb $bl_mirror $bl_suite main" "deb $bl_mirror $bl_suite-updates main" \
		"deb $bl_security $bl_suite-security main"
	exec 8>&-
}
bl_apt_view_proposed() { # the view "proposed": "all" + SUITE-proposed-updates (the next point release)
	exec 8> "$bl_dl/.apt.lock"
	flock 8
	bl_setup_view proposed "deb $bl_mirror $bl_suite main" "deb $bl_mirror $bl_suite-updates main" \
		"deb $bl_security $bl_suite-security main" "deb $bl_mirror $bl_suite-proposed-updates main"
	exec 8>&-
}
bl_resolve_kernel() { # main|all|proposed -> META_VERSION KERNEL_PACKAGE KERNEL_VERSION
	local -a opts; mapfile -t opts < <(apt_view "$1")
	local ver dep
	ver=$(apt-cache "${opts[@]}" policy "$bl_meta" | awk '/Candidate:/ {print $2}')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "no $bl_meta in the package lists"
	dep=$(apt-cache "${opts[@]}" show "$bl_meta=$ver" | sed -n 's/^Depends: //p' | head -n 1 \
		| tr ',' '\n' | grep -o "linux-image-[0-9][^ ]*-$bl_kflavour ([^)]*)" | head -n 1)
	[ -n "$dep" ] || die "cannot read the kernel package $bl_meta $ver depends on"
	# "linux-image-6.1.0-50-cloud-amd64 (= 6.1.176-1)" -> name version
	echo "$ver $(echo "$dep" | sed -E 's/^([^ ]+) \(= ?([^)]*)\)$/\1 \2/')"
}
bl_fetch_each() { # VIEW PKG=VER...: like bl_fetch, one package at a time; prints those the mirror
	# did not serve (an index may list a file its pool lacks), one per line, and returns 0
	local view=$1 pv; shift
	for pv in "$@"; do
		(bl_fetch "$view" "$pv") > /dev/null 2>&1 || echo "$pv"
	done
}
bl_debfile() { ls "$bl_dl/debs/${1}_${2//:/%3a}_"*.deb 2> /dev/null | head -n 1; }
bl_fetch() { # VIEW PKG=VER...
	local view=$1; shift
	local -a opts need=(); mapfile -t opts < <(apt_view "$view")
	local pv
	mkdir -p "$bl_dl/debs"
	for pv in "$@"; do
		[ -n "$(bl_debfile "${pv%%=*}" "${pv#*=}")" ] || need+=("$pv")
	done
	[ ${#need[@]} -eq 0 ] && return 0
	log "downloading ${need[*]}"
	local part; part=$(mktemp -d "$bl_dl/debs/.partial.XXXXXX")
	if ! (cd "$part" && apt-get "${opts[@]}" -q download "${need[@]}" > download.log 2>&1); then
		tail -n 5 "$part/download.log" >&2; rm -rf "$part"; die "apt-get download ${need[*]} failed"
	fi
	mv -f "$part/"*.deb "$bl_dl/debs/"
	rm -rf "$part"
}

# ---- the guest packages -----------------------------------------------------------------------
bl_packages() {
	local out
	out=$(bash "$bl_guest/package/build-deb.sh" "$bl_cache/packages") || die "building the guest packages failed"
	bl_guest_deb=$(grep '/bgreboot-guest_[^/]*\.deb$' <<< "$out")
	bl_svc_deb=$(grep '/bgreboot-svc_[^/]*\.deb$' <<< "$out")
	[ -s "$bl_guest_deb" ] && [ -s "$bl_svc_deb" ] || die "build-deb.sh printed no packages"
}

# ---- the cache ---------------------------------------------------------------------------------
bl_hash() { # paths relative to the repository: content, name and executable bit of every file
	# (documentation, *.md, is not an input)
	(cd "$bl_repo" && find "$@" -type f ! -name '*.md' -print0 | LC_ALL=C sort -z |
		while IFS= read -r -d '' f; do
			printf '%s %s\n' "$f" "$(sha256sum < "$f" | cut -c1-64)"
			if [ -x "$f" ]; then echo x; fi
		done) | sha256sum | cut -c1-64
}
bl_keyhash() { echo "$1" | sha256sum | cut -c1-16; }
bl_is_built() { # NAME KEY
	local out=$bl_cache/$1
	[ -e "$out/.key" ] && [ "$(cat "$out/.key")" = "$2" ] && [ -e "$out/guest.json" ]
}
bl_cached() { # NAME KEY
	if bl_is_built "$1" "$2"; then echo "$bl_cache/$1"; exit 0; fi
	# built before, under this key, but the link points elsewhere: point it back
	local final
	final=$1-$(bl_keyhash "$2")
	if [ -e "$bl_cache/$final/.key" ] && [ "$(cat "$bl_cache/$final/.key")" = "$2" ] && [ -e "$bl_cache/$final/guest.json" ]; then
		ln -sfn "$final" "$bl_cache/.$1.link.$$" && mv -T "$bl_cache/.$1.link.$$" "$bl_cache/$1"
		echo "$bl_cache/$1"; exit 0
	fi
}
bl_lock() { # NAME
	exec 9> "$bl_cache/.$1.lock"
	flock 9
}
bl_workdir() { # NAME KEY
	bl_name=$1 bl_key=$2
	bl_t0=$(date +%s.%N)
	bl_work=$bl_cache/.$1-build
	rm -rf "$bl_work"
	mkdir -p "$bl_work/out/logs"
	trap bl_cleanup EXIT
}
bl_cleanup() {
	local rc=$?
	if [ "$(type -t bl_on_exit)" = function ]; then bl_on_exit || true; fi
	if [ "$rc" != 0 ] && [ -d "$bl_work/out/logs" ]; then
		rm -rf "$bl_cache/$bl_name-failed-logs"; cp -r "$bl_work/out/logs" "$bl_cache/$bl_name-failed-logs"
		log "build failed; logs in $bl_cache/$bl_name-failed-logs"
	fi
	rm -rf "$bl_work"
}
bl_publish() { # NAME [keep|prune]: $bl_work/out is the finished build
	local name=$1 policy=${2:-keep} final old
	final=$name-$(bl_keyhash "$bl_key")
	echo "$bl_key" > "$bl_work/out/.key"
	rm -rf "${bl_cache:?}/$final" # only an incomplete tree can be here
	mv "$bl_work/out" "$bl_cache/$final"
	old=$(readlink "$bl_cache/$name" 2> /dev/null || true)
	[ -d "$bl_cache/$name" ] && [ ! -L "$bl_cache/$name" ] && rm -rf "${bl_cache:?}/$name" # another layout
	ln -sfn "$final" "$bl_cache/.$name.link.$$"
	mv -T "$bl_cache/.$name.link.$$" "$bl_cache/$name"
	if [ "$policy" = prune ] && [ -n "$old" ] && [ "$old" != "$final" ]; then rm -rf "${bl_cache:?}/$old"; fi
	rm -rf "$bl_cache/$name-failed-logs"
	log "built in $(bl_since "$bl_t0") s"
}
bl_persist_disk() { # IMG MIB [DIR]
	rm -f "$1"
	truncate -s "${2}M" "$1"
	mke2fs -q -F -t ext4 -L bgpersist -m 0 ${3:+-d "$3"} "$1" >&2
}
