/* Parent directory of a socket (see sockdir.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dmlog_log.h"
#include "sockdir.h"

int sockdir_ensure(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int e;

	if (!slash || slash == path)
		return 0;	/* "/x.sock": the root exists */
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (mkdir(dir, 0700) == 0) {
		log_info("created %s for socket %s", dir, path);
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	e = errno;
	log_err("cannot create directory %s for socket %s: %s", dir, path,
		strerror(e));
	return -e;
}
