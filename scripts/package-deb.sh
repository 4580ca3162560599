#!/usr/bin/env bash
# Builds bgreboot's Debian package from this checkout with dpkg-deb alone (no debhelper):
#   scripts/package-deb.sh [--out DIR] [--work DIR]     (or: ./bgreboot package [--out DIR])
#     DIR/bgreboot_VERSION_all.deb            default DIR: target/
#   --work: where it builds, inside the checkout (Maven's build directory is relative to it);
#           default target/package. A fresh one builds everything from scratch.
# Prints the .deb's path on stdout, each step with its time on stderr.
#
# Reproducible: the same commit gives the same bytes. Every date is the last commit's
# (SOURCE_DATE_EPOCH: the jar's entries through project.build.outputTimestamp, the man pages'
# date, the files' times, the .deb's members); files are root:root with fixed modes, listed in
# sorted order; gzip -n and xz carry no names or times. Tools: the JDK and Maven (the jar),
# asciidoctor (man pages), gcc (the guest packages), dpkg-deb.
#
# What goes in: the jar (bgreboot and its libraries) under /usr/share/bgreboot with the guest
# packages (guest/package/build-deb.sh), /usr/bin/bgreboot, man pages for every command made from
# the picocli model (picocli-codegen's ManPageGenerator, then asciidoctor), bash completion from
# picocli's AutoComplete, the bgreboot-watch unit and /etc/bgreboot/watch.toml; packaging/deb/
# holds the hand-written parts.
set -euo pipefail
export LC_ALL=C TZ=UTC
umask 022
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
deb_src=$repo/packaging/deb
out=$repo/target
work_rel=target/package
while [ $# -gt 0 ]; do
	case $1 in
	--out) [ $# -ge 2 ] || { echo "package: --out needs a directory" >&2; exit 2; }; out=$2; shift 2 ;;
	--out=*) out=${1#--out=}; shift ;;
	--work) [ $# -ge 2 ] || { echo "package: --work needs a directory" >&2; exit 2; }; work_rel=$2; shift 2 ;;
	-h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "package: unknown argument '$1' (usage: ./bgreboot package [--out DIR])" >&2; exit 2 ;;
	esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

t0=$(date +%s%N)
say() { printf 'package: %6.1f s  %s\n' "$(( ($(date +%s%N) - t0) / 1000000 ))e-3" "$*" >&2; }
die() { echo "package: error: $*" >&2; exit 1; }
for t in java mvn asciidoctor gzip dpkg-deb gcc; do command -v "$t" > /dev/null || die "missing host tool: $t"; done

version=$(sed -n '/<artifactId>bgreboot<\/artifactId>/{n;s/.*<version>\(.*\)<\/version>.*/\1/p;q}' "$repo/pom.xml")
[ -n "$version" ] || die "cannot read bgreboot's version from pom.xml"
changelog_version=$(sed -n '1s/^bgreboot (\([^)]*\)).*/\1/p' "$deb_src/changelog")
[ "$changelog_version" = "$version" ] ||
	die "pom.xml says version $version, packaging/deb/changelog's latest entry $changelog_version: add an entry for $version"
picocli_version=$(sed -n 's/.*<picocli.version>\(.*\)<\/picocli.version>.*/\1/p' "$repo/pom.xml")
[ -n "$picocli_version" ] || die "cannot read picocli.version from pom.xml"
# the package's dates: the last commit's, unless SOURCE_DATE_EPOCH is given (a tree without git)
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$repo" log -1 --format=%ct 2> /dev/null) ||
		die "$repo is not a git checkout: set SOURCE_DATE_EPOCH to the date its files should carry"
fi
export SOURCE_DATE_EPOCH
[ -z "$(git -C "$repo" status --porcelain --untracked-files=no 2> /dev/null || true)" ] ||
	say "note: uncommitted changes are packaged, dated as the last commit"

case $work_rel in /* | *..*) die "--work must be a relative path inside the checkout: $work_rel" ;; esac
work=$repo/$work_rel
rm -rf "$work/root" "$work/man" "$work/adoc"
mkdir -p "$work"
log=$work/build.log
: > "$log"
run() { "$@" >> "$log" 2>&1 || { tail -n 20 "$log" >&2; die "failed: $* (log: $log)"; }; }

# 1. the jar, in its own build directory (./bgreboot's target/bgreboot.jar is left alone)
run mvn -f "$repo/pom.xml" -q -B -Dstyle.color=never -Dmaven.test.skip=true -Dbuild.dir="$work_rel/maven" \
	-Dproject.build.outputTimestamp="$SOURCE_DATE_EPOCH" package
jar=$work/maven/bgreboot.jar
[ -f "$jar" ] || die "mvn package made no $jar"
say "jar: $(stat -c %s "$jar") bytes"

# 2. man pages and completion from the picocli model of the jar just built
codegen=$work/tools/picocli-codegen-$picocli_version.jar
if [ ! -f "$codegen" ]; then
	run mvn -f "$repo/pom.xml" -q -B -Dstyle.color=never org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
		-Dartifact="info.picocli:picocli-codegen:$picocli_version" -DoutputDirectory="$work/tools"
fi
run java -cp "$jar:$codegen" picocli.codegen.docgen.manpage.ManPageGenerator --exit -d "$work/adoc" org.bgreboot.cli.BgrebootCommand
run asciidoctor -b manpage -D "$work/man" "$work"/adoc/*.adoc
run java -cp "$jar" picocli.AutoComplete --force -n bgreboot -o "$work/completion.bash" org.bgreboot.cli.BgrebootCommand
say "man pages: $(find "$work/man" -name '*.1' | wc -l), bash completion"

# 3. the guest packages, for 'bgreboot guest install' without a checkout
bash "$repo/guest/package/build-deb.sh" "$work/guest" > "$work/guest.list" 2>> "$log" || die "guest packages failed (log: $log)"
mapfile -t guest_debs < "$work/guest.list"
[ ${#guest_debs[@]} -eq 3 ] || die "expected three guest packages (guest, svc, keep), got: ${guest_debs[*]}"
say "guest packages: $(basename -a "${guest_debs[@]}" | tr '\n' ' ')"

# 4. the tree
root=$work/root
put() { install -D -m "$1" "$2" "$root/$3"; } # MODE SOURCE DEST
put 755 "$deb_src/launcher" usr/bin/bgreboot
put 644 "$jar" usr/share/bgreboot/bgreboot.jar
put 755 "$deb_src/make-cds-archive" usr/share/bgreboot/make-cds-archive
for d in "${guest_debs[@]}"; do put 644 "$d" "usr/share/bgreboot/guest/$(basename "$d")"; done
for m in "$work"/man/*.1; do
	put 644 "$m" "usr/share/man/man1/$(basename "$m")"
	gzip -9n "$root/usr/share/man/man1/$(basename "$m")"
done
# a completion file is sourced, not run: no #! line
sed '1{/^#!/d}' "$work/completion.bash" > "$work/completion"
put 644 "$work/completion" usr/share/bash-completion/completions/bgreboot
put 644 "$repo/packaging/systemd/bgreboot-watch.service" lib/systemd/system/bgreboot-watch.service
put 644 "$deb_src/watch.toml" etc/bgreboot/watch.toml
put 644 "$deb_src/copyright" usr/share/doc/bgreboot/copyright
put 644 "$deb_src/changelog" usr/share/doc/bgreboot/changelog
gzip -9n "$root/usr/share/doc/bgreboot/changelog"

mkdir -p "$root/DEBIAN"
size=$(du -sk --apparent-size "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" "$deb_src/control" > "$root/DEBIAN/control"
for s in postinst prerm postrm; do install -m 755 "$deb_src/$s" "$root/DEBIAN/$s"; done
install -m 644 "$deb_src/triggers" "$root/DEBIAN/triggers"
echo /etc/bgreboot/watch.toml > "$root/DEBIAN/conffiles"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | sort | xargs md5sum) > "$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
find "$root" -type d -exec chmod 755 {} +
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# 5. the .deb
deb=$out/bgreboot_${version}_all.deb
run dpkg-deb --root-owner-group -Zxz -z6 --build "$root" "$work/bgreboot.deb"
mv -f "$work/bgreboot.deb" "$deb"
say "$(basename "$deb"): $(stat -c %s "$deb") bytes, sha256 $(sha256sum < "$deb" | cut -c1-16)..."
echo "$deb"
