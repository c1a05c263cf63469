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

/* Copy the next space-separated token of *p to tok; false at the end. */
static bool next_token(const char **p, char *tok, size_t len)
{
	const char *s = *p + strspn(*p, " "), *e = s + strcspn(s, " ");

	if (e == s || (size_t)(e - s) >= len)
		return false;
	memcpy(tok, s, (size_t)(e - s));
	tok[e - s] = '\0';
	*p = e;
	return true;
}

bool mirror_params_log_dev(const char *params, char *dev, size_t len)
{
	char tok[130];
	const char *p = params;
	unsigned long nargs, used = 0;
	bool userspace;

	if (!next_token(&p, tok, sizeof(tok)))
		return false;
	userspace = !strcmp(tok, "userspace");
	if (!userspace && strcmp(tok, "disk"))
		return false;
	if (!next_token(&p, tok, sizeof(tok)) ||
	    sscanf(tok, "%lu", &nargs) != 1)
		return false;
	if (userspace) {
		/* uuid, optional flags, then the log type */
		if (!next_token(&p, tok, sizeof(tok)))
			return false;
		used = 1;
		do {
			if (++used > nargs || !next_token(&p, tok, sizeof(tok)))
				return false;
		} while (!strcmp(tok, "integrated_flush"));
		if (strcmp(tok, "disk") && strcmp(tok, "clustered-disk"))
			return false;
	}
	if (++used > nargs || !next_token(&p, tok, sizeof(tok)) ||
	    strlen(tok) >= len)
		return false;
	memcpy(dev, tok, strlen(tok) + 1);
	return true;
}
