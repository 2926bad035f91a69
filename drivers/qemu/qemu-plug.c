#include "qemu-plug.h"

#include <unistd.h>

#include "vb-error.h"
#include "xml-schema.h"

static void
plug_clear (VbQemuPlug *p)
{
  g_clear_object (&p->domain);
  vb_domain_device_free (p->device);
  g_clear_pointer (&p->doc, xmlFreeDoc);
  g_free (p->id);
  g_free (p->node);
  g_free (p->netdev);
  g_free (p->tap);
  g_free (p->fd_name);
  for (guint i = 0; p->tap_fds && i < p->tap_fds->len; i++)
    if (g_array_index (p->tap_fds, int, i) >= 0)
      close (g_array_index (p->tap_fds, int, i));
  g_clear_pointer (&p->tap_fds, g_array_unref);
  g_clear_pointer (&p->throttle, json_object_unref);
  g_free (p->bus);
}

VbQemuPlug *
vb_qemu_plug_ref (VbQemuPlug *p)
{
  return g_rc_box_acquire (p);
}

void
vb_qemu_plug_unref (VbQemuPlug *p)
{
  g_rc_box_release_full (p, (GDestroyNotify) plug_clear);
}

QemuDomain *
vb_qemu_plug_running (VbQemuPlug *p, GError **error)
{
  QemuDomain *qd = vb_qemu_domain_of (p->domain);

  if (qd && !qd->gone && qd->qmp && !vb_qmp_client_is_closed (qd->qmp) && qd->status)
    return qd;
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "Domain '%s' is no longer running",
               vb_resource_get_name (VB_RESOURCE (p->domain)));
  return NULL;
}

/* ---- QMP steps ---- */

typedef struct {
  GTask *task;
  VbQemuPlugStep next;
} StepCall;

static void
step_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StepCall *call = user_data;
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  call->next (call->task, reply, error);
  g_free (call);
}

/* Sends @command (takes @args, may be NULL) and continues with @next, which
 * owns the error it gets. */
void
vb_qemu_plug_qmp (GTask *task, const char *command, JsonObject *args, int fd, VbQemuPlugStep next)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  GError *error = NULL;
  QemuDomain *qd = vb_qemu_plug_running (p, &error);
  StepCall *call;

  if (!qd)
    {
      if (args)
        json_object_unref (args);
      next (task, NULL, error);
      return;
    }
  call = g_new0 (StepCall, 1);
  call->task = task;
  call->next = next;
  vb_qmp_client_execute_async (qd->qmp, command, args, fd, NULL, step_done, call);
  if (args)
    json_object_unref (args);
}

void
vb_qemu_plug_fail (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

JsonObject *
vb_qemu_plug_args (const char *key, const char *value)
{
  JsonObject *args = json_object_new ();

  json_object_set_string_member (args, key, value);
  return args;
}

/* ---- the live definition ---- */

void
vb_qemu_plug_set_live_def (QemuDomain *qd, VbDomainDef *def)
{
  vb_domain_set_live_def (qd->domain, def);
  g_free (qd->status->live_xml);
  qd->status->live_xml = g_strdup (def->xml);
  vb_qemu_save_status (qd);
}

char *
vb_qemu_plug_child_attr (xmlNode *node, const char *child, const char *name)
{
  xmlNode *found = vb_xml_child (node, child);

  return found ? vb_xml_attr (found, name) : NULL;
}

char *
vb_qemu_plug_net_id (const char *alias, const char *mac)
{
  char *id;

  if (alias)
    return g_strdup (alias);
  id = g_strdup_printf ("net-%s", mac);
  g_strdelimit (id, ":", '-');
  return id;
}

VbQemuPlug *
vb_qemu_plug_new (VbDomain *domain, const VbDomainDevice *device)
{
  VbQemuPlug *p = g_rc_box_new0 (VbQemuPlug);
  g_autofree char *mac_hex = device->mac ? g_strdup (device->mac) : NULL;

  p->domain = g_object_ref (domain);
  p->device = g_new0 (VbDomainDevice, 1);
  p->device->kind = device->kind;
  p->device->xml = g_strdup (device->xml);
  p->device->target = g_strdup (device->target);
  p->device->mac = g_strdup (device->mac);
  p->device->alias = g_strdup (device->alias);
  p->doc = vb_xml_parse (device->xml, NULL, NULL);
  if (mac_hex)
    g_strdelimit (mac_hex, ":", '-');
  /* The ids the command line gives (disk-<target>), or ones derived from
   * what names the device, so they never clash with start-time ones. */
  /* A DIMM's id is chosen when it is plugged (qemu-hotplug-memory.c). */
  if (device->kind == VB_DEVICE_MEMORY)
    p->id = g_strdup (device->alias);
  else if (device->kind == VB_DEVICE_DISK)
    {
      p->id = vb_qemu_disk_id (device->alias, device->target);
      p->node = g_strdup_printf ("drive-%s", device->target);
    }
  else
    {
      p->id = vb_qemu_plug_net_id (device->alias, device->mac);
      p->netdev = g_strdup_printf ("hostnet-%s", mac_hex);
    }
  return p;
}
