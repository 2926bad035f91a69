#include "job-api.h"

#include "domain-stat-devices.h"
#include "object-paths.h"
#include "vb-error.h"

/* @domain's jobs, oldest first. */
static GPtrArray *
jobs_of (VbDriverHost *host, VbDomain *domain)
{
  g_autofree char *path =
    vb_object_path_for ("domain", vb_resource_get_uuid (VB_RESOURCE (domain)));

  return vb_inventory_list_jobs_of (vb_driver_host_get_inventory (host), path);
}

static VbJob *
newest_domain_job (VbDriverHost *host, VbDomain *domain, gboolean finished)
{
  g_autoptr (GPtrArray) jobs = jobs_of (host, domain);

  for (guint i = jobs->len; i-- > 0;)
    {
      VbJob *job = jobs->pdata[i];

      if (g_strcmp0 (vb_job_get_operation (job), VB_JOB_API_BLOCK_COPY) != 0
          && vb_job_is_finished (job) == finished)
        return g_object_ref (job);
    }
  return NULL;
}

VbJob *
vb_job_api_domain_job (VbDriverHost *host, VbDomain *domain)
{
  return newest_domain_job (host, domain, FALSE);
}

VbJob *
vb_job_api_last_domain_job (VbDriverHost *host, VbDomain *domain)
{
  return newest_domain_job (host, domain, TRUE);
}

gboolean
vb_job_api_abort (VbDriverHost *host, VbDomain *domain, GError **error)
{
  g_autoptr (VbJob) job = vb_job_api_domain_job (host, domain);

  if (!job)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "no job is active on the domain");
      return FALSE;
    }
  return vb_job_cancel (job, error);
}

/* The target of @domain's disk named @disk (a target or a source file). */
static char *
disk_target (VbDomain *domain, const char *disk)
{
  const VbDomainDef *def = vb_domain_get_live_def (domain);
  g_autoptr (GPtrArray) disks = NULL;

  if (!def)
    def = vb_domain_get_def (domain);
  disks = vb_domain_stat_disks (def->xml);
  for (guint i = 0; i < disks->len; i++)
    {
      VbStatDisk *d = disks->pdata[i];

      if (g_strcmp0 (d->target, disk) == 0 || g_strcmp0 (d->file, disk) == 0)
        return g_strdup (d->target);
    }
  return NULL;
}

VbJob *
vb_job_api_block_job (VbDriverHost *host, VbDomain *domain, const char *disk, GError **error)
{
  g_autofree char *target = disk_target (domain, disk);
  g_autoptr (GPtrArray) jobs = NULL;

  if (!target)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, "disk %s not found in the domain",
                   disk);
      return NULL;
    }
  /* The marker names the disk of the one copy a domain may have. */
  if (g_strcmp0 (vb_domain_get_block_copy (domain), target) != 0)
    return NULL;
  jobs = jobs_of (host, domain);
  for (guint i = jobs->len; i-- > 0;)
    {
      VbJob *job = jobs->pdata[i];

      if (g_strcmp0 (vb_job_get_operation (job), VB_JOB_API_BLOCK_COPY) == 0
          && !vb_job_is_finished (job))
        return g_object_ref (job);
    }
  return NULL;
}
