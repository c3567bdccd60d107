/* A slow disk on a fast machine, for bench/load.py: every fsync and fdatasync of a process
 * that loads this library first calls the real one, then sleeps SLOWSYNC_US microseconds (0 or
 * unset: no sleep). What a Raspberry Pi's SD card does to the box's durable writes (several
 * milliseconds each), without one. Build and use (bench/README.md, "A slow disk"):
 *
 *   gcc -shared -fPIC -O2 -o /tmp/slowsync.so bench/slowsync.c -ldl
 *   python bench/load.py --only pages --scenarios "ok, anonymous;answer save" \
 *       --env LD_PRELOAD=/tmp/slowsync.so --env SLOWSYNC_US=10000
 *
 * Python's os.fsync and os.fdatasync, and SQLite's own syncs, go through libc's functions, so
 * they are all slowed. A bench tool only: nothing of the box loads it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

static void pause_after_sync(void) {
    const char *text = getenv("SLOWSYNC_US");
    int micros = text ? atoi(text) : 0;
    if (micros > 0)
        usleep((useconds_t)micros);
}

/* The real function (found once), then the pause. */
#define SLOWED(name)                                                   \
    int name(int fd) {                                                 \
        static int (*real)(int);                                       \
        if (!real)                                                     \
            real = (int (*)(int))dlsym(RTLD_NEXT, #name);              \
        int result = real(fd);                                         \
        pause_after_sync();                                            \
        return result;                                                 \
    }

SLOWED(fsync)
SLOWED(fdatasync)
