/* Per-domain data of the QEMU driver (QemuDomain) and the helpers every
 * part shares: where a domain's files are, its status file, logged QMP
 * commands, and the command-line context made from the driver's settings. */
#include "qemu-domain-private.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config-store.h"
#include "network-portgroup.h"
#include "qemu-host.h"
#include "qemu-host-display.h"
#include "qemu-part.h"
#include "vb-config.h"
#include "vb-error.h"
#include "xml-schema.h"
#include "vb-log.h"

/* ---- per-domain data ---- */

const char *
vb_qemu_log_name (VbDomain *domain)
{
  return vb_resource_get_log_name (VB_RESOURCE (domain));
}

QemuDomain *
vb_qemu_domain_of (VbDomain *domain)
{
  return vb_resource_get_driver_data (VB_RESOURCE (domain));
}

QemuDomain *
vb_qemu_domain_running (VbDomain *domain, GError **error)
{
  QemuDomain *qd = vb_qemu_domain_of (domain);

  if (qd && !qd->gone && qd->qmp && !vb_qmp_client_is_closed (qd->qmp) && qd->status)
    return qd;
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "Domain '%s' is not running",
               vb_resource_get_name (VB_RESOURCE (domain)));
  return NULL;
}

char *
vb_qemu_run_dir (void)
{
  return g_build_filename (vb_driver_host_get_run_dir (vb_qemu_driver.host), "qemu", NULL);
}

char *
vb_qemu_domain_dir (const char *uuid)
{
  g_autofree char *base = vb_qemu_run_dir ();
  return g_build_filename (base, uuid, NULL);
}

char *
vb_qemu_status_dir (void)
{
  return g_build_filename (vb_driver_host_get_run_dir (vb_qemu_driver.host), "qemu-status", NULL);
}

char *
vb_qemu_status_path (const char *uuid)
{
  g_autofree char *base = vb_qemu_status_dir ();
  g_autofree char *name = g_strdup_printf ("%s.json", uuid);
  return g_build_filename (base, name, NULL);
}

const char *
vb_qemu_binary (void)
{
  const char *binary = vb_driver_host_get_setting (vb_qemu_driver.host, "qemu-binary");
  return binary ? binary : VB_QEMU_BINARY;
}

void
vb_qemu_domain_free (QemuDomain *qd)
{
  if (qd->pidfd_watch)
    g_source_remove (qd->pidfd_watch);
  if (qd->kill_timeout)
    g_source_remove (qd->kill_timeout);
  if (qd->pidfd >= 0)
    close (qd->pidfd);
  vb_console_close (&qd->console);
  for (const VbQemuPart *const *part = vb_qemu_parts; *part; part++)
    if ((*part)->free)
      (*part)->free (qd);
  if (qd->qmp)
    {
      g_signal_handlers_disconnect_by_data (qd->qmp, qd);
      vb_qmp_client_close (qd->qmp);
      g_object_unref (qd->qmp);
    }
  g_clear_object (&qd->process);
  g_clear_pointer (&qd->exit_waiters, g_ptr_array_unref);
  vb_qemu_status_free (qd->status);
  g_free (qd->dir);
  g_free (qd->status_path);
  g_free (qd->log_path);
  g_free (qd);
}

QemuDomain *
vb_qemu_domain_new (VbDomain *domain)
{
  QemuDomain *qd = g_new0 (QemuDomain, 1);
  const char *uuid = vb_resource_get_uuid (VB_RESOURCE (domain));

  qd->domain = domain;
  qd->dir = vb_qemu_domain_dir (uuid);
  /* Not in qd->dir: QEMU's user can write there (see vb_qemu_status_dir). */
  qd->status_path = vb_qemu_status_path (uuid);
  qd->log_path = g_build_filename (qd->dir, "qemu.log", NULL);
  qd->pidfd = -1;
  qd->exit_waiters = g_ptr_array_new ();
  return qd;
}

/* ---- the command line ---- */

static char *
network_bridge (const char *network, gpointer data, GError **error)
{
  VbInventory *inventory = vb_driver_host_get_inventory (vb_qemu_driver.host);
  VbResource *found = vb_inventory_lookup_name (inventory, VB_TYPE_NETWORK, network);

  if (!found)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No network named '%s'", network);
      return NULL;
    }
  if (!vb_network_get_active (VB_NETWORK (found)))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "Network '%s' is not active",
                   network);
      return NULL;
    }
  return g_strdup (vb_network_get_bridge (VB_NETWORK (found)));
}

static char *
network_portgroup_bandwidth (const char *network, const char *portgroup, gpointer data,
                             GError **error)
{
  VbInventory *inventory = vb_driver_host_get_inventory (vb_qemu_driver.host);
  VbResource *found = vb_inventory_lookup_name (inventory, VB_TYPE_NETWORK, network);
  const VbNetworkDef *def;

  if (!found)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No network named '%s'", network);
      return NULL;
    }
  def = vb_network_get_live_def (VB_NETWORK (found));
  return vb_network_portgroup_bandwidth (def ? def : vb_network_get_def (VB_NETWORK (found)),
                                         portgroup, error);
}

static char *
volume_path (const char *pool, const char *volume, char **format, gpointer data, GError **error)
{
  VbInventory *inventory = vb_driver_host_get_inventory (vb_qemu_driver.host);
  VbResource *found = vb_inventory_lookup_name (inventory, VB_TYPE_POOL, pool);
  VbVolume *vol;

  if (!found)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No storage pool named '%s'", pool);
      return NULL;
    }
  if (!vb_pool_get_active (VB_POOL (found)))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "Storage pool '%s' is not active",
                   pool);
      return NULL;
    }
  vol = vb_pool_lookup_volume (VB_POOL (found), volume);
  if (!vol)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "Storage pool '%s' has no volume '%s'",
                   pool, volume);
      return NULL;
    }
  *format = g_strdup (vb_volume_get_format (vol));
  return g_strdup (vb_volume_get_path (vol));
}

/* The value of the secret a disk names: the store's, never logged. */
static GBytes *
secret_value (const char *uuid, const char *usage_type, const char *usage, gboolean sent_as_is,
              gpointer data, GError **error)
{
  const VbSecretDef *def;

  VbSecretStore *secrets = vb_driver_host_get_secrets (vb_qemu_driver.host);
  VbSecret *secret = uuid ? vb_secret_store_lookup_uuid (secrets, uuid)
                          : vb_secret_store_lookup_usage (secrets, usage_type, usage);
  g_autofree char *normal = uuid ? vb_xml_uuid_normalize (uuid) : NULL;

  if (!secret && normal)
    secret = vb_secret_store_lookup_uuid (secrets, normal);
  if (!secret && uuid)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No secret with UUID %s", uuid);
      return NULL;
    }
  if (!secret)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No secret with usage %s '%s'", usage_type,
                   usage);
      return NULL;
    }
  def = vb_secret_get_def (secret);
  /* By UUID too: an <auth> naming a LUKS passphrase or a TLS key would
   * otherwise send it to the server as a password. (A secret without a
   * <usage> declares none: any disk may name it by UUID.) */
  if (def->usage_type && !g_str_equal (def->usage_type, usage_type))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "Secret %s is a '%s' secret, not the '%s' secret the disk needs", def->uuid,
                   def->usage_type, usage_type);
      return NULL;
    }
  /* A private secret is one no client may read: a disk that hands the value
   * itself to a server of the XML's choosing would be a way to read it. */
  if (sent_as_is && def->private)
    {
      g_set_error (
        error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
        "Secret %s is private: an http, https, ftp, ftps or ssh disk would send its value "
        "as is to the server it names",
        def->uuid);
      return NULL;
    }
  if (!vb_secret_get_value (secret))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "Secret %s has no value yet (Secret.SetValue)", def->uuid);
      return NULL;
    }
  return g_bytes_ref (vb_secret_get_value (secret));
}

static GStrv
machine_names (VbQemuCaps *caps)
{
  GPtrArray *names = g_ptr_array_new ();

  for (guint i = 0; caps && i < caps->machines->len; i++)
    {
      VbQemuMachine *machine = caps->machines->pdata[i];
      g_ptr_array_add (names, g_strdup (machine->name));
      if (machine->alias)
        g_ptr_array_add (names, g_strdup (machine->alias));
    }
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

static void
add_binary (GPtrArray *names, const char *binary)
{
  g_autofree char *found = NULL;
  char *real;

  if (!binary || !*binary)
    return;
  found = strchr (binary, '/') ? g_strdup (binary) : g_find_program_in_path (binary);
  real = found ? realpath (found, NULL) : NULL;
  g_ptr_array_add (names, g_strdup (binary));
  if (found)
    g_ptr_array_add (names, g_strdup (found));
  if (real)
    g_ptr_array_add (names, g_strdup (real));
  free (real);
}

const char *
vb_qemu_user_name (void)
{
  const char *user = vb_driver_host_get_setting (vb_qemu_driver.host, "qemu-user");

  if (!vb_driver_host_get_system_mode (vb_qemu_driver.host) || !user || !*user)
    return NULL;
  return user;
}

gboolean
vb_qemu_lookup_user (VbUser **user, GError **error)
{
  const char *name = vb_qemu_user_name ();

  *user = NULL;
  /* No user in system mode is a configuration error, never "run as root". */
  if (!name && vb_driver_host_get_system_mode (vb_qemu_driver.host))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "No user to run QEMU as is configured (--qemu-user): QEMU never runs as root "
                   "in system mode");
      return FALSE;
    }
  *user = name ? vb_user_lookup (name, error) : NULL;
  return !name || *user;
}

char **
vb_qemu_binaries (void)
{
  const char *more = vb_driver_host_get_setting (vb_qemu_driver.host, "qemu-binaries");
  g_auto (GStrv) listed = more ? g_strsplit (more, ":", -1) : NULL;
  GPtrArray *names = g_ptr_array_new ();

  /* As named, and as PATH and the links resolve it: the completed XML
   * carries the probed binary's real path. */
  add_binary (names, vb_qemu_binary ());
  for (guint i = 0; listed && listed[i]; i++)
    add_binary (names, listed[i]);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

/* "7.2.22" as 70222, for comparisons; 0 when unknown. */
static guint
qemu_version (const char *text)
{
  g_auto (GStrv) parts = text ? g_strsplit (text, ".", 3) : NULL;

  if (!parts || !parts[0] || !parts[1])
    return 0;
  return (guint) g_ascii_strtoull (parts[0], NULL, 10) * 10000
         + (guint) g_ascii_strtoull (parts[1], NULL, 10) * 100
         + (parts[2] ? MIN ((guint) g_ascii_strtoull (parts[2], NULL, 10), 99) : 0);
}

VbQemuCommand *
vb_qemu_build_command (const VbDomainDef *def, VbQemuCaps *caps, gboolean dry_run,
                       const char *numad_nodes, GError **error)
{
  g_autofree char *dir = vb_qemu_domain_dir (def->uuid);
  g_autofree char *nvram = g_build_filename (vb_driver_host_get_state_dir (vb_qemu_driver.host),
                                             "qemu", "nvram", NULL);
  g_autofree char *swtpm =
    g_build_filename (vb_driver_host_get_state_dir (vb_qemu_driver.host), "qemu", "swtpm", NULL);
  g_auto (GStrv) machines = caps ? machine_names (caps) : NULL;
  g_auto (GStrv) binaries = vb_qemu_binaries ();
  VbQemuCommandContext context = {
    .qemu_binary = vb_qemu_binary (),
    .binaries = (const char *const *) binaries,
    .domain_dir = dir,
    .nvram_dir = nvram,
    .swtpm_dir = swtpm,
    .kvm = g_strcmp0 (def->type, "kvm") == 0,
    .machines = (const char *const *) machines,
    .spice = TRUE,
    .virtio_net_failover = caps ? caps->virtio_net_failover : TRUE,
    .network_bridge = network_bridge,
    .network_portgroup_bandwidth = network_portgroup_bandwidth,
    .volume_path = volume_path,
    .secret_value = secret_value,
    .dry_run = dry_run,
    .path_exists = vb_qemu_host_path_exists,
    .program_has = vb_qemu_host_program_has,
    .free_tcp_port = vb_qemu_host_free_tcp_port,
    .hugetlbfs_dir = vb_qemu_host_hugetlbfs_dir,
    .render_node = vb_qemu_host_render_node,
    .desktop_session = vb_qemu_host_desktop_session,
    .qemu_version = caps ? qemu_version (caps->version) : 0,
    .spice_x509_dir = vb_driver_host_get_setting (vb_qemu_driver.host, "spice-x509-dir"),
    .numad_nodes = numad_nodes,
    .disk_x509_dir = vb_driver_host_get_setting (vb_qemu_driver.host, "disk-x509-dir"),
  };

  return vb_qemu_command_build (def, &context, error);
}

/* hotplug: a device plugged in later names networks and volumes as the
 * command line does. */
void
vb_qemu_context_resolvers (VbQemuCommandContext *context)
{
  context->network_bridge = network_bridge;
  context->network_portgroup_bandwidth = network_portgroup_bandwidth;
  context->volume_path = volume_path;
  context->path_exists = vb_qemu_host_path_exists;
  context->free_tcp_port = vb_qemu_host_free_tcp_port;
  context->hugetlbfs_dir = vb_qemu_host_hugetlbfs_dir;
  /* A device plugged into (or a medium changed in) a running domain asks
   * what the default QEMU has, as the start did (discard_no_unref). */
  context->qemu_version = vb_qemu_driver.caps ? qemu_version (vb_qemu_driver.caps->version) : 0;
}

/* ---- status file ---- */

static void
status_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *name = user_data;
  g_autoptr (GError) error = NULL;

  if (!vb_config_store_finish (vb_driver_host_get_store (vb_qemu_driver.host), result, &error))
    vb_log_warning (name, "cannot record its runtime status: %s", error->message);
}

/* Records the state a restarted service needs, off the main loop. */
void
vb_qemu_save_status (QemuDomain *qd)
{
  VbQemuStatus *status = qd->status;
  g_autofree char *json = NULL;

  if (!status || qd->gone)
    return;
  g_free (status->state);
  status->state = g_strdup (vb_domain_state_to_string (vb_domain_get_state (qd->domain)));
  g_free (status->reason);
  status->reason = g_strdup (vb_domain_get_state_reason (qd->domain));
  status->id = vb_domain_get_id (qd->domain);
  status->persistent = vb_resource_get_persistent (VB_RESOURCE (qd->domain));
  json = vb_qemu_status_to_json (status);
  /* The store's one writer keeps successive states in order. */
  vb_config_store_write_file_async (vb_driver_host_get_store (vb_qemu_driver.host), qd->status_path,
                                    json, status_written, g_strdup (vb_qemu_log_name (qd->domain)));
}

void
vb_qemu_set_state (QemuDomain *qd, VbDomainState state, const char *reason)
{
  vb_domain_set_state (qd->domain, state, reason, vb_domain_get_id (qd->domain));
  vb_qemu_save_status (qd);
}

/* ---- QMP events ---- */

static void
command_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *what = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply)
    vb_log_warning (NULL, "%s failed: %s", what, error->message);
}

void
vb_qemu_execute_logged (QemuDomain *qd, const char *command, JsonObject *args)
{
  g_autofree char *what = g_strdup_printf ("%s: %s", vb_qemu_log_name (qd->domain), command);

  if (qd->qmp)
    vb_qmp_client_execute_async (qd->qmp, command, args, -1, NULL, command_done,
                                 g_steal_pointer (&what));
  if (args)
    json_object_unref (args);
}

static void
quit_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *name = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  /* QEMU may close the monitor before its answer: it is quitting, as asked. */
  if (!reply && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    vb_log_warning (name, "quit failed: %s", error->message);
}

void
vb_qemu_quit (QemuDomain *qd)
{
  if (qd->qmp)
    vb_qmp_client_execute_async (qd->qmp, "quit", NULL, -1, NULL, quit_done,
                                 g_strdup (vb_qemu_log_name (qd->domain)));
}

void
vb_qemu_send_command (QemuDomain *qd, const char *command)
{
  vb_qemu_execute_logged (qd, command, NULL);
}
