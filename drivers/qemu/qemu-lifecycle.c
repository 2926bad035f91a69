/* What the service does when the guest powers off, panics or its watchdog
 * fires, as the domain's <on_poweroff>, <on_crash> and <watchdog action>
 * say. QEMU stops the guest in each case (-no-shutdown, -action
 * panic=pause, watchdog=pause for "dump"); from there the service restarts
 * it in the same QEMU (system_reset + cont, as libvirt's "fake reboot"),
 * writes its memory to a core file (QMP dump-guest-memory), ends QEMU, or
 * leaves it stopped. */
#include "qemu-lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "qemu-process.h"
#include "vb-error.h"
#include "vb-log.h"
#include "xml-schema.h"

/* A core dump of a 16 GiB guest to a slow disk takes minutes; QEMU answers
 * the command when the file is complete. */
#define DUMP_TIMEOUT_MS (30 * 60 * 1000)

VbQemuLifecycleAction
vb_qemu_lifecycle_action (xmlNode *root, const char *element)
{
  static const struct {
    const char *name;
    VbQemuLifecycleAction action;
  } names[] = {
    { "destroy", VB_QEMU_ACTION_DESTROY },
    { "restart", VB_QEMU_ACTION_RESTART },
    { "preserve", VB_QEMU_ACTION_PRESERVE },
    { "rename-restart", VB_QEMU_ACTION_RENAME_RESTART },
    { "coredump-destroy", VB_QEMU_ACTION_COREDUMP_DESTROY },
    { "coredump-restart", VB_QEMU_ACTION_COREDUMP_RESTART },
  };
  xmlNode *node = vb_xml_child (root, element);
  g_autofree char *value = node ? vb_xml_text (node) : NULL;

  for (guint i = 0; value && i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (value, names[i].name))
      return names[i].action;
  return g_str_equal (element, "on_reboot") ? VB_QEMU_ACTION_RESTART : VB_QEMU_ACTION_DESTROY;
}

/* The action of the running definition: what the guest was started with. */
static VbQemuLifecycleAction
live_action (QemuDomain *qd, const char *element)
{
  const VbDomainDef *def = vb_domain_get_live_def (qd->domain);
  g_autoptr (xmlDoc) doc = def ? vb_xml_parse (def->xml, "domain", NULL) : NULL;

  if (!doc)
    return g_str_equal (element, "on_reboot") ? VB_QEMU_ACTION_RESTART : VB_QEMU_ACTION_DESTROY;
  return vb_qemu_lifecycle_action (xmlDocGetRootElement (doc), element);
}

/* The guest starts again from its firmware in the same QEMU; the RESUME
 * that follows is told as ('resumed', 'unpaused') with running / @reason,
 * as libvirt tells its fake reboot. */
static void
restart (QemuDomain *qd, const char *reason)
{
  qd->resume_reason = reason;
  qd->shutdown_requested = FALSE;
  vb_qemu_send_command (qd, "system_reset");
  vb_qemu_send_command (qd, "cont");
}

/* Ends QEMU: the domain becomes shutoff / crashed with ('stopped', 'crashed'). */
static void
destroy_crashed (QemuDomain *qd)
{
  qd->stopping = STOP_CRASH;
  vb_qemu_terminate (qd);
}

/* The guest powered off (a SHUTDOWN from the guest): with <on_poweroff>
 * restart it runs again in the same QEMU, told as libvirt tells it (the
 * shutdown events, then ('resumed', 'unpaused')); otherwise the process
 * code ends QEMU. A reboot turned into a power-off (on_reboot destroy,
 * reason guest-reset) is never restarted. */
static gboolean
powered_off (QemuDomain *qd, JsonObject *data)
{
  if (qd->stopping != STOP_NONE || qd->fake_reboot || !vb_qmp_member_bool (data, "guest", TRUE)
      || g_strcmp0 (vb_qmp_member_string (data, "reason"), "guest-reset") == 0
      || live_action (qd, "on_poweroff") != VB_QEMU_ACTION_RESTART)
    return FALSE;
  vb_log_message (vb_qemu_log_name (qd->domain), "the guest powered off: on_poweroff restart");
  vb_qemu_set_state (qd, VB_DOMAIN_SHUTDOWN, qd->shutdown_requested ? "user" : "unknown");
  vb_domain_emit_lifecycle (qd->domain, "shutdown", "finished");
  vb_domain_emit_lifecycle (qd->domain, "shutdown", "guest");
  restart (qd, "booted");
  return TRUE;
}

/* ---- core dumps ---- */

typedef enum {
  AFTER_DUMP_DESTROY, /* on_crash coredump-destroy */
  AFTER_DUMP_RESTART, /* on_crash coredump-restart */
  AFTER_DUMP_RESUME,  /* watchdog action dump: the guest goes on */
} AfterDump;

typedef struct {
  VbDomain *domain;
  AfterDump after;
  char *path;
} Dump;

static void
dump_free (Dump *dump)
{
  g_object_unref (dump->domain);
  g_free (dump->path);
  g_free (dump);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Dump, dump_free)

/* The dumps of the domain with @uuid in @dir: only its newest is kept, so a
 * guest that crashes again and again cannot fill the service's disk. */
static void
remove_older_dumps (const char *dir, const char *uuid)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  g_autofree char *prefix = g_strdup_printf ("%s-", uuid);
  const char *entry;

  while (listing && (entry = g_dir_read_name (listing)))
    if (g_str_has_prefix (entry, prefix) && g_str_has_suffix (entry, ".core"))
      {
        g_autofree char *old = g_build_filename (dir, entry, NULL);

        if (unlink (old) < 0)
          vb_log_warning (uuid, "cannot remove the older dump %s: %s", old, g_strerror (errno));
      }
}

/* <state-dir>/qemu-dump/<uuid>-<time>.core, libvirt's automatic dump file
 * (its auto_dump_path) with the UUID for the name: written by the service,
 * which opens it and hands QEMU the descriptor, so QEMU's user needs no
 * right to the directory. The domain's older dump goes. */
static int
open_dump_file (VbDomain *domain, char **path, GError **error)
{
  g_autofree char *dir =
    g_build_filename (vb_driver_host_get_state_dir (vb_qemu_driver.host), "qemu-dump", NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S.%f");
  g_autofree char *name =
    g_strdup_printf ("%s-%s.core", vb_resource_get_uuid (VB_RESOURCE (domain)), stamp);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "cannot create %s: %s", dir,
                   g_strerror (errno));
      return -1;
    }
  remove_older_dumps (dir, vb_resource_get_uuid (VB_RESOURCE (domain)));
  *path = g_build_filename (dir, name, NULL);
  fd = open (*path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "cannot create %s: %s", *path,
                 g_strerror (errno));
  return fd;
}

/* What follows the dump, whether it worked or not. */
static void
after_dump (Dump *dump)
{
  QemuDomain *qd = vb_qemu_domain_of (dump->domain);

  /* Destroy() or the guest's end may have come meanwhile. */
  if (!qd || qd->gone || qd->stopping != STOP_NONE)
    return;
  switch (dump->after)
    {
    case AFTER_DUMP_DESTROY:
      destroy_crashed (qd);
      break;
    case AFTER_DUMP_RESTART:
      restart (qd, "crashed");
      break;
    case AFTER_DUMP_RESUME:
      /* Unless a client paused it meanwhile on purpose. */
      if (vb_domain_get_state (dump->domain) == VB_DOMAIN_PAUSED
          && g_strcmp0 (vb_domain_get_state_reason (dump->domain), "watchdog") == 0)
        vb_qemu_send_command (qd, "cont");
      break;
    }
}

static void
dump_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Dump) dump = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  const char *name = vb_qemu_log_name (dump->domain);

  if (reply)
    vb_log_message (name, "guest memory dumped to %s", dump->path);
  else
    {
      vb_log_warning (name, "guest memory dump to %s failed: %s", dump->path, error->message);
      g_unlink (dump->path);
    }
  after_dump (dump);
}

static void
getfd_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *name = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  /* The dump that follows fails for want of the fd, and says so. */
  if (!reply)
    vb_log_warning (name, "passing the dump file to QEMU failed: %s", error->message);
}

/* Writes the guest's memory to a core file, then does @after; when the
 * file cannot be made, does @after at once. */
static void
dump_then (QemuDomain *qd, AfterDump after)
{
  g_autoptr (Dump) dump = g_new0 (Dump, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) getfd = json_object_new ();
  g_autoptr (JsonObject) args = json_object_new ();
  int fd;

  dump->domain = g_object_ref (qd->domain);
  dump->after = after;
  fd = open_dump_file (qd->domain, &dump->path, &error);
  if (fd < 0)
    {
      vb_log_warning (vb_qemu_log_name (qd->domain), "no guest memory dump: %s", error->message);
      after_dump (dump);
      return;
    }
  json_object_set_string_member (getfd, "fdname", "vb-dump");
  vb_qmp_client_execute_async (qd->qmp, "getfd", getfd, fd, NULL, getfd_done,
                               g_strdup (vb_qemu_log_name (qd->domain)));
  close (fd); /* the client sent its own duplicate */
  json_object_set_boolean_member (args, "paging", FALSE);
  json_object_set_string_member (args, "protocol", "fd:vb-dump");
  vb_qmp_client_execute_full_async (qd->qmp, "dump-guest-memory", args, -1, DUMP_TIMEOUT_MS, NULL,
                                    dump_done, g_steal_pointer (&dump));
}

/* ---- events ---- */

static void
panicked (QemuDomain *qd)
{
  VbQemuLifecycleAction action = live_action (qd, "on_crash");

  vb_qemu_set_state (qd, VB_DOMAIN_CRASHED, "panicked");
  vb_domain_emit_lifecycle (qd->domain, "crashed", "panicked");
  switch (action)
    {
    case VB_QEMU_ACTION_PRESERVE:
      break; /* stopped where it panicked, for inspection; Reset() or Destroy() ends that */
    case VB_QEMU_ACTION_RESTART:
      restart (qd, "crashed");
      break;
    case VB_QEMU_ACTION_COREDUMP_DESTROY:
      dump_then (qd, AFTER_DUMP_DESTROY);
      break;
    case VB_QEMU_ACTION_COREDUMP_RESTART:
      dump_then (qd, AFTER_DUMP_RESTART);
      break;
    case VB_QEMU_ACTION_DESTROY:
    case VB_QEMU_ACTION_RENAME_RESTART: /* refused at define */
    default:
      destroy_crashed (qd);
      break;
    }
}

/* The action of the domain's first <watchdog> (they all share one). */
static gboolean
watchdog_dumps (QemuDomain *qd)
{
  const VbDomainDef *def = vb_domain_get_live_def (qd->domain);
  g_autoptr (xmlDoc) doc = def ? vb_xml_parse (def->xml, "domain", NULL) : NULL;
  xmlNode *devices = doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;

  return vb_xml_attr_is (vb_xml_child (devices, "watchdog"), "action", "dump");
}

static gboolean
event (QemuDomain *qd, const char *name, JsonObject *data)
{
  if (g_str_equal (name, "SHUTDOWN"))
    return powered_off (qd, data);
  if (g_str_equal (name, "GUEST_PANICKED"))
    {
      /* Once QEMU is being ended, the guest's state no longer matters. */
      if (qd->stopping == STOP_NONE)
        panicked (qd);
      return TRUE;
    }
  if (g_str_equal (name, "WATCHDOG"))
    {
      const char *action = vb_qmp_member_string (data, "action");

      vb_domain_emit_watchdog (qd->domain, action ? action : "none");
      /* QEMU has paused the guest (watchdog=pause): the process code
       * reports the pause; the dump follows, then the guest goes on. */
      if (g_strcmp0 (action, "pause") == 0 && qd->stopping == STOP_NONE && watchdog_dumps (qd))
        dump_then (qd, AFTER_DUMP_RESUME);
    }
  return FALSE;
}

const VbQemuPart vb_qemu_lifecycle_part = {
  .name = "lifecycle",
  .event = event,
};
