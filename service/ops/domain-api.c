#include "domain-api.h"

#include "domain-kind.h"
#include "drivers-ready.h"
#include "host-files.h"
#include "migration-api.h"
#include "resource-api.h"
#include "snapshot-api.h"
#include "save-api.h"
#include "vb-error.h"
#include "vb-log.h"

/* ---- define, create ---- */

typedef struct {
  VbDriverHost *host;
  char *xml;
} DefineData;

static void
define_data_free (DefineData *data)
{
  g_free (data->xml);
  g_free (data);
}

static void
defined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  VbResource *resource = vb_resource_api_define_finish (result, &error);

  if (!resource)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, resource, g_object_unref);
}

static void
define_drivers_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  DefineData *data = g_task_get_task_data (task);

  vb_domain_drivers_ready_finish (result);
  vb_resource_api_define_async (data->host, vb_domain_api_kind (), data->xml, NULL, defined,
                                task);
}

void
vb_domain_api_define_async (VbDriverHost *host, const char *xml, guint flags,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  DefineData *data = g_new0 (DefineData, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, vb_domain_api_define_async);
  data->host = host;
  data->xml = g_strdup (xml);
  g_task_set_task_data (task, data, (GDestroyNotify) define_data_free);
  if (!vb_check_flags (flags, VB_DOMAIN_DEFINE_VALIDATE, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* Validation against the driver always happens (the flag is accepted for
   * virsh users), with what the driver knows of the host once it knows it:
   * nearly always by now, and then without a turn of the main loop. */
  if (vb_domain_drivers_ready_now (host))
    {
      vb_resource_api_define_async (host, vb_domain_api_kind (), data->xml, NULL, defined,
                                    g_steal_pointer (&task));
      return;
    }
  vb_domain_drivers_ready_async (host, define_drivers_ready, g_steal_pointer (&task));
}

VbDomain *
vb_domain_api_define_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  VbDriverHost *host;
  VbDomain *domain;
  VbDomainOp op;
  guint flags;
  char *xml; /* create */
} OpData;

static void
op_data_free (OpData *data)
{
  g_clear_object (&data->domain);
  g_free (data->xml);
  g_free (data);
}

static void start_locked_domain (GTask *task);

static void
created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;
  VbResource *resource = vb_resource_api_new_transient_finish (result, &error);

  if (!resource)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  data->domain = VB_DOMAIN (resource);
  data->op = VB_DOMAIN_OP_START;
  start_locked_domain (task);
}

static void
create_drivers_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);

  vb_domain_drivers_ready_finish (result);
  vb_resource_api_new_transient_async (data->host, vb_domain_api_kind (), data->xml, NULL,
                                       created, task);
}

void
vb_domain_api_create_async (VbDriverHost *host, const char *xml, guint flags,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  OpData *data = g_new0 (OpData, 1);
  GError *error = NULL;

  data->host = host;
  data->flags = flags;
  g_task_set_task_data (task, data, (GDestroyNotify) op_data_free);
  if (!vb_check_flags (flags, VB_DOMAIN_START_PAUSED, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  data->xml = g_strdup (xml);
  vb_domain_drivers_ready_async (host, create_drivers_ready, task);
}

VbDomain *
vb_domain_api_create_finish (GAsyncResult *result, GError **error)
{
  OpData *data = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return g_object_ref (data->domain);
}

/* ---- lifecycle operations ---- */

static gboolean
check_state (VbDomain *domain, VbDomainOp op, GError **error)
{
  VbDomainState state = vb_domain_get_state (domain);
  const char *name = vb_resource_get_name (VB_RESOURCE (domain));
  const char *problem = NULL;

  switch (op)
    {
    case VB_DOMAIN_OP_START:
      if (vb_domain_is_active (domain))
        problem = "is already active";
      break;
    case VB_DOMAIN_OP_SHUTDOWN:
    case VB_DOMAIN_OP_REBOOT:
    case VB_DOMAIN_OP_DESTROY:
    case VB_DOMAIN_OP_RESET:
    case VB_DOMAIN_OP_INJECT_NMI:
      if (!vb_domain_is_active (domain))
        problem = "is not running";
      break;
    case VB_DOMAIN_OP_SUSPEND:
      if (state == VB_DOMAIN_PAUSED)
        problem = "is already paused";
      else if (state != VB_DOMAIN_RUNNING)
        problem = "is not running";
      break;
    case VB_DOMAIN_OP_RESUME:
      if (state != VB_DOMAIN_PAUSED)
        problem = "is not paused";
      break;
    case VB_DOMAIN_OP_PM_WAKEUP:
      if (state != VB_DOMAIN_PMSUSPENDED)
        problem = "is not suspended by its power management";
      break;
    }
  if (!problem)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
               "Cannot %s domain '%s': it %s (state %s)", vb_domain_op_to_string (op), name,
               problem, vb_domain_state_to_string (state));
  return FALSE;
}

static void
op_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  const VbDomainDriver *driver = vb_domain_api_driver (data->host, data->domain);
  GError *error = NULL;
  gboolean ok = driver->op_finish (data->domain, result, &error);

  if (!ok)
    vb_log_warning (vb_resource_get_log_name (VB_RESOURCE (data->domain)), "%s failed: %s",
                    vb_domain_op_to_string (data->op), error->message);
  vb_resource_api_release (data->host, vb_domain_api_kind (), VB_RESOURCE (data->domain));
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static void
managed_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!vb_save_api_start_managed_finish (result, &error))
    vb_log_warning (vb_resource_get_log_name (VB_RESOURCE (data->domain)), "start failed: %s",
                    error->message);
  vb_resource_api_release (data->host, vb_domain_api_kind (), VB_RESOURCE (data->domain));
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void start_checked_domain (GTask *task);

static void
chains_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!vb_host_files_check_chains_finish (result, &error))
    {
      vb_resource_api_release_and_fail (data->host, vb_domain_api_kind (),
                                        VB_RESOURCE (data->domain), task, error);
      return;
    }
  start_checked_domain (task);
}

/* The domain's lock is held: check the state and, before a start, the
 * backing chains of its qcow2 disks (a guest can rewrite an image's header
 * after its definition was checked: docs/authorization.md). */
static void
start_locked_domain (GTask *task)
{
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!check_state (data->domain, data->op, &error))
    {
      vb_resource_api_release_and_fail (data->host, vb_domain_api_kind (), VB_RESOURCE (data->domain), task,
                                        error);
      return;
    }
  if (data->op == VB_DOMAIN_OP_START)
    vb_host_files_check_chains_async (data->host, vb_domain_get_def (data->domain)->xml,
                                      chains_checked, task);
  else
    start_checked_domain (task);
}

static void
start_checked_domain (GTask *task)
{
  OpData *data = g_task_get_task_data (task);
  const VbDomainDriver *driver = vb_domain_api_driver (data->host, data->domain);

  /* save and restore: the guest continues from its managed save image */
  if (data->op == VB_DOMAIN_OP_START && vb_domain_get_managed_save (data->domain))
    {
      vb_save_api_start_managed_async (data->host, data->domain, data->flags, managed_started,
                                       task);
      return;
    }
  if (data->op == VB_DOMAIN_OP_START)
    vb_domain_set_live_def (data->domain, vb_domain_def_copy (vb_domain_get_def (data->domain)));
  driver->op_async (data->host, data->domain, data->op, data->flags, NULL, op_done, task);
}

static void
op_locked (GTask *task, VbResource *resource)
{
  start_locked_domain (task);
}

void
vb_domain_api_op_async (VbDriverHost *host, VbDomain *domain, VbDomainOp op, guint flags,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  OpData *data = g_new0 (OpData, 1);
  GError *error = NULL;

  data->host = host;
  data->domain = g_object_ref (domain);
  data->op = op;
  data->flags = flags;
  g_task_set_task_data (task, data, (GDestroyNotify) op_data_free);
  if (!vb_check_flags (flags, op == VB_DOMAIN_OP_START ? VB_DOMAIN_START_PAUSED : 0, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  /* The one operation that does not wait for a half-arrived guest's lock. */
  if (op == VB_DOMAIN_OP_DESTROY && vb_migration_api_abandon_broken_arrival (domain))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  vb_resource_api_with_lock (VB_RESOURCE (domain), vb_domain_op_to_string (op), task, op_locked);
}

gboolean
vb_domain_api_op_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- configuration ---- */

typedef struct {
  VbDriverHost *host;
  VbDomain *domain;
  GAsyncReadyCallback callback;
  gpointer user_data;
} Undefine;

static void
undefine_image_gone (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Undefine *u = user_data;
  GError *error = NULL;

  if (!vb_save_api_finish (result, &error))
    g_task_report_error (NULL, u->callback, u->user_data, vb_domain_api_undefine_async, error);
  else
    vb_resource_api_undefine_async (u->host, vb_domain_api_kind (), VB_RESOURCE (u->domain), u->callback,
                                    u->user_data);
  g_object_unref (u->domain);
  g_free (u);
}

void
vb_domain_api_undefine_async (VbDriverHost *host, VbDomain *domain, guint flags,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GError *error = NULL;
  Undefine *u;

  if (!vb_check_flags (flags, VB_DOMAIN_UNDEFINE_MANAGED_SAVE | VB_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA,
                       &error)
      || !vb_snapshot_api_check_undefine (host, domain, flags, &error))
    {
      g_task_report_error (NULL, callback, user_data, vb_domain_api_undefine_async, error);
      return;
    }
  /* save and restore: the image is refused, or goes first with its flag */
  u = g_new0 (Undefine, 1);
  u->host = host;
  u->domain = g_object_ref (domain);
  u->callback = callback;
  u->user_data = user_data;
  vb_save_api_prepare_undefine_async (host, domain, flags, undefine_image_gone, u);
}

void
vb_domain_api_set_autostart_async (VbDriverHost *host, VbDomain *domain, gboolean autostart,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  vb_resource_api_set_autostart_async (host, vb_domain_api_kind (), VB_RESOURCE (domain), autostart,
                                       callback, user_data);
}

gboolean
vb_domain_api_finish (GAsyncResult *result, GError **error)
{
  return vb_resource_api_finish (result, error);
}

int
vb_domain_api_open_console (VbDriverHost *host, VbDomain *domain, guint flags, GError **error)
{
  const VbDomainDriver *driver = vb_domain_api_driver (host, domain);

  if (!driver->open_console)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "The %s driver has no serial consoles", driver->name);
      return -1;
    }
  if (!vb_domain_api_require_active (domain, NULL, error))
    return -1;
  return driver->open_console (host, domain, flags, error);
}

static void
graphics_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  const VbDomainDriver *driver = g_task_get_task_data (task);
  GError *error = NULL;
  int fd = driver->open_graphics_finish (VB_DOMAIN (source), result, &error);

  if (fd < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, fd);
}

void
vb_domain_api_open_graphics_async (VbDriverHost *host, VbDomain *domain, guint index, guint flags,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);
  const VbDomainDriver *driver = vb_domain_api_driver (host, domain);
  GError *error = NULL;

  g_task_set_source_tag (task, vb_domain_api_open_graphics_async);
  if (!vb_check_flags (flags, VB_GRAPHICS_SKIPAUTH, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!driver->open_graphics_async)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                               "The %s driver has no graphical displays", driver->name);
      return;
    }
  if (!vb_domain_api_require_active (domain, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, (gpointer) driver, NULL);
  driver->open_graphics_async (host, domain, index, flags, graphics_opened,
                               g_steal_pointer (&task));
}

int
vb_domain_api_open_graphics_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_domain_api_open_graphics_async), -1);
  return (int) g_task_propagate_int (G_TASK (result), error);
}

char *
vb_domain_api_get_xml (VbDriverHost *host, VbDomain *domain, guint flags, GError **error)
{
  const VbDomainDef *live = vb_domain_get_live_def (domain);

  g_autofree char *xml = NULL;

  if (!vb_check_flags (flags, VB_DOMAIN_XML_SECURE | VB_DOMAIN_XML_INACTIVE, error))
    return NULL;
  if (live && vb_domain_is_active (domain) && !(flags & VB_DOMAIN_XML_INACTIVE))
    xml = vb_domain_def_format_live (live, vb_domain_get_id (domain));
  else
    xml = g_strdup (vb_domain_get_def (domain)->xml);
  /* The graphics passwords only with SECURE, which the front end authorized
   * (it also needs the console action). */
  if (flags & VB_DOMAIN_XML_SECURE)
    return g_steal_pointer (&xml);
  return vb_domain_xml_without_secrets (xml);
}

static gboolean
matches (VbDomain *domain, guint flags)
{
  gboolean active = vb_domain_is_active (domain);
  gboolean persistent = vb_resource_get_persistent (VB_RESOURCE (domain));
  gboolean autostart = vb_resource_get_autostart (VB_RESOURCE (domain));
  VbDomainState state = vb_domain_get_state (domain);
  guint state_bits = VB_LIST_DOMAINS_RUNNING | VB_LIST_DOMAINS_PAUSED | VB_LIST_DOMAINS_SHUTOFF
                     | VB_LIST_DOMAINS_OTHER;
  guint state_bit;

  if ((flags & (VB_LIST_DOMAINS_ACTIVE | VB_LIST_DOMAINS_INACTIVE))
      && !(flags & (active ? VB_LIST_DOMAINS_ACTIVE : VB_LIST_DOMAINS_INACTIVE)))
    return FALSE;
  if ((flags & (VB_LIST_DOMAINS_PERSISTENT | VB_LIST_DOMAINS_TRANSIENT))
      && !(flags & (persistent ? VB_LIST_DOMAINS_PERSISTENT : VB_LIST_DOMAINS_TRANSIENT)))
    return FALSE;
  if ((flags & (VB_LIST_DOMAINS_AUTOSTART | VB_LIST_DOMAINS_NO_AUTOSTART))
      && !(flags & (autostart ? VB_LIST_DOMAINS_AUTOSTART : VB_LIST_DOMAINS_NO_AUTOSTART)))
    return FALSE;
  state_bit = state == VB_DOMAIN_RUNNING  ? VB_LIST_DOMAINS_RUNNING
              : state == VB_DOMAIN_PAUSED ? VB_LIST_DOMAINS_PAUSED
              : state == VB_DOMAIN_SHUTOFF ? VB_LIST_DOMAINS_SHUTOFF
                                           : VB_LIST_DOMAINS_OTHER;
  if ((flags & state_bits) && !(flags & state_bit))
    return FALSE;
  return TRUE;
}

GPtrArray *
vb_domain_api_list (VbDriverHost *host, guint flags, GError **error)
{
  guint all = VB_LIST_DOMAINS_ACTIVE | VB_LIST_DOMAINS_INACTIVE | VB_LIST_DOMAINS_PERSISTENT
              | VB_LIST_DOMAINS_TRANSIENT | VB_LIST_DOMAINS_RUNNING | VB_LIST_DOMAINS_PAUSED
              | VB_LIST_DOMAINS_SHUTOFF | VB_LIST_DOMAINS_OTHER | VB_LIST_DOMAINS_AUTOSTART
              | VB_LIST_DOMAINS_NO_AUTOSTART;
  GPtrArray *domains;

  if (!vb_check_flags (flags, all, error))
    return NULL;
  domains = vb_inventory_list (vb_driver_host_get_inventory (host), VB_TYPE_DOMAIN);
  for (guint i = domains->len; i > 0; i--)
    if (!matches (domains->pdata[i - 1], flags))
      g_ptr_array_remove_index (domains, i - 1);
  return domains;
}

guint64
vb_domain_api_list_generation (VbDriverHost *host)
{
  return vb_inventory_generation (vb_driver_host_get_inventory (host), VB_TYPE_DOMAIN);
}

VbDomain *
vb_domain_api_lookup_by_name (VbDriverHost *host, const char *name, GError **error)
{
  return (VbDomain *) vb_resource_api_lookup_name (host, vb_domain_api_kind (), name, error);
}

VbDomain *
vb_domain_api_lookup_by_uuid (VbDriverHost *host, const char *uuid, GError **error)
{
  return (VbDomain *) vb_resource_api_lookup_uuid (host, vb_domain_api_kind (), uuid, error);
}

typedef struct {
  VbDriverHost *host;
  guint cpus;
  guint64 memory_kib;
} CapsQuery;

/* Once the drivers know their host: formats the whole document. */
static void
caps_drivers_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CapsQuery *query = g_task_get_task_data (task);
  g_autoptr (GPtrArray) drivers = vb_driver_host_list_domain_drivers (query->host);
  GString *xml;

  vb_domain_drivers_ready_finish (result);
  xml = g_string_new ("<capabilities>\n  <host>\n");
  g_string_append_printf (xml,
                          "    <cpu>\n      <arch>x86_64</arch>\n    </cpu>\n"
                          "    <topology cpus='%u'/>\n"
                          "    <memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>\n"
                          "  </host>\n",
                          query->cpus, query->memory_kib);
  for (guint i = 0; i < drivers->len; i++)
    {
      const VbDomainDriver *driver = drivers->pdata[i];
      g_autofree char *guest = driver->capabilities_xml ? driver->capabilities_xml (query->host) : NULL;

      if (guest)
        g_string_append (xml, guest);
    }
  g_string_append (xml, "</capabilities>\n");
  g_task_return_pointer (task, g_string_free (xml, FALSE), g_free);
}

void
vb_domain_api_capabilities_async (VbDriverHost *host, guint cpus, guint64 memory_kib,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  CapsQuery *query = g_new0 (CapsQuery, 1);

  g_task_set_source_tag (task, vb_domain_api_capabilities_async);
  query->host = host;
  query->cpus = cpus;
  query->memory_kib = memory_kib;
  g_task_set_task_data (task, query, g_free);
  vb_domain_drivers_ready_async (host, caps_drivers_ready, task);
}

char *
vb_domain_api_capabilities_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
domain_capabilities_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  const VbDomainDriver *driver = g_task_get_task_data (task);
  GError *error = NULL;
  char *xml = driver->domain_capabilities_finish (result, &error);

  if (xml)
    g_task_return_pointer (task, xml, g_free);
  else
    g_task_return_error (task, error);
}

/* The driver that answers for @virttype; "" picks the QEMU driver, as a
 * libvirt client of qemu:///system expects, else the first that answers. */
static const VbDomainDriver *
domain_capabilities_driver (VbDriverHost *host, const char *virttype, GError **error)
{
  g_autoptr (GPtrArray) drivers = NULL;
  const VbDomainDriver *driver;

  if (*virttype)
    {
      driver = vb_driver_host_find_domain_driver (host, virttype);
      if (!driver)
        g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                     "No driver of this service runs virttype '%s'", virttype);
      else if (!driver->domain_capabilities_async)
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "The %s driver has no domain capabilities", driver->name);
      return driver && driver->domain_capabilities_async ? driver : NULL;
    }
  driver = vb_driver_host_get_domain_driver (host, "qemu");
  if (driver && driver->domain_capabilities_async)
    return driver;
  drivers = vb_driver_host_list_domain_drivers (host);
  for (guint i = 0; i < drivers->len; i++)
    if (((const VbDomainDriver *) drivers->pdata[i])->domain_capabilities_async)
      return drivers->pdata[i];
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "No driver has domain capabilities");
  return NULL;
}

void
vb_domain_api_domain_capabilities_async (VbDriverHost *host, const char *emulator, const char *arch,
                                         const char *machine, const char *virttype, guint flags,
                                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  const VbDomainDriver *driver;
  GError *error = NULL;

  g_task_set_source_tag (task, vb_domain_api_domain_capabilities_async);
  if (!vb_check_flags (flags, 0, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  driver = domain_capabilities_driver (host, virttype, &error);
  if (!driver)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, (gpointer) driver, NULL);
  driver->domain_capabilities_async (host, emulator, arch, machine, virttype,
                                     domain_capabilities_done, g_steal_pointer (&task));
}

char *
vb_domain_api_domain_capabilities_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (
    g_task_get_source_tag (G_TASK (result)) == vb_domain_api_domain_capabilities_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
vb_domain_api_load (VbDriverHost *host)
{
  g_autoptr (GPtrArray) drivers = vb_driver_host_list_domain_drivers (host);
  g_autoptr (GPtrArray) persistent = NULL;

  vb_resource_api_load_all (host, vb_domain_api_kind ());
  /* a managed save image makes a persistent domain shutoff/saved */
  persistent = vb_inventory_list (vb_driver_host_get_inventory (host), VB_TYPE_DOMAIN);
  for (guint i = 0; i < persistent->len; i++)
    {
      VbDomain *domain = persistent->pdata[i];

      if (vb_domain_api_driver (host, domain)->save_async)
        vb_save_api_domain_loaded (host, domain);
    }
  for (guint i = 0; i < drivers->len; i++)
    {
      const VbDomainDriver *driver = drivers->pdata[i];
      g_autoptr (GPtrArray) running = NULL;

      if (!driver->adopt_running)
        continue;
      running = driver->adopt_running (host);
      for (guint j = 0; j < running->len; j++)
        {
          g_autoptr (VbDomain) domain = running->pdata[j];

          vb_resource_api_adopt (host, vb_domain_api_kind (), VB_RESOURCE (domain));
          if (driver->domain_loaded)
            driver->domain_loaded (host, domain);
        }
    }
}
