/*
 * openwatch FILE: every open and close of FILE, by any process in any mount namespace, as the
 * kernel reports it (fanotify, an inode mark), one line each on stdout:
 *
 *   HOLDERS <pid>,...                           who has FILE open as the watch begins (QEMU only)
 *   READY
 *   <ns> OPEN <pid> <program> <holders>         holders: the other QEMU processes that have FILE
 *                                               open at the instant of this open ("-": none)
 *   <ns> CLOSE <pid> <program> write|nowrite     program: its executable's name (else its comm)
 *
 * <ns> is CLOCK_MONOTONIC. An open is a permission event (FAN_OPEN_PERM): the opener waits while
 * the helper looks, in /proc/<pid>/fd of every QEMU, which of them have FILE open right then, and
 * is let through at once after that; so "who held it when it was opened" is exact, not sampled.
 * Closes are notifications (a merged one may carry several closes of one process). The integration
 * tests build it with gcc and run it as root. Ends on SIGTERM or when stdout closes.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static dev_t watched_dev;
static ino_t watched_ino;

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long) t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void comm_of(int pid, char *out, size_t len) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(out, (int) len, f)) {
        snprintf(out, len, "?");
    } else {
        out[strcspn(out, "\n")] = 0;
        for (char *c = out; *c; c++) {
            if (isspace((unsigned char) *c)) {
                *c = '_';
            }
        }
    }
    if (f) {
        fclose(f);
    }
}

/* The name of the program pid runs (its executable's file name; a QEMU may rename its threads, so
   not its comm), else its comm (a process exiting has no executable any more). */
static void name_of(int pid, char *out, size_t len) {
    char path[64], exe[PATH_MAX];
    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    ssize_t n = readlink(path, exe, sizeof exe - 1);
    if (n <= 0) {
        comm_of(pid, out, len);
        return;
    }
    exe[n] = 0;
    char *base = strrchr(exe, '/');
    snprintf(out, len, "%s", base ? base + 1 : exe);
    for (char *c = out; *c; c++) {
        if (isspace((unsigned char) *c)) {
            *c = '_';
        }
    }
}

static int is_qemu(int pid) {
    char name[PATH_MAX];
    name_of(pid, name, sizeof name);
    return strncmp(name, "qemu-system", 11) == 0;
}

/* Whether process pid has FILE open now: one of its /proc fds is the same inode. */
static int holds(int pid) {
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/fd", pid);
    DIR *d = opendir(dir);
    if (!d) {
        return 0;
    }
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char fd[PATH_MAX];
        struct stat st;
        snprintf(fd, sizeof fd, "%s/%s", dir, e->d_name);
        if (stat(fd, &st) == 0 && st.st_dev == watched_dev && st.st_ino == watched_ino) {
            found = 1;
        }
    }
    closedir(d);
    return found;
}

/* The QEMU processes other than skip that hold FILE now, comma-separated, or "-". */
static void holders(int skip, char *out, size_t len) {
    out[0] = 0;
    DIR *proc = opendir("/proc");
    struct dirent *e;
    while (proc && (e = readdir(proc)) != NULL) {
        if (!isdigit((unsigned char) e->d_name[0])) {
            continue;
        }
        int pid = atoi(e->d_name);
        if (pid == skip || !is_qemu(pid) || !holds(pid)) {
            continue;
        }
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%d", used ? "," : "", pid);
    }
    if (proc) {
        closedir(proc);
    }
    if (!out[0]) {
        snprintf(out, len, "-");
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: openwatch FILE\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct stat st;
    if (stat(argv[1], &st) != 0) {
        perror(argv[1]);
        return 1;
    }
    watched_dev = st.st_dev;
    watched_ino = st.st_ino;
    int fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_LARGEFILE);
    if (fan < 0) {
        perror("fanotify_init");
        return 1;
    }
    if (fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE, AT_FDCWD, argv[1]) != 0) {
        perror("fanotify_mark");
        return 1;
    }
    char list[4096];
    holders(-1, list, sizeof list);
    printf("HOLDERS %s\nREADY\n", list);
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
    for (;;) {
        ssize_t n = read(fan, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("read");
            return 1;
        }
        struct fanotify_event_metadata *m = (struct fanotify_event_metadata *) buf;
        for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
            long long t = now_ns();
            char comm[PATH_MAX];
            name_of(m->pid, comm, sizeof comm);
            if (m->mask & FAN_OPEN_PERM) {
                holders(m->pid, list, sizeof list);
                struct fanotify_response r = {.fd = m->fd, .response = FAN_ALLOW};
                if (write(fan, &r, sizeof r) != sizeof r) {
                    perror("write");
                }
                if (printf("%lld OPEN %d %s %s\n", t, m->pid, comm, list) < 0) {
                    return 0;
                }
            }
            if (m->mask & (FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE)) {
                if (printf("%lld CLOSE %d %s %s\n", t, m->pid, comm, (m->mask & FAN_CLOSE_WRITE) ? "write" : "nowrite") < 0) {
                    return 0;
                }
            }
            if (m->fd >= 0) {
                close(m->fd);
            }
        }
    }
}
