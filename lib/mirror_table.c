#include <stdio.h>
#include <string.h>

#include "mirror_table.h"

bool mirror_params_log_uuid(const char *params, char *uuid, size_t len)
{
	char type[16], id[129];
	unsigned nargs;

	if (sscanf(params, "%15s %u %128s", type, &nargs, id) != 3 ||
	    strcmp(type, "userspace") || nargs < 2)
		return false;
	if (strlen(id) >= len)
		return false;
	memcpy(uuid, id, strlen(id) + 1);
	return true;
}
