/*
 * An LD_PRELOAD shim that makes the Nth write point under one directory fail, for the
 * fault-injection tests (tests/faults.rs). A write point is any call that can put bytes on
 * disk or make them durable: write, pwrite, writev, pwritev, ftruncate, fsync, fdatasync,
 * rename. Only calls on regular files (directories too for fsync, and renames) under TIPVAULT_FAULT_DIR count, so the
 * terminal, pipes, sockets and files elsewhere are never touched.
 *
 *   TIPVAULT_FAULT_DIR     the directory (absolute, resolved: no symlinks)
 *   TIPVAULT_FAULT_AT      the 1-based write point to fail; 0 or unset: fail none, only count
 *   TIPVAULT_FAULT_ERRNO   "EIO" (default) or "ENOSPC"
 *   TIPVAULT_FAULT_STICKY  "1": every write point from the Nth on fails (a disk that stays
 *                          full), otherwise only the Nth (a transient error)
 *   TIPVAULT_FAULT_REPORT  a file that receives, at exit, "<points seen> <points failed>"
 *
 * It is test code for Linux (glibc): /proc/self/fd names each descriptor's file.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static char dir[PATH_MAX];
static size_t dir_len;
static long fault_at;
static int fault_errno = EIO;
static int sticky;
static const char *report;
static atomic_long seen;
static atomic_long failed;

__attribute__((constructor)) static void init(void) {
    const char *d = getenv("TIPVAULT_FAULT_DIR");
    if (d && strlen(d) + 1 < sizeof dir) {
        strcpy(dir, d);
        dir_len = strlen(dir);
    }
    const char *at = getenv("TIPVAULT_FAULT_AT");
    fault_at = at ? atol(at) : 0;
    const char *e = getenv("TIPVAULT_FAULT_ERRNO");
    if (e && strcmp(e, "ENOSPC") == 0) fault_errno = ENOSPC;
    const char *s = getenv("TIPVAULT_FAULT_STICKY");
    sticky = s && strcmp(s, "1") == 0;
    report = getenv("TIPVAULT_FAULT_REPORT");
}

static int under_dir(const char *path) {
    return dir_len > 0 && strncmp(path, dir, dir_len) == 0 &&
           (path[dir_len] == '/' || path[dir_len] == '\0');
}

/* A regular file under the directory (or, for fsync, the directory itself or one below it:
 * syncing a directory makes a rename in it durable). */
static int counted_fd_of(int fd, int dirs_too) {
    struct stat st;
    if (dir_len == 0 || fstat(fd, &st) != 0) return 0;
    if (!S_ISREG(st.st_mode) && !(dirs_too && S_ISDIR(st.st_mode))) return 0;
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return 0;
    path[n] = '\0';
    return under_dir(path);
}

static int counted_fd(int fd) { return counted_fd_of(fd, 0); }

static int counted_path(const char *p) {
    if (dir_len == 0 || p == NULL) return 0;
    char path[PATH_MAX];
    if (p[0] == '/') return under_dir(p);
    if (!getcwd(path, sizeof path)) return 0;
    return under_dir(path);
}

/* True when this write point must fail (errno is then set). */
static int fault_here(void) {
    long n = atomic_fetch_add(&seen, 1) + 1;
    if (fault_at > 0 && (n == fault_at || (sticky && n > fault_at))) {
        atomic_fetch_add(&failed, 1);
        errno = fault_errno;
        return 1;
    }
    return 0;
}

__attribute__((destructor)) static void fini(void) {
    if (!report) return;
    FILE *f = fopen(report, "w");
    if (!f) return;
    fprintf(f, "%ld %ld\n", atomic_load(&seen), atomic_load(&failed));
    fclose(f);
}

#define REAL(name) \
    static __typeof__(name) *real; \
    if (!real) real = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t count) {
    REAL(write);
    if (counted_fd(fd) && fault_here()) return -1;
    return real(fd, buf, count);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    REAL(pwrite);
    if (counted_fd(fd) && fault_here()) return -1;
    return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t offset) {
    REAL(pwrite64);
    if (counted_fd(fd) && fault_here()) return -1;
    return real(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt) {
    REAL(writev);
    if (counted_fd(fd) && fault_here()) return -1;
    return real(fd, iov, iovcnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t offset) {
    REAL(pwritev);
    if (counted_fd(fd) && fault_here()) return -1;
    return real(fd, iov, iovcnt, offset);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int iovcnt, off64_t offset) {
    REAL(pwritev64);
    if (counted_fd(fd) && fault_here()) return -1;
    return real(fd, iov, iovcnt, offset);
}

int ftruncate(int fd, off_t length) {
    REAL(ftruncate);
    if (counted_fd(fd) && fault_here()) return -1;
    return real(fd, length);
}

int ftruncate64(int fd, off64_t length) {
    REAL(ftruncate64);
    if (counted_fd(fd) && fault_here()) return -1;
    return real(fd, length);
}

int fsync(int fd) {
    REAL(fsync);
    if (counted_fd_of(fd, 1) && fault_here()) return -1;
    return real(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync);
    if (counted_fd_of(fd, 1) && fault_here()) return -1;
    return real(fd);
}

int rename(const char *from, const char *to) {
    REAL(rename);
    if (counted_path(to) && fault_here()) return -1;
    return real(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to) {
    REAL(renameat);
    if (tofd == AT_FDCWD && counted_path(to) && fault_here()) return -1;
    return real(fromfd, from, tofd, to);
}
