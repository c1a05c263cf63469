/* dmlog-lvm's --selected mode, the pure part (dmlog-lvm(8)):
 *
 *  - which LVs of an LVM report dmlog.conf's lvm/volume_list selects
 *    (lvm_select_match: the matcher the dmeventd plugin uses), and which
 *    "vg/lv" entries name no reported LV;
 *  - whether LVM's own auto-activation (vgchange -aay, pvscan --cache
 *    -aay) would activate a selected LV with LVM's log: lvm.conf's
 *    activation/auto_activation_volume_list and the LV's and VG's
 *    autoactivation property.
 *
 * Input report: the JSON liblvm2cmd prints for
 *   lvs --reportformat json -o vg_name,lv_name,segtype,lv_tags,vg_tags,
 *       lv_autoactivation,vg_autoactivation
 * (no -a: mirror images and logs are not LVs one selects).
 * No system calls; libdevmapper's dm_config parser reads lvm.conf. */
#ifndef DMLOG_LVM_SELECTED_H
#define DMLOG_LVM_SELECTED_H

#include <stdbool.h>
#include <stddef.h>

#include "lvm_layout.h"
#include "lvm_mirror.h"

struct lvm_sel_lv {
	char vg[LVM_NAME_MAX], lv[LVM_NAME_MAX];
	char segtype[32];	/* "mirror", "linear", ... */
	bool autoact;		/* LV's and VG's autoactivation property set */
	char *tagbuf;		/* the tags below point into it */
	const char **tags;	/* the LV's tags, then the VG's */
	size_t ntags;
};

struct lvm_sel_list {
	struct lvm_sel_lv *lvs;	/* selected LVs, in the report's order */
	size_t n;
	char **missing;		/* "vg/lv" entries that name no reported LV */
	size_t nmissing;
};

/* Fill out with the rows of lvs_json that s selects. 0; -EINVAL for
 * JSON that is not LVM's lvs report; -ENOMEM. err says why. */
int lvm_sel_parse(struct lvm_sel_list *out, const struct lvm_select *s,
		  const char *lvs_json, char *err, size_t errlen);
void lvm_sel_free(struct lvm_sel_list *l);

/* lvm.conf's activation/auto_activation_volume_list. */
struct lvm_autoact {
	bool set;		/* the list is defined (maybe empty) */
	struct lvm_select sel;	/* its entries dmlog can evaluate */
	char *unknown;		/* the first entry it cannot ("@*"), or NULL */
};

/* Read one lvm.conf-syntax text (lvm.conf, then lvmlocal.conf: a later
 * file that defines the list replaces it, one that does not leaves a
 * alone). Start with a zeroed struct. 0, or -EINVAL (syntax error, not a
 * list of strings) / -ENOMEM with err set; a is unchanged then. */
int lvm_autoact_parse(struct lvm_autoact *a, const char *text, size_t len,
		      const char *name, char *err, size_t errlen);
void lvm_autoact_free(struct lvm_autoact *a);

enum lvm_autoact_verdict {
	LVM_AUTOACT_PROPERTY_OFF,	/* lvchange/vgchange
					 * --setautoactivation n: safe */
	LVM_AUTOACT_EXCLUDED,		/* the list leaves it out: safe */
	LVM_AUTOACT_UNSET,		/* no list: LVM auto-activates it */
	LVM_AUTOACT_INCLUDED,		/* the list includes it */
	LVM_AUTOACT_UNKNOWN,		/* only an entry like "@*" might */
};

/* Would LVM's auto-activation activate lv? */
enum lvm_autoact_verdict lvm_autoact_check(const struct lvm_autoact *a,
					   const struct lvm_sel_lv *lv);

#endif
