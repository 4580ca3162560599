/*
 * bgreboot-svc: the guest's tiny web service, used to measure downtime and lost writes.
 *
 *   GET  /        200 {"version":"v1","kernel":"<uname -r>","boot_id":"<boot id>"}, fixed at
 *                 start: the version that booted (RUN_DIR/version, else VERSION_FILE)
 *   POST /append  appends the next sequence number to the ledger on the persistent disk,
 *                 fsyncs it, THEN answers 200 {"seq":N}; 503 when the disk is not attached
 *   GET  /ledger  200 text/plain, the ledger (empty when absent); 503 when not attached
 *   anything else 404
 *
 * One process per connection (fork), so a GET never waits behind another request's fsync.
 * HTTP/1.0 style: one request per connection, request bodies are ignored, Connection: close.
 *
 * Other modes, so the guest needs no flock(1) or wget(1) (busybox-static has no flock):
 *   bgreboot-svc -l FILE   wait for an exclusive flock on FILE, then exit 0 (FILE absent: exit 0)
 *   bgreboot-svc -c        probe: exit 0 iff GET / on 127.0.0.1:PORT answers 200
 *   bgreboot-svc -R [-w MS]
 *                          release: (the caller has created RUN_DIR/released) wait for an append
 *                          in flight (the ledger's lock), syncfs DATA_DIR, unmount it, retrying
 *                          every 2 ms while a request process still has it busy; after MS (50)
 *                          freeze it (all flushed, no more writes) and detach it. Fork-free too.
 *   bgreboot-svc -a SERIAL [-t FSTYPE] [-w MS]
 *                          attach: wait up to MS (10000) for the virtio disk SERIAL (the kernel's
 *                          uevent), mount it on DATA_DIR, remove RUN_DIR/released; exit 0 once
 *                          mounted (or already), 3 when it never came. It runs on the switch's
 *                          downtime path, where every fork and exec costs milliseconds under TCG:
 *                          so no shell loop, no sleep(1), no mount(8).
 *
 * Options: -p PORT (80), -d DATA_DIR (/home), -r RUN_DIR (/run/bgreboot),
 *          -V VERSION_FILE (/etc/bgreboot/version).  Build: gcc -static -O2 (no NSS calls).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int port = 80;
static const char *data_dir = "/home";
static const char *run_dir = "/run/bgreboot";
static const char *version_file = "/etc/bgreboot/version";
static char ledger_path[512], released_path[512];
static char root_json[512]; /* the GET / body, fixed at start: the OS that booted */

/* ---- small helpers ---------------------------------------------------------------------- */

/* Read a small file's first line (without the newline) into buf; "" if unreadable. */
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

/* Keep only characters that are safe inside a JSON string without escaping. */
static void json_clean(char *s) {
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\') *p = '?';
}

static int send_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1; /* client went away: nothing to do but stop */
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static void respond(int fd, int status, const char *type, const char *body, size_t len) {
    const char *reason = status == 200 ? "OK" : status == 404 ? "Not Found"
                       : status == 503 ? "Service Unavailable" : "Internal Server Error";
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n", status, reason, type, len);
    if (send_all(fd, head, (size_t)n) == 0 && len > 0) send_all(fd, body, len);
}

static void respond_json(int fd, int status, const char *fmt, ...) {
    char body[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    respond(fd, status, "application/json", body, (size_t)n);
}

/* The persistent disk is attached iff DATA_DIR is a mount point (a different device than /)
 * and the release hook has not marked it released. */
static int is_mountpoint(const char *dir) {
    struct stat d, r;
    if (stat(dir, &d) != 0 || stat("/", &r) != 0) return 0;
    return d.st_dev != r.st_dev;
}

static int disk_attached(void) {
    return access(released_path, F_OK) != 0 && is_mountpoint(data_dir);
}

/* ---- the ledger ------------------------------------------------------------------------- */

/* The last sequence number in the ledger, read from its tail only (never the whole file).
 * Lines are "N\n"; trailing newlines or NULs (a torn write) are skipped.  Returns -1 on error. */
static long last_seq(int fd, off_t size, int *ends_with_newline) {
    char tail[64];
    *ends_with_newline = 1;
    if (size == 0) return 0;
    off_t off = size > (off_t)sizeof tail ? size - (off_t)sizeof tail : 0;
    ssize_t n = pread(fd, tail, (size_t)(size - off), off);
    if (n <= 0) return -1;
    *ends_with_newline = tail[n - 1] == '\n';
    ssize_t end = n;
    while (end > 0 && (tail[end - 1] == '\n' || tail[end - 1] == '\0')) end--;
    ssize_t start = end;
    while (start > 0 && tail[start - 1] >= '0' && tail[start - 1] <= '9') start--;
    if (start == end) return end == 0 && off == 0 ? 0 : -1; /* no number at the end */
    return strtol(tail + start, NULL, 10);
}

static void fsync_dir(const char *dir) {
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { fsync(dfd); close(dfd); }
}

static void handle_append(int fd) {
    /* Check before opening, so a detached DATA_DIR never gets a ledger on the system disk. */
    if (!disk_attached()) goto unattached;
    int created = 1;
    int lf = open(ledger_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (lf < 0 && errno == EEXIST) { created = 0; lf = open(ledger_path, O_RDWR | O_CLOEXEC); }
    if (lf < 0) { respond_json(fd, 500, "{\"error\":\"open: %s\"}", strerror(errno)); return; }
    /* Appends are serialised by this lock; the release hook takes it too, so once the hook
     * holds it no append is in flight, and any later one sees the released marker below. */
    while (flock(lf, LOCK_EX) != 0 && errno == EINTR) {}
    if (!disk_attached()) {
        if (created) unlink(ledger_path); /* released while we were opening: undo */
        close(lf);
        goto unattached;
    }
    struct stat st;
    int nl;
    long seq = fstat(lf, &st) == 0 ? last_seq(lf, st.st_size, &nl) : -1;
    if (seq < 0) { close(lf); respond_json(fd, 500, "{\"error\":\"unreadable ledger\"}"); return; }
    char line[32];
    int n = snprintf(line, sizeof line, "%s%ld\n", nl ? "" : "\n", seq + 1);
    if (pwrite(lf, line, (size_t)n, st.st_size) != n || fsync(lf) != 0) {
        respond_json(fd, 500, "{\"error\":\"write: %s\"}", strerror(errno));
        close(lf);
        return;
    }
    /* A new file is durable only once its directory entry is: whoever writes first syncs it. */
    if (st.st_size == 0) fsync_dir(data_dir);
    close(lf); /* releases the lock; the number is on disk before we acknowledge it */
    respond_json(fd, 200, "{\"seq\":%ld}", seq + 1);
    return;
unattached:
    respond_json(fd, 503, "{\"error\":\"persistent disk not attached\"}");
}

/* GET /ledger streams the file; the header carries the size seen at open time. */
static void handle_ledger(int fd) {
    if (!disk_attached()) {
        respond_json(fd, 503, "{\"error\":\"persistent disk not attached\"}");
        return;
    }
    int lf = open(ledger_path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (lf < 0 || fstat(lf, &st) != 0) {
        if (lf >= 0) close(lf);
        respond(fd, 200, "text/plain", "", 0);
        return;
    }
    char head[160];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %lld\r\n"
                     "Connection: close\r\n\r\n", (long long)st.st_size);
    if (send_all(fd, head, (size_t)n) == 0) {
        char buf[65536];
        off_t left = st.st_size;
        while (left > 0) {
            ssize_t r = read(lf, buf, left < (off_t)sizeof buf ? (size_t)left : sizeof buf);
            if (r <= 0 || send_all(fd, buf, (size_t)r) != 0) break;
            left -= r;
        }
    }
    close(lf);
}

/* ---- one connection --------------------------------------------------------------------- */

static void handle_connection(int fd) {
    struct timeval tv = {5, 0}; /* a client that stalls mid-request is dropped */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    /* Read the request head (up to the blank line); only the request line matters. */
    char req[4096];
    size_t len = 0;
    for (;;) {
        ssize_t n = recv(fd, req + len, sizeof req - 1 - len, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return; /* disconnected or timed out before a full request */
        len += (size_t)n;
        req[len] = 0;
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n") || len == sizeof req - 1) break;
    }
    char method[8] = "", path[256] = "";
    sscanf(req, "%7s %255s", method, path);
    path[strcspn(path, "?")] = 0;

    if (strcmp(method, "GET") == 0 && strcmp(path, "/") == 0)
        respond(fd, 200, "application/json", root_json, strlen(root_json));
    else if (strcmp(method, "POST") == 0 && strcmp(path, "/append") == 0)
        handle_append(fd);
    else if (strcmp(method, "GET") == 0 && strcmp(path, "/ledger") == 0)
        handle_ledger(fd);
    else
        respond_json(fd, 404, "{\"error\":\"not found\"}");

    /* Close gracefully: send FIN, then drain what the client still sends (an ignored body)
     * for a moment, so closing with unread data does not reset the connection under the
     * response. */
    shutdown(fd, SHUT_WR);
    struct timeval drain = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &drain, sizeof drain);
    char sink[4096];
    while (recv(fd, sink, sizeof sink, 0) > 0) {}
}

/* ---- the other modes -------------------------------------------------------------------- */

static int lock_mode(const char *file) {
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : 1;
    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) return 1;
    return 0; /* exiting releases it */
}

static int probe_mode(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) return 1;
    const char *req = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (send_all(fd, req, strlen(req)) != 0) return 1;
    char buf[64];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf - 1 && (n = recv(fd, buf + len, sizeof buf - 1 - len, 0)) > 0)
        len += (size_t)n;
    buf[len] = 0;
    return strncmp(buf, "HTTP/1.0 200", 12) == 0 || strncmp(buf, "HTTP/1.1 200", 12) == 0 ? 0 : 1;
}

/* The device node of the virtio disk whose serial is SERIAL (from sysfs), or 0. */
static int find_disk(const char *serial, char *dev, size_t len) {
    DIR *d = opendir("/sys/block");
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "vd", 2) != 0) continue;
        char path[300], s[64];
        snprintf(path, sizeof path, "/sys/block/%s/serial", e->d_name);
        read_line(path, s, sizeof s);
        if (strcmp(s, serial) == 0) {
            snprintf(dev, len, "/dev/%s", e->d_name);
            found = access(dev, F_OK) == 0; /* devtmpfs makes the node along with sysfs */
        }
    }
    closedir(d);
    return found;
}

/* Waits up to wait_ms for the kernel's "add" uevent of a block device; 1 and its name in
 * name, or 0 at the deadline. The kernel sends it once the disk can be opened: opening it
 * earlier (it shows in sysfs first) sends the kernel off to load a module for the unknown
 * device number through modprobe, 300 ms under TCG. */
static int await_block_add(int nl, char *name, size_t len, long wait_ms) {
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left = wait_ms - ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000);
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

static int serial_is(const char *name, const char *serial) {
    char path[300], s[64];
    snprintf(path, sizeof path, "/sys/block/%s/serial", name);
    read_line(path, s, sizeof s);
    return strcmp(s, serial) == 0;
}

static int attach_mode(const char *serial, const char *fstype, long wait_ms) {
    char dev[300];
    /* The new disk's add event wakes udev and systemd too; on a guest's single vCPU they would
     * share it with this mount, which is downtime. Real-time priority lets the mount go first
     * (it only ever blocks in poll(2) and the kernel); without the privilege, it just shares. */
    struct sched_param rt = {.sched_priority = 10};
    sched_setscheduler(0, SCHED_FIFO, &rt);
    mkdir(data_dir, 0755);
    if (!is_mountpoint(data_dir)) {
        /* listen first, then look: a disk that comes between the two is not missed */
        int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
        struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
        if (nl >= 0 && bind(nl, (struct sockaddr *)&sa, sizeof sa) != 0) {
            close(nl);
            nl = -1;
        }
        int found = find_disk(serial, dev, sizeof dev); /* there already (at boot) */
        char name[64];
        struct timespec t0, now;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        long left = wait_ms; /* one deadline, however many other disks come meanwhile */
        while (!found && nl >= 0 && left > 0 && await_block_add(nl, name, sizeof name, left)) {
            if (serial_is(name, serial)) {
                snprintf(dev, sizeof dev, "/dev/%s", name);
                found = 1;
            }
            clock_gettime(CLOCK_MONOTONIC, &now);
            left = wait_ms - ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000);
        }
        if (nl >= 0) close(nl);
        if (!found) {
            fprintf(stderr, "bgreboot-svc: no disk with serial %s after %ld ms\n", serial, wait_ms);
            return 3;
        }
        /* EBUSY: mounted meanwhile by someone else (systemd for an fstab entry): fine */
        if (mount(dev, data_dir, fstype, MS_NOATIME, NULL) != 0 && !(errno == EBUSY && is_mountpoint(data_dir))) {
            fprintf(stderr, "bgreboot-svc: mount %s on %s: %s\n", dev, data_dir, strerror(errno));
            return 1;
        }
    }
    /* a disk released by freezing comes back frozen (its superblock lived on): thaw it */
    int dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ioctl(dfd, FITHAW, 0); /* EINVAL when not frozen: fine */
        close(dfd);
    }
    snprintf(released_path, sizeof released_path, "%s/released", run_dir);
    unlink(released_path);
    return 0;
}

static int release_mode(long wait_ms) {
    if (!is_mountpoint(data_dir)) return 0;
    snprintf(ledger_path, sizeof ledger_path, "%s/bgreboot-ledger", data_dir);
    int lfd = open(ledger_path, O_RDONLY | O_CLOEXEC);
    while (lfd >= 0 && flock(lfd, LOCK_EX) != 0 && errno == EINTR) {
    }
    int dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        syncfs(dfd);
        close(dfd); /* an open directory, like an open file, keeps the mount busy */
    }
    if (lfd >= 0) close(lfd); /* the marker keeps appends out from here on */
    struct timespec pause = {0, 2 * 1000 * 1000};
    for (long waited_us = 0; waited_us / 1000 < wait_ms; waited_us += 2000) {
        if (umount2(data_dir, 0) == 0 || !is_mountpoint(data_dir)) return 0;
        if (errno != EBUSY) break;
        nanosleep(&pause, NULL);
    }
    /* Still busy: typically a service's private mount namespace (systemd's ProtectHome=) holds a
     * copy of the mount. Freeze it (everything on the disk, clean, no further writes from any
     * namespace), then detach it here; the next mount of the disk thaws it. */
    dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0 && ioctl(dfd, FIFREEZE, 0) == 0 && umount2(data_dir, MNT_DETACH) == 0) {
        close(dfd);
        return 0;
    }
    fprintf(stderr, "bgreboot-svc: cannot unmount or freeze %s: %s\n", data_dir, strerror(errno));
    return 1;
}

static void usage(void) {
    fprintf(stderr, "usage: bgreboot-svc [-p PORT] [-d DATA_DIR] [-r RUN_DIR] [-V VERSION_FILE]\n"
                    "       bgreboot-svc -l FILE    (wait for an exclusive flock on FILE)\n"
                    "       bgreboot-svc -c [-p PORT] (probe GET / on 127.0.0.1)\n"
                    "       bgreboot-svc -R [-w MS] [-d DATA_DIR] (release the disk)\n"
                    "       bgreboot-svc -a SERIAL [-t FSTYPE] [-w MS] [-d DATA_DIR] [-r RUN_DIR] (attach the disk)\n");
    exit(2);
}

int main(int argc, char **argv) {
    int opt, probe = 0, release = 0;
    const char *lock_file = NULL, *attach_serial = NULL, *fstype = "ext4";
    long wait_ms = -1;
    while ((opt = getopt(argc, argv, "p:d:r:V:l:cRa:t:w:")) != -1) {
        switch (opt) {
        case 'p': port = atoi(optarg); break;
        case 'd': data_dir = optarg; break;
        case 'r': run_dir = optarg; break;
        case 'V': version_file = optarg; break;
        case 'l': lock_file = optarg; break;
        case 'c': probe = 1; break;
        case 'a': attach_serial = optarg; break;
        case 'R': release = 1; break;
        case 't': fstype = optarg; break;
        case 'w': wait_ms = atol(optarg); break;
        default: usage();
        }
    }
    if (lock_file) return lock_mode(lock_file);
    if (probe) return probe_mode();
    if (attach_serial) return attach_mode(attach_serial, fstype, wait_ms < 0 ? 10000 : wait_ms);
    if (release) return release_mode(wait_ms < 0 ? 50 : wait_ms);

    snprintf(ledger_path, sizeof ledger_path, "%s/bgreboot-ledger", data_dir);
    snprintf(released_path, sizeof released_path, "%s/released", run_dir);

    /* Everything GET / reports is fixed for the life of this boot: read it once. */
    char version[64], boot_id[64];
    struct utsname u;
    /* The booted version: bgreboot-boot records it in RUN_DIR/version, so a restarted service
     * does not pick up an update installed since boot; before that, VERSION_FILE is it. */
    char booted[600];
    snprintf(booted, sizeof booted, "%s/version", run_dir);
    read_line(booted, version, sizeof version);
    if (!version[0]) read_line(version_file, version, sizeof version);
    read_line("/proc/sys/kernel/random/boot_id", boot_id, sizeof boot_id);
    if (uname(&u) != 0) strcpy(u.release, "unknown");
    json_clean(version);
    json_clean(boot_id);
    json_clean(u.release);
    snprintf(root_json, sizeof root_json, "{\"version\":\"%s\",\"kernel\":\"%s\",\"boot_id\":\"%s\"}",
             version, u.release, boot_id);

    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */

    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port),
                            .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 128) != 0) {
        fprintf(stderr, "bgreboot-svc: cannot listen on port %d: %s\n", port, strerror(errno));
        return 1;
    }
    for (;;) {
        int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno != EINTR) usleep(10000); /* e.g. EMFILE: back off briefly */
            continue;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(ls);
            handle_connection(c);
            _exit(0);
        }
        if (pid < 0) usleep(10000); /* no process to spare: drop this connection */
        close(c);
    }
}
