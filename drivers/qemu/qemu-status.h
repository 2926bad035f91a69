/* The runtime status file of a running QEMU domain: what a restarted service
 * needs to find its guest again. Written atomically, removed when QEMU ends.
 * It lives where only the service can write (<run-dir>/qemu-status/), never
 * in the domain's directory, which belongs to the user QEMU runs as. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* A helper process started beside QEMU (swtpm, virtiofsd: qemu-helper-process.c). */
typedef struct {
  char *id;           /* "tpm0", "fs0" */
  int pid;
  guint64 start_time; /* as for QEMU: tells a reused PID apart */
  char *exe;          /* /proc/PID/exe once it ran */
} VbQemuHelperRecord;

void vb_qemu_helper_record_free (VbQemuHelperRecord *record);

typedef struct {
  char *uuid;
  char *live_xml;        /* the definition the guest runs */
  gboolean persistent;   /* whether a persistent definition exists as well */
  int pid;
  guint64 start_time;    /* field 22 of /proc/PID/stat: tells a reused PID apart */
  char *exe;             /* /proc/PID/exe once QEMU runs: tells another program apart */
  char *monitor_path;
  char *console_path;    /* NULL without serial 0 */
  char *console_log;
  char *numad_nodes;     /* numad's advice at the start (placement='auto'), else NULL */
  GStrv taps;            /* host tap devices, for network counters */
  GStrv ovs_ports;       /* the taps that are Open vSwitch ports, removed when QEMU ends */
  GStrv downscripts;     /* "TAP:PATH" of each <downscript>, run when QEMU ends */
  GStrv macvtaps;        /* "NAME:IFINDEX" of macvtap links (type='direct'), deleted when QEMU ends */
  GPtrArray *helpers;    /* VbQemuHelperRecord, never NULL once read or built */
  int id;
  char *state;           /* "running", "paused", ... as last seen */
  char *reason;
} VbQemuStatus;

void vb_qemu_status_free (VbQemuStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuStatus, vb_qemu_status_free)

char *vb_qemu_status_to_json (const VbQemuStatus *status);
VbQemuStatus *vb_qemu_status_from_json (const char *json, GError **error);

/* Reads the status file at @path as the service wrote it: refuses a symbolic
 * link, and anything but a regular file with one link owned by the service's
 * user. A missing file is G_FILE_ERROR_NOENT. */
VbQemuStatus *vb_qemu_status_read (const char *path, GError **error);

/* Whether the PID of @status is still the QEMU it describes: the recorded
 * start time, /proc/PID/exe resolving to @exe and real and effective uid
 * @uid. Nothing else may be signalled or reattached. */
gboolean vb_qemu_status_check_process (const VbQemuStatus *status, const char *exe, uid_t uid,
                                       GError **error);
/* The same for any process: @pid started at @start_time, runs @exe as @uid. */
gboolean vb_qemu_check_process (int pid, guint64 start_time, const char *exe, uid_t uid,
                                GError **error);

G_END_DECLS
