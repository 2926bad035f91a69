/* Domain.SetMemory and SetVcpus on the shared sequence of def-change.c:
 * the checks and messages are libvirt's, the edits domain-def-edit.c's. */
#include "resources-api.h"

#include "def-change.h"
#include "domain-def-edit.h"
#include "vb-error.h"

typedef struct {
  guint64 value; /* KiB, or vCPUs */
} Amount;

static guint64
value_of (VbDefChange *change)
{
  return ((Amount *) vb_def_change_args (change))->value;
}

static gboolean
maximum (VbDefChange *change)
{
  /* VB_DOMAIN_MEM_MAXIMUM and VB_DOMAIN_VCPU_MAXIMUM are the same bit. */
  return (vb_def_change_flags (change) & VB_DOMAIN_MEM_MAXIMUM) != 0;
}

/* The maximum only changes in the persistent definition: a running
 * hypervisor has its size. */
static gboolean
check_maximum (VbDefChange *change, const char *what, GError **error)
{
  if (maximum (change) && vb_def_change_live (change))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "Cannot change the maximum %s of domain '%s' while it runs: use CONFIG "
                   "without LIVE",
                   what, vb_resource_get_name (VB_RESOURCE (vb_def_change_domain (change))));
      return FALSE;
    }
  return TRUE;
}

/* ---- memory ---- */

static gboolean
memory_check (VbDefChange *change, GError **error)
{
  const VbDomainDef *defs[] = { vb_def_change_live_def (change),
                                vb_def_change_config_def (change) };
  guint64 kib = value_of (change);

  if (!check_maximum (change, "memory", error))
    return FALSE;
  if (maximum (change))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (defs); i++)
    if (defs[i] && kib > defs[i]->memory_kib)
      {
        g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                     "Cannot set memory higher than the maximum memory: %" G_GUINT64_FORMAT
                     " KiB > %" G_GUINT64_FORMAT " KiB",
                     kib, defs[i]->memory_kib);
        return FALSE;
      }
  return TRUE;
}

static VbDomainDef *
memory_edit (VbDefChange *change, const VbDomainDef *def, gboolean live, GError **error)
{
  guint64 kib = value_of (change);

  return maximum (change) ? vb_domain_def_with_memory (def, kib, 0, live, error)
                          : vb_domain_def_with_memory (def, 0, kib, live, error);
}

static gboolean
memory_driver_can (const VbDomainDriver *driver)
{
  return driver->set_memory_async != NULL;
}

static void
memory_live_async (VbDefChange *change, const VbDomainDef *changed, GAsyncReadyCallback callback,
                   gpointer user_data)
{
  vb_def_change_driver (change)->set_memory_async (vb_def_change_host (change),
                                                   vb_def_change_domain (change), changed, callback,
                                                   user_data);
}

static gboolean
memory_live_finish (VbDefChange *change, GAsyncResult *result, GError **error)
{
  return vb_def_change_driver (change)->set_memory_finish (vb_def_change_domain (change), result,
                                                           error);
}

static char *
memory_describe (VbDefChange *change)
{
  return g_strdup_printf ("%s memory set to %" G_GUINT64_FORMAT " KiB",
                          maximum (change) ? "maximum" : "current", value_of (change));
}

static const VbDefChangeClass memory_class = {
  .what = "set memory",
  .action = "change the memory of",
  .flags = VB_DOMAIN_MEM_MAXIMUM,
  .check = memory_check,
  .edit = memory_edit,
  .driver_can = memory_driver_can,
  .live_async = memory_live_async,
  .live_finish = memory_live_finish,
  .describe = memory_describe,
};

void
vb_resources_api_set_memory_async (VbDriverHost *host, VbDomain *domain, guint64 kib, guint flags,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  Amount *amount = g_new0 (Amount, 1);

  if (kib == 0)
    {
      g_free (amount);
      g_task_report_new_error (domain, callback, user_data, vb_def_change_run, VB_ERROR,
                               VB_ERROR_INVALID_ARGUMENT, "The memory must be at least 1 KiB");
      return;
    }
  amount->value = kib;
  vb_def_change_run (&memory_class, host, domain, flags, amount, g_free, callback, user_data);
}

/* ---- vCPUs ---- */

static gboolean
vcpus_check (VbDefChange *change, GError **error)
{
  const VbDomainDef *live = vb_def_change_live_def (change);
  const VbDomainDef *config = vb_def_change_config_def (change);
  guint64 count = value_of (change);

  if (!check_maximum (change, "vCPU count", error))
    return FALSE;
  if (maximum (change))
    return TRUE;
  if ((live && count > live->vcpus) || (config && count > config->vcpus))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "Requested vCPUs are more than the domain's maximum: %" G_GUINT64_FORMAT " > %u",
                   count, live && count > live->vcpus ? live->vcpus : config->vcpus);
      return FALSE;
    }
  if (live && count < live->current_vcpus)
    {
      g_set_error (
        error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
        "Removing vCPUs from a running guest is not supported (it has %u, %" G_GUINT64_FORMAT
        " asked): use CONFIG without LIVE and restart it",
        live->current_vcpus, count);
      return FALSE;
    }
  return TRUE;
}

static VbDomainDef *
vcpus_edit (VbDefChange *change, const VbDomainDef *def, gboolean live, GError **error)
{
  guint count = (guint) value_of (change);

  return maximum (change) ? vb_domain_def_with_vcpus (def, count, 0, live, error)
                          : vb_domain_def_with_vcpus (def, 0, count, live, error);
}

static gboolean
vcpus_driver_can (const VbDomainDriver *driver)
{
  return driver->set_vcpus_async != NULL;
}

static void
vcpus_live_async (VbDefChange *change, const VbDomainDef *changed, GAsyncReadyCallback callback,
                  gpointer user_data)
{
  vb_def_change_driver (change)->set_vcpus_async (vb_def_change_host (change),
                                                  vb_def_change_domain (change), changed, callback,
                                                  user_data);
}

static gboolean
vcpus_live_finish (VbDefChange *change, GAsyncResult *result, GError **error)
{
  return vb_def_change_driver (change)->set_vcpus_finish (vb_def_change_domain (change), result,
                                                          error);
}

static char *
vcpus_describe (VbDefChange *change)
{
  return g_strdup_printf ("%s vCPUs set to %" G_GUINT64_FORMAT,
                          maximum (change) ? "maximum" : "current", value_of (change));
}

static const VbDefChangeClass vcpus_class = {
  .what = "set vcpus",
  .action = "change the vCPUs of",
  .flags = VB_DOMAIN_VCPU_MAXIMUM,
  .check = vcpus_check,
  .edit = vcpus_edit,
  .driver_can = vcpus_driver_can,
  .live_async = vcpus_live_async,
  .live_finish = vcpus_live_finish,
  .describe = vcpus_describe,
};

void
vb_resources_api_set_vcpus_async (VbDriverHost *host, VbDomain *domain, guint count, guint flags,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  Amount *amount;

  if (flags & VB_DOMAIN_VCPU_GUEST)
    {
      g_task_report_new_error (domain, callback, user_data, vb_def_change_run, VB_ERROR,
                               VB_ERROR_NOT_SUPPORTED,
                               "Setting the vCPUs the guest uses (flag GUEST) needs a guest "
                               "agent, which virtbus does not talk to");
      return;
    }
  if (count == 0)
    {
      g_task_report_new_error (domain, callback, user_data, vb_def_change_run, VB_ERROR,
                               VB_ERROR_INVALID_ARGUMENT, "A domain needs at least 1 vCPU");
      return;
    }
  amount = g_new0 (Amount, 1);
  amount->value = count;
  vb_def_change_run (&vcpus_class, host, domain, flags, amount, g_free, callback, user_data);
}

gboolean
vb_resources_api_finish (GAsyncResult *result, GError **error)
{
  return vb_def_change_finish (result, error);
}
