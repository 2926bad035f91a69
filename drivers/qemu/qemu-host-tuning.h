/* The host side of <perf> (domain-tuning.h has what define checks, and
 * refuses <cachetune>, <memorytune> and <resource>, which virtbus does on
 * no host): the kernel's perf counters (perf_event_open) of every thread
 * of QEMU, opened while the guest is still paused, each inherited by the
 * threads QEMU makes later, summed for Domain.GetStats' perf.* keys; opened
 * again, from zero, when the service finds its QEMU again after a restart. */
#pragma once

#include <glib.h>

#include "qemu-part.h"

G_BEGIN_DECLS

typedef struct _VbQemuPerf VbQemuPerf;

/* At Start, before QEMU runs: whether this host can count the perf events
 * the live XML @xml enables: each is opened once on the service itself
 * (the kernel has it, or says why). NotSupported naming the event. */
gboolean vb_qemu_host_tuning_check (const char *xml, GError **error);

/* The enabled perf events of @xml opened on each thread of QEMU @pid; NULL
 * without an error when none is enabled. NotSupported naming the event. */
VbQemuPerf *vb_qemu_perf_open (const char *xml, int pid, GError **error);
void vb_qemu_perf_free (VbQemuPerf *perf);
/* "perf.NAME" (t) of each event into @dict. */
void vb_qemu_perf_add_stats (const VbQemuPerf *perf, GVariantDict *dict);

/* Closes the counters with the driver data; opens them again on a
 * reattached QEMU. */
extern const VbQemuPart vb_qemu_host_tuning_part;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuPerf, vb_qemu_perf_free)

G_END_DECLS
