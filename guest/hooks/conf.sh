# bgreboot guest configuration, sourced by the hooks (POSIX sh, no fork): sets PERSIST_SERIAL,
# PERSIST_MOUNT, PERSIST_FSTYPE, RELEASE, RELEASE_LOCKS, RUN (and trace, TRACE_V) from /etc/bgreboot/guest.conf and
# /etc/bgreboot/guest.conf.d/*.conf, with the defaults below. Older guests named the disk's serial
# in /etc/bgreboot/persist-serial (and its type in persist-fstype): still read when guest.conf
# does not set them. Installed as /usr/lib/bgreboot/conf.sh.
PERSIST_SERIAL=
PERSIST_MOUNT=/home
PERSIST_FSTYPE=
RELEASE=unmount
RELEASE_LOCKS=
RUN=/run/bgreboot
if [ -r /etc/bgreboot/guest.conf ]; then . /etc/bgreboot/guest.conf; fi
for _f in /etc/bgreboot/guest.conf.d/*.conf; do
	if [ -r "$_f" ]; then . "$_f"; fi
done
# (read's status is ignored: a file without a final newline still sets the variable)
if [ -z "$PERSIST_SERIAL" ] && [ -r /etc/bgreboot/persist-serial ]; then read -r PERSIST_SERIAL < /etc/bgreboot/persist-serial || :; fi
if [ -z "$PERSIST_FSTYPE" ] && [ -r /etc/bgreboot/persist-fstype ]; then read -r PERSIST_FSTYPE < /etc/bgreboot/persist-fstype || :; fi
PERSIST_FSTYPE=${PERSIST_FSTYPE:-ext4}
case $RELEASE in unmount | freeze) ;; *) echo "bgreboot: RELEASE=$RELEASE in /etc/bgreboot/guest.conf: use unmount or freeze" >&2; RELEASE=unmount ;; esac
export PERSIST_SERIAL PERSIST_MOUNT PERSIST_FSTYPE RELEASE RUN
# BGREBOOT_TRACE=1 in the environment: the hooks and the helper print each step on stderr with the
# seconds since boot (/proc/uptime, read by the shell itself: tracing adds no process).
if [ -n "${BGREBOOT_TRACE:-}" ]; then
	TRACE_V=-v
	trace() { read -r _up _ < /proc/uptime; echo "${0##*/}: $_up $*" >&2; }
else
	TRACE_V=
	trace() { :; }
fi
