/* The pid file, locked with flock() for as long as dmlogd runs: a second
 * dmlogd finds it locked and names the running one. The lock belongs to
 * the open file, so it survives fork(). */
#ifndef DMLOGD_PIDFILE_H
#define DMLOGD_PIDFILE_H

#include <sys/types.h>

/* Open and lock path. Returns the locked fd; -EAGAIN when another
 * process holds it (its pid in *holder, 0 if unreadable); other -errno. */
int pidfile_lock(const char *path, pid_t *holder);
/* Replace the contents with pid. 0 or -errno. */
int pidfile_write(int fd, pid_t pid);
/* Remove path (while still locked), then close fd. */
void pidfile_remove(const char *path, int fd);

#endif
