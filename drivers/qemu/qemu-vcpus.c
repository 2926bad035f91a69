/* Domain.SetVcpus LIVE: vCPU hotplug. QEMU lists the places a vCPU can go
 * (query-hotpluggable-cpus: the -smp maxcpus slots, those with a
 * "qom-path" taken); each new vCPU is a device_add of the slot's CPU type
 * with its socket/die/core/thread ids, as libvirt does. Which vCPUs come is
 * the new live definition's <vcpus> (the first disabled ids), and vCPU k
 * goes into slot k (qemu-vcpu-slots.c) as device vcpu<k>: where the
 * command line of a restore or an arriving migration puts it again. The
 * guest sees an ACPI CPU hotplug and brings it online by its own rules. */
#include "qemu-actions.h"

#include "domain-def-edit.h"
#include "domain-vcpus.h"
#include "qemu-cputune.h"
#include "qemu-domain-private.h"
#include "qemu-plug.h"
#include "qemu-vcpu-slots.h"
#include "vb-error.h"
#include "vb-log.h"

typedef struct {
  VbDomainDef *changed;
  GArray *wanted;  /* the ids of the vCPUs to plug, in order */
  GArray *plugged; /* those in the guest now */
  JsonNode *slots; /* query-hotpluggable-cpus */
  guint next;
} VcpuPlug;

static void
vcpu_plug_free (VcpuPlug *v)
{
  vb_domain_def_free (v->changed);
  g_clear_pointer (&v->wanted, g_array_unref);
  g_clear_pointer (&v->plugged, g_array_unref);
  g_clear_pointer (&v->slots, json_node_unref);
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

/* Whether vCPU @id is in the guest by the live definition @def. */
static gboolean
enabled_in (const VbDomainDef *def, guint id)
{
  if (!def->vcpu_states)
    return id < def->current_vcpus;
  return id < def->vcpu_states->len && g_array_index (def->vcpu_states, VbVcpuState, id).enabled;
}

/* The vCPUs @changed has and the guest lacks, in the order they are to come. */
static GArray *
wanted_vcpus (const VbDomainDef *live, const VbDomainDef *changed)
{
  GArray *ids = vb_domain_def_hotplugged_vcpus (changed);

  for (guint i = ids->len; i-- > 0;)
    if (enabled_in (live, g_array_index (ids, guint, i)))
      g_array_remove_index (ids, i);
  return ids;
}

/* QEMU's entry for the slot of vCPU @id, NULL when it offers none. */
static JsonObject *
slot_of (VcpuPlug *v, guint id)
{
  JsonArray *slots = JSON_NODE_HOLDS_ARRAY (v->slots) ? json_node_get_array (v->slots) : NULL;
  VbQemuVcpuSlot slot = vb_qemu_vcpu_slot (v->changed, id);

  for (guint i = 0; slots && i < json_array_get_length (slots); i++)
    {
      JsonObject *entry = json_array_get_object_element (slots, i);

      if (entry && vb_qemu_vcpu_slot_is (vb_qmp_member_object (entry, "props"), &slot))
        return entry;
    }
  return NULL;
}

/* The live definition with the vCPUs the guest has now; the status file
 * follows, so a restarted service knows them. */
static void
record (GTask *task, QemuDomain *qd)
{
  VcpuPlug *v = g_task_get_task_data (task);
  GError *error = NULL;
  VbDomainDef *def =
    v->plugged->len == v->wanted->len
      ? vb_domain_def_copy (v->changed)
      : vb_domain_def_with_plugged_vcpus (vb_domain_get_live_def (qd->domain),
                                          (const guint *) (gpointer) v->plugged->data,
                                          v->plugged->len, &error);

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
retuned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (vb_qemu_tuning_apply_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    {
      g_prefix_error (&error, "The vCPUs are plugged in, but not placed as <cputune> says: ");
      g_task_return_error (task, error);
    }
  g_object_unref (task);
}

/* A new vCPU's thread was made by QEMU's main thread, with its CPUs and
 * cgroup: it gets its own, as at the start (qemu-cputune.c). */
static void
tune_again (GTask *task, QemuDomain *qd)
{
  GError *error = NULL;
  const VbDomainDef *live = vb_domain_get_live_def (qd->domain);
  VbQemuTuning *tuning =
    vb_qemu_tuning_new (live->uuid, live->xml, qd->status ? qd->status->numad_nodes : NULL, &error);

  if (error)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (!tuning)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  vb_qemu_tuning_apply_async (tuning, qd->qmp, qd->pid, retuned, task);
}

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
      g_array_append_val (v->plugged, g_array_index (v->wanted, guint, v->next - 1));
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
  guint vcpu;

  if (!qd)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (v->next >= v->wanted->len)
    {
      record (task, qd);
      vb_log_info (vb_qemu_log_name (domain), "%u vCPUs present", v->changed->current_vcpus);
      tune_again (task, qd);
      return;
    }
  vcpu = g_array_index (v->wanted, guint, v->next++);
  slot = slot_of (v, vcpu);
  if (!slot || !vb_qmp_member_string (slot, "type"))
    {
      record (task, qd);
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                               "QEMU has no slot for vCPU %u in its CPU topology", vcpu);
      g_object_unref (task);
      return;
    }
  if (vb_qmp_member_string (slot, "qom-path"))
    {
      /* There already: QEMU's view is the truth, the live XML follows it. */
      g_array_append_val (v->plugged, vcpu);
      plug_next (task);
      return;
    }
  props = vb_qmp_member_object (slot, "props");
  args = json_object_new ();
  json_object_set_string_member (args, "driver", vb_qmp_member_string (slot, "type"));
  id = vb_qemu_vcpu_device_id (vcpu);
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

  v->slots = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  if (!v->slots)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
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
  v->plugged = g_array_new (FALSE, FALSE, sizeof (guint));
  g_task_set_task_data (task, v, (GDestroyNotify) vcpu_plug_free);
  if (!qd)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  v->wanted = wanted_vcpus (vb_domain_get_live_def (domain), changed);
  vb_qmp_client_execute_async (qd->qmp, "query-hotpluggable-cpus", NULL, -1, NULL, slots_listed,
                               task);
}

gboolean
vb_qemu_set_vcpus_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_qemu_set_vcpus_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
