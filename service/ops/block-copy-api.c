#include "block-copy-api.h"

#include <string.h>

#include "object-paths.h"
#include "domain-kind.h"
#include "resource-api.h"
#include "vb-error.h"
#include "vb-log.h"
#include "xml-schema.h"

#define JOB_PATH_KEY "vb-block-copy-job"

/* ---- checking the call ---- */

static gboolean
check_params (GVariant *params, GError **error)
{
  static const VbParamSpec known[] = { { "bandwidth", "t" },
                                       { "granularity", "u" },
                                       { "buf-size", "t" } };
  guint32 granularity;

  if (!vb_check_params (params, known, G_N_ELEMENTS (known), "Block copy", error))
    return FALSE;
  /* QEMU's limits: a power of two from 512 bytes to 64 MiB. */
  if (g_variant_lookup (params, "granularity", "u", &granularity)
      && (granularity < 512 || granularity > (64u << 20) || (granularity & (granularity - 1))))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "Granularity %u is not a power of two from 512 to 67108864", granularity);
      return FALSE;
    }
  {
    guint64 big;
    if ((g_variant_lookup (params, "bandwidth", "t", &big) && big > G_MAXINT64)
        || (g_variant_lookup (params, "buf-size", "t", &big) && big > G_MAXINT64))
      {
        g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                     "Block copy parameter out of range");
        return FALSE;
      }
  }
  return TRUE;
}

/* <disk type='file'><source file='…'/><driver type='raw|qcow2'/></disk>:
 * sets @path and @format. */
static gboolean
parse_destination (const char *xml, char **path, char **format, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, "disk", error);
  xmlNode *root, *source, *driver;
  g_autofree char *type = NULL;
  g_autofree char *file = NULL;
  g_autofree char *fmt = NULL;

  if (!doc)
    return FALSE;
  root = xmlDocGetRootElement (doc);
  type = vb_xml_attr (root, "type");
  if (g_strcmp0 (type, "file") != 0)
    {
      g_autofree char *quoted = vb_xml_quote (type ? type : "");
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "<disk type=%s> (line %ld): a block copy goes to a file (type='file')",
                   quoted, vb_xml_line (root));
      return FALSE;
    }
  source = vb_xml_child (root, "source");
  file = source ? vb_xml_attr (source, "file") : NULL;
  if (!file || !*file)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "<disk> (line %ld) needs <source file='PATH'/>", vb_xml_line (root));
      return FALSE;
    }
  if (!g_path_is_absolute (file))
    {
      g_autofree char *quoted = vb_xml_quote (file);
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "<source file=%s> (line %ld) must be an absolute path", quoted,
                   vb_xml_line (source));
      return FALSE;
    }
  driver = vb_xml_child (root, "driver");
  fmt = driver ? vb_xml_attr (driver, "type") : NULL;
  if (!fmt)
    fmt = g_strdup ("raw");
  if (!g_str_equal (fmt, "raw") && !g_str_equal (fmt, "qcow2"))
    {
      g_autofree char *quoted = vb_xml_quote (fmt);
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "<driver type=%s> (line %ld): a block copy writes raw or qcow2", quoted,
                   vb_xml_line (driver));
      return FALSE;
    }
  *path = g_steal_pointer (&file);
  *format = g_steal_pointer (&fmt);
  return TRUE;
}

/* The target of the live disk named @disk (its target or its source path),
 * with its source path in @source (NULL when it has none). */
static char *
find_disk (VbDomain *domain, const char *disk, char **source, GError **error)
{
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  g_autoptr (xmlDoc) doc = live ? vb_xml_parse (live->xml, "domain", NULL) : NULL;
  xmlNode *devices = doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;

  for (xmlNode *node = vb_xml_child (devices, "disk"); node; node = vb_xml_next (node, "disk"))
    {
      xmlNode *src = vb_xml_child (node, "source");
      g_autofree char *target = vb_xml_attr (vb_xml_child (node, "target"), "dev");
      g_autofree char *file = src ? vb_xml_attr (src, "file") : NULL;
      g_autofree char *dev = src ? vb_xml_attr (src, "dev") : NULL;
      g_autofree char *device = vb_xml_attr (node, "device");
      const char *path = file ? file : dev;

      if (g_strcmp0 (target, disk) != 0 && g_strcmp0 (path, disk) != 0)
        continue;
      if (g_strcmp0 (device, "cdrom") == 0 || !src)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                       "Disk '%s' of domain '%s' is a CD-ROM or has no medium: nothing to copy",
                       disk, vb_resource_get_name (VB_RESOURCE (domain)));
          return NULL;
        }
      *source = g_strdup (path);
      return g_steal_pointer (&target);
    }
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, "Domain '%s' has no disk '%s'",
               vb_resource_get_name (VB_RESOURCE (domain)), disk);
  return NULL;
}

static gboolean
check_running (VbDomain *domain, GError **error)
{
  VbDomainState state = vb_domain_get_state (domain);

  if (state == VB_DOMAIN_RUNNING || state == VB_DOMAIN_PAUSED)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
               "Cannot copy a disk of domain '%s': it is %s (a block copy needs a running or "
               "paused guest)",
               vb_resource_get_name (VB_RESOURCE (domain)), vb_domain_state_to_string (state));
  return FALSE;
}

static gboolean
check_no_copy (VbDomain *domain, GError **error)
{
  if (!vb_domain_get_block_copy (domain))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
               "Domain '%s' has a block copy of disk '%s' already: pivot or cancel it first",
               vb_resource_get_name (VB_RESOURCE (domain)), vb_domain_get_block_copy (domain));
  return FALSE;
}

/* ---- the copy ---- */

typedef struct {
  VbDriverHost *host;
  VbDomain *domain;
  const VbDomainDriver *driver;
  char *target;
  char *path;
  char *format;
  GVariant *params;
  guint flags;
  VbJob *job;
} Copy;

static void
copy_free (Copy *copy)
{
  g_clear_object (&copy->job);
  g_variant_unref (copy->params);
  g_free (copy->target);
  g_free (copy->path);
  g_free (copy->format);
  g_object_unref (copy->domain);
  g_free (copy);
}

const char *
vb_block_copy_api_job_path (VbDomain *domain)
{
  const char *path = g_object_get_data (G_OBJECT (domain), JOB_PATH_KEY);
  return path ? path : "/";
}

/* The marker and the property go together; "changed" tells the D-Bus object. */
static void
set_marker (VbDomain *domain, const char *target, VbJob *job)
{
  vb_domain_set_block_copy (domain, target);
  g_object_set_data_full (G_OBJECT (domain), JOB_PATH_KEY,
                          job ? vb_object_path_for_job (vb_job_get_id (job)) : NULL, g_free);
  vb_resource_changed (VB_RESOURCE (domain));
}

/* Whatever ends the copy (pivot, cancel, failure, QEMU's end): the guards
 * lift. Only for this job: a later copy has its own. */
static void
job_completed (VbJob *job, gboolean success, const char *message, gpointer user_data)
{
  VbDomain *domain = user_data;
  g_autofree char *path = vb_object_path_for_job (vb_job_get_id (job));

  vb_log_message (vb_resource_get_log_name (VB_RESOURCE (domain)), "block copy %s%s%s",
                  vb_job_get_phase (job), *message ? ": " : "", message);
  if (g_strcmp0 (vb_block_copy_api_job_path (domain), path) == 0)
    set_marker (domain, NULL, NULL);
  g_signal_handlers_disconnect_by_data (job, domain);
  g_signal_handlers_disconnect_by_data (domain, job);
}

/* A safety net under the driver: a guest that is gone has no mirror. */
static void
domain_changed (VbDomain *domain, gpointer user_data)
{
  VbJob *job = user_data;

  if (!vb_domain_is_active (domain) && !vb_job_is_finished (job))
    vb_job_complete (job, FALSE, "failed", "The guest ended during the block copy");
}

static void
copy_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Copy *copy = g_task_get_task_data (task);
  GError *error = NULL;

  if (!copy->driver->block_copy_finish (copy->domain, result, &error))
    {
      vb_job_complete (copy->job, FALSE, "failed", error->message);
      vb_resource_api_release (copy->host, vb_domain_api_kind (), VB_RESOURCE (copy->domain));
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  /* The copy runs on; other operations meet the guards, not the lock. */
  vb_resource_api_release (copy->host, vb_domain_api_kind (), VB_RESOURCE (copy->domain));
  g_task_return_pointer (task, g_object_ref (copy->job), g_object_unref);
  g_object_unref (task);
}

static void
copy_locked (GTask *task, VbResource *resource)
{
  Copy *copy = g_task_get_task_data (task);
  g_autofree char *path = vb_object_path_for ("domain", vb_resource_get_uuid (resource));
  GError *error = NULL;

  if (!check_running (copy->domain, &error) || !check_no_copy (copy->domain, &error))
    {
      vb_resource_api_release_and_fail (copy->host, vb_domain_api_kind (), resource, task, error);
      return;
    }
  copy->job = vb_job_new ("block-copy", path, FALSE);
  vb_inventory_add_job (vb_driver_host_get_inventory (copy->host), copy->job);
  /* Set before the mirror exists, so nothing slips in between. */
  set_marker (copy->domain, copy->target, copy->job);
  g_signal_connect_object (copy->job, "completed", G_CALLBACK (job_completed), copy->domain, 0);
  g_signal_connect_object (copy->domain, "changed", G_CALLBACK (domain_changed), copy->job, 0);
  vb_log_message (vb_resource_get_log_name (resource), "block copy of %s to %s (%s)",
                  copy->target, copy->path, copy->format);
  copy->driver->block_copy_async (copy->host, copy->domain, copy->target, copy->path,
                                  copy->format, copy->params, copy->flags, copy->job,
                                  copy_started, task);
}

void
vb_block_copy_api_start_async (VbDriverHost *host, VbDomain *domain, const char *disk,
                               const char *destination_xml, GVariant *params, guint flags,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Copy *copy = g_new0 (Copy, 1);
  g_autofree char *source = NULL;
  GError *error = NULL;

  copy->host = host;
  copy->domain = g_object_ref (domain);
  copy->params = g_variant_ref_sink (params);
  copy->flags = flags;
  g_task_set_task_data (task, copy, (GDestroyNotify) copy_free);
  copy->driver = vb_domain_api_driver (host, domain);
  if (!vb_check_flags (flags, VB_BLOCK_COPY_ALL, &error) || !check_params (params, &error)
      || !parse_destination (destination_xml, &copy->path, &copy->format, &error))
    goto fail;
  if (!copy->driver || !copy->driver->block_copy_async)
    {
      error = g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED, "The %s driver cannot copy disks",
                           vb_resource_get_driver (VB_RESOURCE (domain)));
      goto fail;
    }
  if (!check_running (domain, &error) || !check_no_copy (domain, &error)
      || !(copy->target = find_disk (domain, disk, &source, &error)))
    goto fail;
  if (g_strcmp0 (source, copy->path) == 0)
    {
      error = g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                           "The destination %s is the disk's own source", copy->path);
      goto fail;
    }
  if (flags & VB_BLOCK_COPY_REUSE_EXT)
    {
      if (!g_file_test (copy->path, G_FILE_TEST_EXISTS))
        {
          error = g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                               "REUSE_EXT: the destination %s does not exist", copy->path);
          goto fail;
        }
      /* QEMU would open a FIFO there and wait for a reader forever. */
      if (!g_file_test (copy->path, G_FILE_TEST_IS_REGULAR))
        {
          error = g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                               "REUSE_EXT: the destination %s is not a regular file (a FIFO, "
                               "device, socket or directory cannot be used)",
                               copy->path);
          goto fail;
        }
    }
  else if (g_file_test (copy->path, G_FILE_TEST_EXISTS))
    {
      error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                           "The destination %s exists: pass REUSE_EXT (2) to copy into it as it "
                           "is, or choose a new path",
                           copy->path);
      goto fail;
    }
  vb_resource_api_with_lock (VB_RESOURCE (domain), "block-copy", task, copy_locked);
  return;

fail:
  g_task_return_error (task, error);
  g_object_unref (task);
}

VbJob *
vb_block_copy_api_start_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
