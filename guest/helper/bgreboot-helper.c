/*
 * bgreboot-helper: the fork-free part of the guest package's release and attach hooks.
 *
 * Both hooks run on the switch's downtime path, where under TCG every fork and exec costs
 * milliseconds: so the waiting, locking, syncing, unmounting, freezing and mounting are done
 * here with system calls, not by a shell loop, sleep(1), flock(1), mount(8) or umount(8).
 *
 *   bgreboot-helper -R [-m unmount|freeze] [-w MS] [-L FILE]... -d DIR
 *       release DIR (the caller has marked it released first, so writers that check the
 *       marker under their lock start nothing new):
 *       1. wait for an exclusive flock(2) on each FILE (a writer holds it while a write is in
 *          flight: once we have it, nothing acknowledged is only in memory), then let go;
 *       2. unmount: syncfs(2) DIR, umount2(2) it, retried every 2 ms while something still has
 *          a file open there; if it stays busy for MS (50) ms (typically a service's private
 *          mount namespace holding a copy), freeze it (FIFREEZE: flushed, clean on disk, no
 *          further writes from any namespace) and detach it;
 *          freeze: FIFREEZE DIR at once and leave it mounted (its users keep their files open
 *          and block on their next write; the next attach thaws it). Already frozen: fine.
 *       Exit 0 when DIR is no mount point (already released).
 *
 *   bgreboot-helper -a SERIAL [-t FSTYPE] [-w MS] -d DIR [-r RUN_DIR]
 *       attach: unless DIR is mounted already, wait up to MS (10000) ms for the virtio disk
 *       whose serial is SERIAL (the kernel's block "add" uevent; a disk present from the start
 *       is taken at once, its cached blocks dropped first), mount(2) it on DIR (noatime); thaw
 *       DIR if it comes back frozen; remove RUN_DIR/released. Exit 0 once mounted (or already),
 *       3 when the disk never came, 1 on other errors.
 *
 *   bgreboot-helper -l FILE
 *       wait for an exclusive flock on FILE, then exit 0 (FILE absent: exit 0 at once).
 *
 * -v (any mode): trace each step on stderr with CLOCK_MONOTONIC seconds (as /proc/uptime and,
 * nearly, the kernel log's timestamps count), to see where a switch's time goes.
 *
 * Build: gcc -static -O2 (no NSS calls): it runs in any amd64 Linux guest.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_LOCKS 16

static const char *data_dir = NULL;
static const char *run_dir = "/run/bgreboot";
static int verbose = 0;

static void trace(const char *what, const char *arg) {
    if (!verbose) return;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    fprintf(stderr, "bgreboot-helper: %ld.%03ld %s%s%s\n", (long)t.tv_sec, t.tv_nsec / 1000000, what,
            arg ? " " : "", arg ? arg : "");
}

/* A small file's first line, without the newline; "" if unreadable. */
static void read_line(const char *path, char *buf, size_t len) {
    buf[0] = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0) n = 0;
    buf[n] = 0;
    buf[strcspn(buf, "\r\n")] = 0;
}

/* DIR is a mount point iff it is on another device than its parent. */
static int is_mountpoint(const char *dir) {
    struct stat d, p;
    char parent[4096];
    if (stat(dir, &d) != 0) return 0;
    snprintf(parent, sizeof parent, "%s/..", dir);
    if (stat(parent, &p) != 0) return 0;
    return d.st_dev != p.st_dev || d.st_ino == p.st_ino; /* "/" is its own parent */
}

static long ms_since(const struct timespec *t0) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ---- lock ------------------------------------------------------------------------------- */

static int lock_wait(const char *file) {
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : 1;
    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) { close(fd); return 1; }
    close(fd); /* we had it: whatever held it is done */
    return 0;
}

/* ---- release ---------------------------------------------------------------------------- */

static int freeze(const char *dir) {
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return -1;
    int rc = ioctl(dfd, FIFREEZE, 0);
    int err = errno;
    close(dfd);
    if (rc != 0 && err == EBUSY) return 0; /* frozen already */
    errno = err;
    return rc;
}

static int release_mode(int freeze_only, long wait_ms, const char **locks, int nlocks) {
    trace("release", data_dir);
    if (!is_mountpoint(data_dir)) return 0;
    for (int i = 0; i < nlocks; i++) lock_wait(locks[i]);
    trace("locks taken", NULL);
    if (freeze_only) {
        if (freeze(data_dir) == 0) { trace("frozen", NULL); return 0; }
        fprintf(stderr, "bgreboot-helper: cannot freeze %s: %s\n", data_dir, strerror(errno));
        return 1;
    }
    int dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        syncfs(dfd);
        close(dfd); /* an open directory, like an open file, keeps the mount busy */
    }
    trace("synced", NULL);
    struct timespec pause = {0, 2 * 1000 * 1000}, t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (umount2(data_dir, 0) == 0 || !is_mountpoint(data_dir)) { trace("unmounted", NULL); return 0; }
        if (errno != EBUSY || ms_since(&t0) >= wait_ms) break;
        nanosleep(&pause, NULL);
    }
    /* Still busy: typically a service's private mount namespace (systemd's ProtectHome=,
     * PrivateTmp=) holds a copy of the mount. Freeze it (everything on the disk, clean, no
     * further writes from any namespace), then detach it here; the next mount thaws it. */
    if (freeze(data_dir) == 0 && umount2(data_dir, MNT_DETACH) == 0) { trace("busy: frozen and detached", NULL); return 0; }
    fprintf(stderr, "bgreboot-helper: cannot unmount or freeze %s: %s\n", data_dir, strerror(errno));
    return 1;
}

/* ---- attach ----------------------------------------------------------------------------- */

static int serial_is(const char *name, const char *serial) {
    char path[300], s[64];
    snprintf(path, sizeof path, "/sys/block/%s/serial", name);
    read_line(path, s, sizeof s);
    return strcmp(s, serial) == 0;
}

/* The device node of the virtio disk whose serial is SERIAL (from sysfs), or 0. */
static int find_disk(const char *serial, char *dev, size_t len) {
    DIR *d = opendir("/sys/block");
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "vd", 2) != 0 || !serial_is(e->d_name, serial)) continue;
        snprintf(dev, len, "/dev/%s", e->d_name);
        found = access(dev, F_OK) == 0; /* devtmpfs makes the node along with sysfs */
    }
    closedir(d);
    return found;
}

/* Waits up to wait_ms for the kernel's "add" uevent of a whole block device; 1 and its name in
 * name, or 0 at the deadline. The kernel sends it once the disk can be opened: opening it
 * earlier (it shows in sysfs first) sends the kernel off to load a module for the unknown
 * device number through modprobe, 300 ms under TCG. */
static int await_block_add(int nl, char *name, size_t len, long wait_ms) {
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        long left = wait_ms - ms_since(&t0);
        if (left <= 0) return 0;
        struct pollfd p = {.fd = nl, .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0) continue;
        char buf[4096];
        ssize_t n = recv(nl, buf, sizeof buf - 1, 0);
        if (n <= 0) continue;
        buf[n] = 0;
        int add = 0, block = 0, disk = 0;
        const char *devname = NULL;
        for (char *f = buf; f < buf + n; f += strlen(f) + 1) {
            if (strcmp(f, "ACTION=add") == 0) add = 1;
            else if (strcmp(f, "SUBSYSTEM=block") == 0) block = 1;
            else if (strcmp(f, "DEVTYPE=disk") == 0) disk = 1;
            else if (strncmp(f, "DEVNAME=", 8) == 0) devname = f + 8;
        }
        if (add && block && disk && devname) {
            snprintf(name, len, "%s", devname);
            return 1;
        }
    }
}

/* Whether the medium under DEV holds anything: its first 68 KiB (every common filesystem's
 * superblock: ext at 1 KiB, xfs at 0, btrfs at 64 KiB), read past the page cache. A clone booted
 * with the disk's device backed by nothing (bgreboot's swap) reads zeros until the image is
 * swapped in underneath: that is the moment to mount. */
static int medium_present(const char *dev) {
    enum { LEN = 68 * 1024 };
    int fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd < 0) return 0;
    void *buf = NULL;
    int any = 0;
    if (posix_memalign(&buf, 4096, LEN) == 0) {
        ssize_t n = pread(fd, buf, LEN, 0);
        for (ssize_t i = 0; i < n && !any; i++) any = ((unsigned char *)buf)[i] != 0;
        free(buf);
    }
    close(fd);
    return any;
}

/* Waits up to wait_ms for the medium under a present DEV (polled every 1 ms: the swap itself
 * takes 2-4 ms on the host). */
static int await_medium(const char *dev, long wait_ms) {
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (medium_present(dev)) return 1;
        if (ms_since(&t0) >= wait_ms) return 0;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
}

static int attach_mode(const char *serial, const char *fstype, long wait_ms) {
    char dev[300];
    trace("attach", serial);
    mkdir(data_dir, 0755);
    if (!is_mountpoint(data_dir)) {
        /* listen first, then look: a disk that comes between the two is not missed */
        int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
        struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
        if (nl >= 0 && bind(nl, (struct sockaddr *)&sa, sizeof sa) != 0) {
            close(nl);
            nl = -1;
        }
        int present = find_disk(serial, dev, sizeof dev); /* there already (boot, or swapped in) */
        int found = present;
        char name[64];
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        long left = wait_ms; /* one deadline, however many other disks come meanwhile */
        while (!found && nl >= 0 && left > 0 && await_block_add(nl, name, sizeof name, left)) {
            if (serial_is(name, serial)) {
                snprintf(dev, sizeof dev, "/dev/%s", name);
                found = 1;
            }
            left = wait_ms - ms_since(&t0);
        }
        if (nl >= 0) close(nl);
        trace(found ? (present ? "disk present" : "disk added") : "no disk", dev);
        if (!found) {
            fprintf(stderr, "bgreboot-helper: no disk with serial %s after %ld ms\n", serial, wait_ms);
            return 3;
        }
        if (present && !await_medium(dev, wait_ms - ms_since(&t0))) {
            trace("no medium yet", dev);
            return 3; /* the device of a swap still backed by nothing (a clone's boot): as good as absent */
        }
        if (present) trace("medium", dev);
        /* The new disk's add event wakes udev and systemd too; on a guest's single vCPU they would
         * share it with this mount, which is downtime. Real-time priority lets the mount go first;
         * without the privilege, it just shares. Only now, not while it waited for the disk (the
         * medium's 1-ms polls): the clone's link has just come up, and real time would hold back
         * the kernel's workers that take it (the carrier) and the first answers, for as long as
         * the wait. */
        struct sched_param rt = {.sched_priority = 10};
        sched_setscheduler(0, SCHED_FIFO, &rt);
        if (present) {
            /* A device that was there before: what the kernel cached of it (a partition scan,
             * udev's probe) may be from another medium (a disk swapped in underneath): drop it. */
            int bfd = open(dev, O_RDONLY | O_CLOEXEC);
            if (bfd >= 0) {
                ioctl(bfd, BLKFLSBUF, 0);
                close(bfd);
            }
        }
        /* EBUSY: mounted meanwhile by someone else (systemd for an fstab entry): fine */
        if (mount(dev, data_dir, fstype, MS_NOATIME, NULL) != 0 && !(errno == EBUSY && is_mountpoint(data_dir))) {
            fprintf(stderr, "bgreboot-helper: mount %s on %s: %s\n", dev, data_dir, strerror(errno));
            return 1;
        }
        trace("mounted", data_dir);
    }
    /* a disk released by freezing comes back frozen (its superblock lived on): thaw it */
    int dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ioctl(dfd, FITHAW, 0); /* EINVAL when not frozen: fine */
        close(dfd);
    }
    char released[4200];
    snprintf(released, sizeof released, "%s/released", run_dir);
    unlink(released);
    return 0;
}

static void usage(void) {
    fprintf(stderr, "usage: bgreboot-helper -R [-m unmount|freeze] [-w MS] [-L FILE]... -d DIR [-v]\n"
                    "       bgreboot-helper -a SERIAL [-t FSTYPE] [-w MS] -d DIR [-r RUN_DIR] [-v]\n"
                    "       bgreboot-helper -l FILE\n");
    exit(2);
}

int main(int argc, char **argv) {
    int opt, release = 0, freeze_only = 0, nlocks = 0;
    const char *lock_file = NULL, *attach_serial = NULL, *fstype = "ext4", *locks[MAX_LOCKS];
    long wait_ms = -1;
    while ((opt = getopt(argc, argv, "Ra:l:m:w:L:d:r:t:v")) != -1) {
        switch (opt) {
        case 'v': verbose = 1; break;
        case 'R': release = 1; break;
        case 'a': attach_serial = optarg; break;
        case 'l': lock_file = optarg; break;
        case 'm':
            if (strcmp(optarg, "freeze") == 0) freeze_only = 1;
            else if (strcmp(optarg, "unmount") != 0) usage();
            break;
        case 'w': wait_ms = atol(optarg); break;
        case 'L':
            if (nlocks == MAX_LOCKS) usage();
            locks[nlocks++] = optarg;
            break;
        case 'd': data_dir = optarg; break;
        case 'r': run_dir = optarg; break;
        case 't': fstype = optarg; break;
        default: usage();
        }
    }
    if (optind != argc) usage();
    if (lock_file) return lock_wait(lock_file);
    if (!data_dir || data_dir[0] != '/') usage();
    if (attach_serial) return attach_mode(attach_serial, fstype, wait_ms < 0 ? 10000 : wait_ms);
    if (release) return release_mode(freeze_only, wait_ms < 0 ? 50 : wait_ms, locks, nlocks);
    usage();
}
