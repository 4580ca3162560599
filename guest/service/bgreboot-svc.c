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
 * Other mode, so the guest needs no wget(1) or curl(1) for its readiness check:
 *   bgreboot-svc -c        probe: exit 0 iff GET / on 127.0.0.1:PORT answers 200
 *
 * Releasing and attaching the persistent disk is the guest package's business (bgreboot-release,
 * bgreboot-attach, bgreboot-helper); this service only cooperates: it holds an exclusive flock on
 * the ledger while an append is in flight (the release hook waits for it: RELEASE_LOCKS in
 * /etc/bgreboot/guest.conf.d/bgreboot-svc.conf) and checks the released marker under that lock.
 *
 * Options: -p PORT (80), -d DATA_DIR (the environment's PERSIST_MOUNT, else /home: the unit reads
 *          /etc/bgreboot/guest.conf), -r RUN_DIR (/run/bgreboot), -V VERSION_FILE
 *          (/etc/bgreboot/version).  Build: gcc -static -O2 (no NSS calls).
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
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
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

static void usage(void) {
    fprintf(stderr, "usage: bgreboot-svc [-p PORT] [-d DATA_DIR] [-r RUN_DIR] [-V VERSION_FILE]\n"
                    "       bgreboot-svc -c [-p PORT] (probe GET / on 127.0.0.1)\n");
    exit(2);
}

int main(int argc, char **argv) {
    int opt, probe = 0;
    const char *env_dir = getenv("PERSIST_MOUNT");
    if (env_dir && env_dir[0] == '/') data_dir = env_dir;
    while ((opt = getopt(argc, argv, "p:d:r:V:c")) != -1) {
        switch (opt) {
        case 'p': port = atoi(optarg); break;
        case 'd': data_dir = optarg; break;
        case 'r': run_dir = optarg; break;
        case 'V': version_file = optarg; break;
        case 'c': probe = 1; break;
        default: usage();
        }
    }
    if (probe) return probe_mode();

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
