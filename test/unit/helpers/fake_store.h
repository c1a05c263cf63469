/* A log_store that records what the engine asks of it (unit tests). */
#ifndef DMLOG_TEST_FAKE_STORE_H
#define DMLOG_TEST_FAKE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "log_store.h"

struct fake_store {
	struct log_store base;
	int loads, flushes, closes, destroys;
	int notes_clean, notes_sync;
	uint64_t last_note;
	bool last_handoff;
	int fail_flush;			/* -errno returned by flush */
	int fail_load;
	uint64_t load_out_of_sync;	/* load marks [0, n) out of sync */
	int *destroyed_flag;		/* set to 1 on destroy, if not NULL */
	bool *handoff_flag;		/* receives close's handoff */
};

struct fake_store *fake_store_new(const char *dev_name);

#endif
