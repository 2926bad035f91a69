/* The runtime status file of a running QEMU domain: what a restarted service
 * needs to find its guest again. Written atomically, removed when QEMU ends. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *uuid;
  char *live_xml;        /* the definition the guest runs */
  gboolean persistent;   /* whether a persistent definition exists as well */
  int pid;
  guint64 start_time;    /* field 22 of /proc/PID/stat: tells a reused PID apart */
  char *monitor_path;
  char *console_path;    /* NULL without serial 0 */
  char *console_log;
  GStrv taps;            /* host tap devices, for network counters */
  int id;
  char *state;           /* "running", "paused", ... as last seen */
  char *reason;
} VbQemuStatus;

void vb_qemu_status_free (VbQemuStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuStatus, vb_qemu_status_free)

char *vb_qemu_status_to_json (const VbQemuStatus *status);
VbQemuStatus *vb_qemu_status_from_json (const char *json, GError **error);

/* The start time of @pid in clock ticks since boot, 0 when it does not exist
 * or is a zombie. */
guint64 vb_process_start_time (int pid);

G_END_DECLS
