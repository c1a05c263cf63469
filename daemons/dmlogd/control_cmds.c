/* The control requests (doc/control-protocol.md), and `list`. */
#include <json.h>

#include "control_cmds.h"
#include "control_util.h"
#include "log_engine.h"
#include "log_server.h"

const struct control_cmd control_cmds[] = {
	{ "list", control_list },
	{ "status", control_status },
	{ "regions", control_regions },
	{ "progress", control_progress },
	{ "map", control_map },
	{ "stats", control_stats },
	{ "resync", control_resync },
	{ NULL, NULL },
};

/* Every log instance, cheaply: uuid, luid, type (shell completion). */
int control_list(const struct control_env *env, struct json_object *args,
		 struct json_object *result, struct control_err *e)
{
	struct json_object *arr = cj_arr(result, "logs");
	struct dmlog_log *log;

	(void)args;
	(void)e;
	for (size_t i = 0; (log = log_server_at(env->srv, i)); i++) {
		struct json_object *o = cj_arr_obj(arr);

		cj_str(o, "uuid", log->uuid);
		cj_u64(o, "luid", log->luid);
		cj_str(o, "type", log->params.type_name);
	}
	return 0;
}
