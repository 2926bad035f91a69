/* Domain.SetVcpus LIVE: vCPU hotplug. QEMU lists the places a vCPU can go
 * (query-hotpluggable-cpus: the -smp maxcpus slots, those with a
 * "qom-path" taken); each new vCPU is a device_add of the slot's CPU type
 * with its socket/die/core/thread ids, as libvirt does. The guest sees it as
 * an ACPI CPU hotplug and brings it online by its own rules. */
#include "qemu-actions.h"

#include "domain-def-edit.h"
#include "qemu-domain-private.h"
#include "qemu-plug.h"
#include "vb-error.h"
#include "vb-log.h"

typedef struct {
  VbDomainDef *changed;
  guint present;         /* vCPUs the guest has now */
  GPtrArray *free_slots; /* JsonObject, in the order they are filled */
  guint next;
} VcpuPlug;

static void
vcpu_plug_free (VcpuPlug *v)
{
  vb_domain_def_free (v->changed);
  g_clear_pointer (&v->free_slots, g_ptr_array_unref);
  g_free (v);
}

static QemuDomain *
running (VbDomain *domain, GError **error)
{
  QemuDomain *qd = vb_qemu_domain_of (domain);

  if (qd && !qd->gone && qd->qmp && !vb_qmp_client_is_closed (qd->qmp) && qd->status)
    return qd;
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "Domain '%s' is no longer running",
               vb_resource_get_name (VB_RESOURCE (domain)));
  return NULL;
}

static const char *const topology_ids[] = { "socket-id", "die-id", "core-id", "thread-id" };

/* Slots in topology order, so vCPUs are added where -smp would put them. */
static int
slot_order (gconstpointer a, gconstpointer b)
{
  JsonObject *x = vb_qmp_member_object (*(JsonObject *const *) a, "props");
  JsonObject *y = vb_qmp_member_object (*(JsonObject *const *) b, "props");

  for (guint i = 0; i < G_N_ELEMENTS (topology_ids); i++)
    {
      gint64 p = vb_qmp_member_int (x, topology_ids[i], 0);
      gint64 q = vb_qmp_member_int (y, topology_ids[i], 0);

      if (p != q)
        return p < q ? -1 : 1;
    }
  return 0;
}

/* The live definition with the vCPUs the guest has now; the status file
 * follows, so a restarted service knows them. */
static void
record (GTask *task, QemuDomain *qd)
{
  VcpuPlug *v = g_task_get_task_data (task);
  GError *error = NULL;
  VbDomainDef *def =
    v->present == v->changed->current_vcpus
      ? vb_domain_def_copy (v->changed)
      : vb_domain_def_with_vcpus (vb_domain_get_live_def (qd->domain), 0, v->present, TRUE, &error);

  if (!def)
    {
      vb_log_warning (vb_qemu_log_name (qd->domain), "the live XML misses plugged vCPUs: %s",
                      error->message);
      g_clear_error (&error);
      return;
    }
  vb_qemu_plug_set_live_def (qd, def);
}

static void plug_next (GTask *task);

static void
plugged (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  VcpuPlug *v = g_task_get_task_data (task);
  VbDomain *domain = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  QemuDomain *qd = running (domain, error ? NULL : &error);

  if (reply && qd)
    {
      v->present++;
      plug_next (task);
      return;
    }
  /* What was plugged before stays: the live XML says so. */
  if (qd)
    record (task, qd);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
plug_next (GTask *task)
{
  VcpuPlug *v = g_task_get_task_data (task);
  VbDomain *domain = g_task_get_source_object (task);
  GError *error = NULL;
  QemuDomain *qd = running (domain, &error);
  g_autoptr (JsonObject) args = NULL;
  JsonObject *slot, *props;
  g_autofree char *id = NULL;

  if (!qd)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (v->present >= v->changed->current_vcpus)
    {
      record (task, qd);
      vb_log_info (vb_qemu_log_name (domain), "%u vCPUs present", v->present);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  if (v->next >= v->free_slots->len)
    {
      record (task, qd);
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                               "QEMU has no free vCPU slot left for vCPU %u", v->present + 1);
      g_object_unref (task);
      return;
    }
  slot = v->free_slots->pdata[v->next++];
  props = vb_qmp_member_object (slot, "props");
  args = json_object_new ();
  json_object_set_string_member (args, "driver", vb_qmp_member_string (slot, "type"));
  /* Ids the command line never uses: -smp's vCPUs have none. */
  id = g_strdup_printf ("vcpu%u", v->present);
  json_object_set_string_member (args, "id", id);
  for (guint i = 0; i < G_N_ELEMENTS (topology_ids); i++)
    if (props && json_object_has_member (props, topology_ids[i]))
      json_object_set_int_member (args, topology_ids[i],
                                  vb_qmp_member_int (props, topology_ids[i], 0));
  vb_qmp_client_execute_async (qd->qmp, "device_add", args, -1, NULL, plugged, task);
}

static void
slots_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  VcpuPlug *v = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  JsonArray *slots = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;
  guint taken = 0;

  if (!reply)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  v->free_slots = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  for (guint i = 0; slots && i < json_array_get_length (slots); i++)
    {
      JsonObject *slot = json_array_get_object_element (slots, i);

      if (!slot || !vb_qmp_member_string (slot, "type"))
        continue;
      if (vb_qmp_member_string (slot, "qom-path"))
        taken++;
      else
        g_ptr_array_add (v->free_slots, json_object_ref (slot));
    }
  g_ptr_array_sort (v->free_slots, slot_order);
  /* QEMU's count is the truth; the live XML follows it. */
  v->present = taken;
  plug_next (task);
}

void
vb_qemu_set_vcpus_async (VbDriverHost *host, VbDomain *domain, const VbDomainDef *changed,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  VcpuPlug *v = g_new0 (VcpuPlug, 1);
  GError *error = NULL;
  QemuDomain *qd = running (domain, &error);

  g_task_set_source_tag (task, vb_qemu_set_vcpus_async);
  v->changed = vb_domain_def_copy (changed);
  g_task_set_task_data (task, v, (GDestroyNotify) vcpu_plug_free);
  if (!qd)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  vb_qmp_client_execute_async (qd->qmp, "query-hotpluggable-cpus", NULL, -1, NULL, slots_listed,
                               task);
}

gboolean
vb_qemu_set_vcpus_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_qemu_set_vcpus_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
