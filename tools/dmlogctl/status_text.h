/* dmlogctl status as aligned text. */
#ifndef DMLOGCTL_STATUS_TEXT_H
#define DMLOGCTL_STATUS_TEXT_H

#include <stdio.h>

struct json_object;

/* logs: the array of log_status objects (with "mirror"). Exit code. */
int status_text(struct json_object *logs, int verbose, FILE *f);

#endif
