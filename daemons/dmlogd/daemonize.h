/* Going into the background without losing start-up errors.
 *
 * daemonize_begin() forks; the parent waits until the child reports
 * success (daemonize_ready) and exits 0, or until the child exits and
 * exits with the child's status. The child keeps stderr until it is
 * ready, so every start-up error still reaches the invoking terminal. */
#ifndef DMLOGD_DAEMONIZE_H
#define DMLOGD_DAEMONIZE_H

/* In the child: returns the fd to pass to daemonize_ready (>= 0).
 * -errno when fork fails (still in the original process). Does not
 * return in the parent. */
int daemonize_begin(void);

/* In the child, once running: new session, cwd /, stdio on /dev/null,
 * then tell the parent to exit 0. 0 or -errno. */
int daemonize_ready(int fd);

#endif
