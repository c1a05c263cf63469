/* fork + setsid with a readiness pipe (see daemonize.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemonize.h"
#include "options.h"

static void parent_wait(int rfd, pid_t child)
{
	char c;
	ssize_t n;
	int status;

	do {
		n = read(rfd, &c, 1);
	} while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(DMLOGD_EXIT_OK);
	/* The child died before it was ready: pass its status on. */
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			_exit(DMLOGD_EXIT_FAILURE);
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	_exit(DMLOGD_EXIT_FAILURE);
}

int daemonize_begin(void)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid > 0) {
		close(p[1]);
		parent_wait(p[0], pid);
	}
	close(p[0]);
	if (setsid() < 0) {
		int e = errno;

		close(p[1]);
		return -e;
	}
	return p[1];
}

int daemonize_ready(int fd)
{
	int null, e = 0;
	char c = 0;

	if (chdir("/") < 0)
		e = errno;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		e = errno;
	else {
		if (dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(null, 2) < 0)
			e = errno;
		if (null > 2)
			close(null);
	}
	if (write(fd, &c, 1) != 1 && !e)
		e = errno ? errno : EIO;
	close(fd);
	return -e;
}
