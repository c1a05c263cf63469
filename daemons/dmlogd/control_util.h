/* control_util.c internals used by control_proto.c and the handlers. */
#ifndef DMLOGD_CONTROL_UTIL_H
#define DMLOGD_CONTROL_UTIL_H

#include <stdbool.h>
#include <stdint.h>

struct json_object;

/* Allocation failures while building one reply. */
void control_cj_reset(void);
bool control_cj_failed(void);
/* Something needed for the reply could not be allocated. */
void control_cj_fail(void);

/* Append {} / an integer to an array. */
struct json_object *cj_arr_obj(struct json_object *arr);
void cj_arr_u64(struct json_object *arr, uint64_t v);

#endif
