# Variant "postgres" of the Debian guest (CACHE_DIR/debian12-postgres): bookworm's PostgreSQL 15 with
# its data directory on the persistent disk (/home/postgresql/15/main), listening on all
# addresses, trusting clients on its own subnet (samenet: with QEMU user networking, the host's
# forwarded connections come from 10.0.2.2); started by attach.d when the disk is attached (not
# at boot: BG has no disk). Released by freezing (RELEASE=freeze in /etc/bgreboot/guest.conf):
# release.d takes a CHECKPOINT while the server still commits, then the disk is frozen under the
# running server and BG's PostgreSQL does a crash recovery of next to nothing (commit gaps of
# 2.3-2.6 s here against 2.4-3.2 s with RELEASE=unmount, a fast shutdown: `bgreboot-setup
# --release unmount` switches).
# Plus the bgreboot-guest package and the test service (the prober and writer still work).
v_suffix="-postgres"
v_releases="bookworm"
v_guest_pkg=yes
v_svc_pkg=yes
v_packages=(postgresql)
v_persist_mib=1024
v_fstab_options=defaults,noatime,noauto,nofail
v_pgdata=/home/postgresql/15/main
v_configure() { # ROOT
	chroot "$1" pg_createcluster --datadir="$v_pgdata" --start-conf=manual 15 main > "$bl_work/out/logs/pg_createcluster.log" 2>&1 ||
		{ cat "$bl_work/out/logs/pg_createcluster.log" >&2; die "pg_createcluster failed"; }
	install -m 644 "$here/variants/postgres/bgreboot.conf" "$1/etc/postgresql/15/main/conf.d/bgreboot.conf"
	# released by freezing (RELEASE=freeze): the release step's CHECKPOINT leaves crash recovery next to nothing to
	# replay, and FG never spends a shutdown's checkpoint on the clients' gap
	chroot "$1" /usr/sbin/bgreboot-setup --release freeze > /dev/null
	# the throwaway cluster BG starts once before the switch (ready.d/50-postgresql): warm, not data
	install -d -o "$(chroot "$1" id -u postgres)" -g "$(chroot "$1" id -g postgres)" "$1/var/lib/bgreboot/pg-warm"
	chroot "$1" runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D /var/lib/bgreboot/pg-warm -A trust --no-sync \
		> "$bl_work/out/logs/initdb-warm.log" 2>&1 || { cat "$bl_work/out/logs/initdb-warm.log" >&2; die "initdb of the warm-up cluster failed"; }
	cat "$here/variants/postgres/pg_hba.append" >> "$1/etc/postgresql/15/main/pg_hba.conf"
}
v_persist() { # DIR: the cluster moves from the system disk's /home to the persistent disk
	mv "$root/home/postgresql" "$1/postgresql"
}
v_manifest() {
	local pgver
	pgver=$(chroot "$root" dpkg-query -W -f='${Version}' postgresql-15)
	printf ',"postgres":{"port":5432,"user":"postgres","database":"postgres","version":"%s","data_directory":"%s","release_switch":"RELEASE in /etc/bgreboot/guest.conf: unmount = fast shutdown, freeze = crash recovery in BG"}' "$pgver" "$v_pgdata"
}
