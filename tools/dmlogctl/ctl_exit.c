/* errno to exit code (see ctl_exit.h). */
#include <errno.h>

#include "ctl_exit.h"

int ctl_exit_from_errno(int err)
{
	switch (err) {
	case 0:
		return CTL_EXIT_OK;
	case ENOENT:
	case ENXIO:
	case ENODEV:
	case ENOTBLK:
	case ENOTDIR:
		return CTL_EXIT_NOT_FOUND;
	case EACCES:
	case EPERM:
	case EROFS:
		return CTL_EXIT_PERMISSION;
	case EBUSY:
		return CTL_EXIT_BUSY;
	default:
		return CTL_EXIT_FAILURE;
	}
}
