#!/usr/bin/env bash
# A local apt repository of a guest's newer packages, for a guest that updates itself:
#
#   guest/tools/local-apt-repo.sh DIR DEB...
#
# Copies the .debs into DIR (emptied first) and writes a flat repository there with apt-ftparchive
# (host package apt-utils): Packages, Packages.gz and Release (Origin and Label "bgreboot-local",
# Suite and Codename "local"). Serve DIR over HTTP (python3 -m http.server --directory DIR) and
# name it in the guest as
#
#   deb [trusted=yes] http://ADDRESS:PORT/ ./
#
# (unsigned, so trusted=yes: a test repository on a test network). For debian12-unattended the
# .debs are the manifest's apt_updates (the newer kernel and its meta package, from the release's
# -security/-updates suites). Prints DIR.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DIR DEB..." >&2; exit 2; }
dir=$1
shift
command -v apt-ftparchive > /dev/null || { echo "$0: no apt-ftparchive (host package apt-utils)" >&2; exit 1; }
for deb in "$@"; do
	[ -f "$deb" ] || { echo "$0: no such package file: $deb" >&2; exit 1; }
done
mkdir -p "$dir"
find "$dir" -mindepth 1 -delete
cp "$@" "$dir/"
cd "$dir"
apt-ftparchive packages . > Packages
gzip -9n < Packages > Packages.gz
apt-ftparchive -o APT::FTPArchive::Release::Origin=bgreboot-local -o APT::FTPArchive::Release::Label=bgreboot-local \
	-o APT::FTPArchive::Release::Suite=local -o APT::FTPArchive::Release::Codename=local \
	-o APT::FTPArchive::Release::Description="bgreboot: a guest's newer packages" release . > Release.new
mv Release.new Release
pwd
