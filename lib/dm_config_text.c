/* lvm.conf-syntax text through dm_config (see dm_config_text.h). */
#include <libdevmapper.h>
#include <stdarg.h>
#include <stdio.h>

#include "dm_config_text.h"

static char parse_error[256];

static void capture_dm_log(int level, const char *file, int line,
			   int dm_errno_or_class, const char *f, ...)
{
	va_list ap;

	(void)file;
	(void)line;
	(void)dm_errno_or_class;
	if ((level & 7) > 3 || parse_error[0])
		return;
	va_start(ap, f);
	vsnprintf(parse_error, sizeof(parse_error), f, ap);
	va_end(ap);
}

struct dm_config_tree *dm_config_text_parse(const char *text, size_t len,
					    const char *name, char *err,
					    size_t errlen, bool *empty)
{
	struct dm_config_tree *cft;
	int ok;

	*empty = false;
	if (!(cft = dm_config_create())) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	parse_error[0] = '\0';
	dm_log_with_errno_init(capture_dm_log);
	ok = dm_config_parse(cft, text, text + len);
	dm_log_with_errno_init(NULL);
	if (!ok && parse_error[0]) {
		snprintf(err, errlen, "%s: %s", name, parse_error);
		dm_config_destroy(cft);
		return NULL;
	}
	*empty = !ok;	/* no settings at all */
	return cft;
}
