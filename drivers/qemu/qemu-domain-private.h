/* What the files of the QEMU driver share: its state, the per-domain data,
 * and the few helpers every part needs. Not for anything outside drivers/qemu. */
#pragma once

#include "driver.h"
#include "qemu-caps.h"
#include "qemu-command.h"
#include "qemu-console.h"
#include "qemu-status.h"
#include "qmp-client.h"
#include "vb-user.h"

G_BEGIN_DECLS

typedef struct {
  VbDriverHost *host;
  VbQemuCaps *caps;
  GError *caps_error;
  GPtrArray *caps_waiters; /* GTask, while the probe runs */
} QemuDriver;

extern QemuDriver vb_qemu_driver;

typedef enum {
  STOP_NONE,
  STOP_DESTROY,  /* Destroy(): reason destroyed */
  STOP_SHUTDOWN, /* the guest powered off: reason shutdown */
  STOP_CRASH,    /* the guest panicked and on_crash says destroy */
  STOP_MIGRATED, /* it went away to another host: reason migrated */
  STOP_FAILED,   /* an incoming migration failed: reason failed */
  STOP_SAVED,    /* its state went to a save image: reason saved */
} StopKind;

/* What the driver keeps for one running domain (the domain's driver data). */
typedef struct {
  VbDomain *domain; /* owner of this data */
  char *dir;
  char *status_path;
  char *log_path;
  VbQemuStatus *status;
  VbQmpClient *qmp;
  GSubprocess *process; /* when QEMU is our child */
  int pid;
  int pidfd;
  guint pidfd_watch;
  guint kill_timeout;
  VbConsoleSession *console;
  gboolean fake_reboot;
  gboolean starting; /* Start() runs: it reports QEMU's end itself, as a failed start */
  gboolean rebooting;       /* between the guest's power-off and our reset + cont */
  gsize log_offset;         /* where QEMU's own words start in its log */
  gboolean shutdown_requested; /* Shutdown() asked the guest to power off */
  const char *pause_reason;    /* why the next STOP happens: "ioerror", "watchdog" */
  gboolean own_stop;   /* a STOP event we caused */
  gboolean own_resume; /* a RESUME event we caused */
  const char *resume_reason; /* the running reason of the next RESUME (a restart), or NULL */
  StopKind stopping;
  GPtrArray *exit_waiters; /* GTask completing when the process is gone */
  gboolean gone;
  /* migration */
  gboolean incoming;          /* the destination's QEMU, until the migration ends */
  gboolean incoming_paused;   /* the PAUSED flag: do not run the guest on arrival */
  gboolean migrating;         /* the source's QEMU sends itself away */
  char *migration_status;     /* QEMU's last MIGRATION status */
  GTask *migration;           /* the source's running migrate, completed by events */
  GTask *arrival;             /* the destination's Finish, waiting for the whole stream */
  guint migration_poll;       /* query-migrate timer for the job's figures */
  char *migration_tls_id;     /* the tls-creds-psk object of the stream, NULL when plain */
  /* save and restore (qemu-save.c) */
  GTask *save;       /* the running save (migrate to the image's pipe), or NULL */
  GTask *restore;    /* the running restore (migrate-incoming from the image), or NULL */
  gboolean restore_paused;

  /* block copy (qemu-block-copy.c) */
  struct _QemuBlockCopy *block_copy; /* the mirror of one disk, NULL when none */

  /* snapshots (qemu-snapshot.c) */
  GTask *snapshot_job; /* the snapshot-save/-load/-delete job QEMU runs, ended by events */

  /* hotplug (qemu-hotplug.c) */
  GPtrArray *unplugs; /* device_del sent, DEVICE_DELETED awaited (also after a timeout) */

  /* helper processes beside QEMU: swtpm, virtiofsd (qemu-helper-process.c) */
  GPtrArray *helpers;

  /* <perf>'s counters of QEMU's threads (qemu-host-tuning.c), or NULL */
  struct _VbQemuPerf *perf;
} QemuDomain;

/* "domain/NAME", for logs. */
const char *vb_qemu_log_name (VbDomain *domain);
/* The driver data of a domain that has (or is getting) a QEMU, else NULL. */
QemuDomain *vb_qemu_domain_of (VbDomain *domain);
/* The driver data of a domain whose QEMU is up with its monitor open, else
 * NULL and OperationInvalid "Domain 'NAME' is not running". */
QemuDomain *vb_qemu_domain_running (VbDomain *domain, GError **error);
/* Sets state and reason and records them in the status file. */
void vb_qemu_set_state (QemuDomain *qd, VbDomainState state, const char *reason);
/* Writes the status file (ordered, off the main loop). */
void vb_qemu_save_status (QemuDomain *qd);
/* Sends a command whose answer only matters when it fails (then it is
 * logged); takes @args, which may be NULL. */
void vb_qemu_execute_logged (QemuDomain *qd, const char *command, JsonObject *args);
/* Ends QEMU through its monitor; its exit does the rest. */
void vb_qemu_quit (QemuDomain *qd);
void vb_qemu_send_command (QemuDomain *qd, const char *command);

/* <run-dir>/qemu: where the domains' run directories are. */
char *vb_qemu_run_dir (void);
/* <run-dir>/qemu/@uuid: one domain's sockets and log. In system mode it
 * belongs to the user QEMU runs as: the service reads and writes nothing
 * there by a path it trusts. */
char *vb_qemu_domain_dir (const char *uuid);
/* <run-dir>/qemu-status: the status files, written by the service only. */
char *vb_qemu_status_dir (void);
/* <run-dir>/qemu-status/@uuid.json */
char *vb_qemu_status_path (const char *uuid);
/* The QEMU run when a domain names no <emulator>. */
const char *vb_qemu_binary (void);
/* The user QEMU and qemu-img run as: --qemu-user in system mode, NULL
 * outside it (they run as the service's user then). */
const char *vb_qemu_user_name (void);
/* The same looked up (NULL outside system mode), for a child to drop to
 * (vb_user_drop_to()); FALSE with @error when the user does not exist or is
 * privileged. Thread-safe. */
gboolean vb_qemu_lookup_user (VbUser **user, GError **error);
/* Every name an <emulator> may have: --qemu-binary and the binaries of
 * --qemu-binaries, each as configured, found in PATH and resolved. */
char **vb_qemu_binaries (void);
/* New driver data for @domain, not yet attached to it. */
QemuDomain *vb_qemu_domain_new (VbDomain *domain);
void vb_qemu_domain_free (QemuDomain *qd);

/* The capabilities of the default binary, probed once (qemu-driver.c); a
 * failed probe is tried again at the next call. */
/* Starts the probe of QEMU (qemu-driver-state.c); the getter waits for it. */
void vb_qemu_probe_caps (void);
/* Where the capabilities of every binary are cached (qemu-caps.c). */
char *vb_qemu_caps_cache_dir (void);
void vb_qemu_get_caps_async (GAsyncReadyCallback callback, gpointer user_data);
VbQemuCaps *vb_qemu_get_caps_finish (GAsyncResult *result, GError **error);

/* The command line of @def with the driver's settings; @dry_run only
 * checks (define time); @numad_nodes: numad's advice (qemu-numad.h) or NULL. */
VbQemuCommand *vb_qemu_build_command (const VbDomainDef *def, VbQemuCaps *caps, gboolean dry_run,
                                      const char *numad_nodes,
                                      GError **error);

/* Fills in the resolvers of <interface type='network'> and <disk
 * type='volume'> that the command line uses. */
void vb_qemu_context_resolvers (VbQemuCommandContext *context);

G_END_DECLS
