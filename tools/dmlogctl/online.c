/* Shared by the online commands (see online.h). */
#include <json.h>
#include <stdio.h>

#include "ctl_exit.h"
#include "jdoc.h"
#include "jget.h"
#include "logname.h"
#include "msg.h"
#include "online.h"

int online_log_id(const char *arg, char *id, unsigned len)
{
	return logname_resolve(arg, id, len);
}

void online_add_mirror(struct json_object *log)
{
	struct mirror_dev m;
	struct json_object *o;
	char path[160];

	if (logname_find_mirror(jget_str(log, "uuid"), &m)) {
		json_object_object_add(log, "mirror", NULL);
		return;
	}
	o = json_object_new_object();
	snprintf(path, sizeof(path), "/dev/mapper/%s", m.name);
	json_object_object_add(o, "name", json_object_new_string(m.name));
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "major", json_object_new_uint64(m.major));
	json_object_object_add(o, "minor", json_object_new_uint64(m.minor));
	json_object_object_add(log, "mirror", o);
}

int online_print_json(const char *command, struct json_object *result)
{
	struct jdoc doc;
	int r;

	if (!jdoc_init(&doc, command)) {
		json_object_put(result);
		ctl_err("out of memory");
		return CTL_EXIT_FAILURE;
	}
	json_object_object_foreach(result, key, val) {
		if (val)
			jdoc_attach(&doc, doc.root, key, json_object_get(val));
		else
			jdoc_null(&doc, doc.root, key);
	}
	json_object_put(result);
	r = jdoc_print(&doc, stdout);
	jdoc_free(&doc);
	if (r) {
		ctl_err("out of memory");
		return CTL_EXIT_FAILURE;
	}
	return CTL_EXIT_OK;
}

uint64_t online_sector(struct json_object *log, uint64_t region)
{
	return region * jget_u64(log, "region_size_sectors");
}
