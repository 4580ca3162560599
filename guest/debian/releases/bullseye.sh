# Debian 11 (bullseye): what the builder does for this release only. Sourced by build.sh; the
# base's and the variants' cache keys include this file.
#   r_include           packages debootstrap installs besides build.sh's list
#   r_debootstrap_opts  more debootstrap options
#   r_base ROOT         run in the new root after debootstrap, before the v1 kernel goes in
#   r_configure ROOT    run after the packages are installed, before the system configuration
# (filled in as the builds show)
r_include=()
r_debootstrap_opts=()
r_base() { :; }
r_configure() { :; }
