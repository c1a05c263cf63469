/* The directory of a socket path (the frame socket's default lives in
 * /run/dmlogd/, which may not exist yet at boot). */
#ifndef DMLOGD_SOCKDIR_H
#define DMLOGD_SOCKDIR_H

/* Create the parent directory of path (mode 0700) when it is missing;
 * an existing one is left alone. 0 or -errno (logged). */
int sockdir_ensure(const char *path);

#endif
