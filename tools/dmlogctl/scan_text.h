/* Human (table) rendering shared by the commands that read a log. */
#ifndef DMLOGCTL_SCAN_TEXT_H
#define DMLOGCTL_SCAN_TEXT_H

#include <stddef.h>
#include <stdio.h>

struct ctl_dev;
struct ctl_scan;
struct ctl_block;
struct ctl_block_sum;
struct dmlog_geometry;
struct table;

/* "PATH (block device 8:17), SIZE, logical block size N" */
void text_device_desc(const struct ctl_dev *d, char *buf, size_t len);
/* "Device  <desc>", and the holders when the device is live. */
void text_device(const struct ctl_dev *d, FILE *f);

/* Table of bad block runs: BLOCK, DEVICE-BLOCK, PROBLEM, REGIONS.
 * 0 or -ENOMEM. */
int text_bad_runs(const struct dmlog_geometry *g,
		  const struct ctl_block_sum *sum, FILE *f, unsigned indent);

/* The every-block table (-v): header row, then text_block_row per block. */
struct table *text_block_table(void);
void text_block_row(struct table *t, const struct dmlog_geometry *g,
		    const struct ctl_block *b);

#endif
