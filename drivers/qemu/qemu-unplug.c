#include "qemu-block.h"
#include "qemu-hotplug.h"

#include "qemu-macvtap.h"
#include "qemu-ovs.h"
#include "qemu-plug.h"
#include "qemu-tap-script.h"
#include "vb-error.h"
#include "vb-log.h"
#include "xml-schema.h"

/* An unplug waiting for DEVICE_DELETED. After a timeout it stays listed
 * without its task, so a guest that releases the device late still gets the
 * host side cleaned up and the live XML corrected. */
typedef struct {
  GTask *task; /* NULL once the caller got the timeout */
  VbQemuPlug *plug;
  guint timeout;
} Unplug;

/* Drops the taps whose interface went away (QEMU closed the last fd). */
static void
forget_gone_taps (QemuDomain *qd)
{
  GPtrArray *kept = g_ptr_array_new ();

  for (guint i = 0; qd->status->taps && qd->status->taps[i]; i++)
    {
      g_autofree char *sys = g_build_filename ("/sys/class/net", qd->status->taps[i], NULL);

      if (g_file_test (sys, G_FILE_TEST_EXISTS))
        {
          g_ptr_array_add (kept, g_strdup (qd->status->taps[i]));
          continue;
        }
      /* Its <downscript>, as libvirt runs it when the interface goes. */
      if (qd->status->downscripts)
        vb_tap_downscript_run_for (&qd->status->downscripts, qd->status->taps[i],
                                   vb_qemu_log_name (qd->domain));
      if (qd->status->ovs_ports
          && g_strv_contains ((const char *const *) qd->status->ovs_ports, qd->status->taps[i]))
        {
          /* Its Open vSwitch port outlives the tap otherwise. */
          const char *const gone[] = { qd->status->taps[i], NULL };

          vb_qemu_ovs_del_ports (gone, vb_qemu_log_name (qd->domain));
        }
    }
  g_ptr_array_add (kept, NULL);
  g_strfreev (qd->status->taps);
  qd->status->taps = (GStrv) g_ptr_array_free (kept, FALSE);
}

static guint
unplug_timeout_seconds (void)
{
  const char *text = vb_driver_host_get_setting (vb_qemu_driver.host, "unplug-timeout");
  guint64 seconds = 0;

  if (text && g_ascii_string_to_unsigned (text, 10, 1, 3600, &seconds, NULL))
    return (guint) seconds;
  return VB_QEMU_UNPLUG_TIMEOUT_S;
}

static void
unplug_free (Unplug *u)
{
  if (u->timeout)
    g_source_remove (u->timeout);
  vb_qemu_plug_unref (u->plug);
  g_free (u);
}

/* The guest released the device: the host side goes, then the live XML
 * follows. */
static void
release_host_side (QemuDomain *qd, VbQemuPlug *p)
{
  g_autoptr (GError) error = NULL;
  VbDomainDef *def;

  if (p->node)
    {
      g_autofree char *storage = g_strdup_printf ("%s-storage", p->node);

      vb_qemu_execute_logged (qd, "blockdev-del", vb_qemu_plug_args ("node-name", p->node));
      vb_qemu_execute_logged (qd, "blockdev-del", vb_qemu_plug_args ("node-name", storage));
    }
  if (p->netdev)
    vb_qemu_execute_logged (qd, "netdev_del", vb_qemu_plug_args ("id", p->netdev));
  /* A macvtap (type='direct') outlives QEMU's descriptor: deleted here. */
  if (p->device->kind == VB_DEVICE_INTERFACE)
    vb_qemu_macvtap_release (qd, p->device->mac);
  def =
    vb_domain_def_remove_device (vb_domain_get_live_def (qd->domain), p->device, "live", &error);
  if (def)
    vb_qemu_plug_set_live_def (qd, def);
  else
    vb_log_warning (vb_qemu_log_name (qd->domain), "unplugged %s: %s", p->id, error->message);
  vb_log_info (vb_qemu_log_name (qd->domain), "the guest released %s", p->id);
}

static void
netdev_deleted (GTask *task, JsonNode *reply, GError *error)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_plug_running (p, NULL);

  /* QEMU closed the tap with the netdev: it is gone from the host. */
  if (error)
    vb_log_warning (vb_qemu_log_name (p->domain), "netdev_del %s: %s", p->netdev, error->message);
  g_clear_error (&error);
  if (qd)
    {
      forget_gone_taps (qd);
      vb_qemu_save_status (qd);
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* The device of the live definition that QEMU knows as @id, by the ids this
 * driver gives: the alias, disk-<target>, net-<mac>. NULL for others (a
 * start-time NIC's netN, whose place in the XML may have changed). */
static VbDomainDevice *
live_device_by_id (VbDomain *domain, const char *id)
{
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  g_autoptr (xmlDoc) doc = live ? vb_xml_parse (live->xml, "domain", NULL) : NULL;
  xmlNode *devices = doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;

  for (xmlNode *node = devices ? devices->children : NULL; node; node = node->next)
    {
      gboolean disk = xmlStrEqual (node->name, (const xmlChar *) "disk");
      VbDomainDevice match = { .kind = disk ? VB_DEVICE_DISK : VB_DEVICE_INTERFACE };
      g_autofree char *target = NULL;
      g_autofree char *mac = NULL;
      g_autofree char *alias = NULL;
      g_autofree char *own_id = NULL;

      if (node->type != XML_ELEMENT_NODE
          || (!disk && !xmlStrEqual (node->name, (const xmlChar *) "interface")))
        continue;
      alias = vb_qemu_plug_child_attr (node, "alias", "name");
      if (disk)
        {
          target = vb_qemu_plug_child_attr (node, "target", "dev");
          own_id = vb_qemu_disk_id (alias, target);
        }
      else
        {
          mac = vb_qemu_plug_child_attr (node, "mac", "address");
          own_id = vb_qemu_plug_net_id (alias, mac);
        }
      if (!g_str_equal (own_id, id))
        continue;
      match.target = target;
      match.mac = mac;
      return vb_domain_def_find_device (live, &match);
    }
  return NULL;
}

/* A device went that nobody is unplugging now: the guest ejected it itself,
 * or it released one whose unplug timed out before a restart of the
 * service. The live XML follows QEMU all the same. */
static gboolean
released_unasked (QemuDomain *qd, const char *id)
{
  g_autoptr (VbDomainDevice) device = NULL;
  VbQemuPlug *p;

  /* A failover migration takes the primary NIC away and may put it back:
   * not a removal. */
  if (qd->migrating || qd->incoming)
    return FALSE;
  device = live_device_by_id (qd->domain, id);
  if (!device)
    {
      vb_log_warning (vb_qemu_log_name (qd->domain),
                      "QEMU removed device '%s', which the live XML cannot name", id);
      return FALSE;
    }
  p = vb_qemu_plug_new (qd->domain, device);
  vb_log_info (vb_qemu_log_name (qd->domain), "%s went without an unplug request", id);
  release_host_side (qd, p);
  forget_gone_taps (qd);
  vb_qemu_save_status (qd);
  vb_qemu_plug_unref (p);
  return TRUE;
}

static gboolean
unplug_event (QemuDomain *qd, const char *name, JsonObject *data)
{
  const char *device = vb_qmp_member_string (data, "device");

  if (!g_str_equal (name, "DEVICE_DELETED") || !device)
    return FALSE;
  for (guint i = 0; qd->unplugs && i < qd->unplugs->len; i++)
    {
      Unplug *u = qd->unplugs->pdata[i];
      VbQemuPlug *p = u->plug;
      GTask *task = g_steal_pointer (&u->task);

      if (!g_str_equal (p->id, device))
        {
          u->task = task;
          continue;
        }
      g_ptr_array_remove_index (qd->unplugs, i);
      if (!task)
        {
          /* Late, after the caller got the timeout: clean up all the same. */
          release_host_side (qd, p);
          forget_gone_taps (qd);
          vb_qemu_save_status (qd);
        }
      else if (p->netdev)
        {
          /* The netdev goes with a reply we wait for, so the tap is gone
           * from the host when the call returns. */
          g_autofree char *netdev = g_steal_pointer (&p->netdev);

          release_host_side (qd, p);
          p->netdev = g_steal_pointer (&netdev);
          vb_qemu_plug_qmp (task, "netdev_del", vb_qemu_plug_args ("id", p->netdev), -1,
                            netdev_deleted);
        }
      else
        {
          release_host_side (qd, p);
          g_task_return_boolean (task, TRUE);
          g_object_unref (task);
        }
      unplug_free (u);
      return TRUE;
    }
  return released_unasked (qd, device);
}

static gboolean
unplug_timed_out (gpointer user_data)
{
  Unplug *u = user_data;
  GTask *task = g_steal_pointer (&u->task);

  /* The Unplug stays listed, for a release that comes late. */
  u->timeout = 0;
  g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                           "the guest did not release the device '%s' within %u s; it stays "
                           "in the live XML (and goes when the guest releases it later)",
                           u->plug->id, unplug_timeout_seconds ());
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
unplugs_fail (QemuDomain *qd)
{
  g_autoptr (GPtrArray) unplugs = g_steal_pointer (&qd->unplugs);

  for (guint i = 0; unplugs && i < unplugs->len; i++)
    {
      Unplug *u = unplugs->pdata[i];

      if (u->task)
        {
          GTask *task = g_steal_pointer (&u->task);

          g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                                   "QEMU ended before the guest released the device '%s'",
                                   u->plug->id);
          g_object_unref (task);
        }
      unplug_free (u);
    }
}

static void
device_deleting (GTask *task, JsonNode *reply, GError *error)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (p->domain);

  if (!error)
    return; /* the event (or the timeout) completes the task */
  for (guint i = 0; qd && qd->unplugs && i < qd->unplugs->len; i++)
    {
      Unplug *u = qd->unplugs->pdata[i];

      if (u->task == task)
        {
          u->task = NULL;
          g_ptr_array_remove_index (qd->unplugs, i);
          unplug_free (u);
          break;
        }
    }
  g_prefix_error (&error, "QEMU refused to unplug the device: ");
  vb_qemu_plug_fail (task, error);
}

static void
delete_device (GTask *task)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  GError *error = NULL;
  QemuDomain *qd = vb_qemu_plug_running (p, &error);
  Unplug *u;

  if (!qd)
    {
      vb_qemu_plug_fail (task, error);
      return;
    }
  for (guint i = 0; qd->unplugs && i < qd->unplugs->len; i++)
    if (g_str_equal (((Unplug *) qd->unplugs->pdata[i])->plug->id, p->id))
      {
        vb_qemu_plug_fail (task,
                           g_error_new (VB_ERROR, VB_ERROR_BUSY,
                                        "the guest has not yet released the device '%s' from an "
                                        "earlier unplug",
                                        p->id));
        return;
      }
  /* Listed before device_del goes out: QEMU may report the release at once. */
  u = g_new0 (Unplug, 1);
  u->task = task;
  u->plug = vb_qemu_plug_ref (p);
  u->timeout = g_timeout_add_seconds (unplug_timeout_seconds (), unplug_timed_out, u);
  if (!qd->unplugs)
    qd->unplugs = g_ptr_array_new ();
  g_ptr_array_add (qd->unplugs, u);
  vb_qemu_plug_qmp (task, "device_del", vb_qemu_plug_args ("id", p->id), -1, device_deleting);
}

static void
got_blocks (GTask *task, JsonNode *reply, GError *error)
{
  VbQemuPlug *p = g_task_get_task_data (task);

  if (error)
    {
      vb_qemu_plug_fail (task, error);
      return;
    }
  g_free (p->node);
  p->node = g_strdup (vb_qmp_member_string (vb_qemu_block_inserted (reply, p->id), "node-name"));
  delete_device (task);
}

static void
got_netdev (GTask *task, JsonNode *reply, GError *error)
{
  VbQemuPlug *p = g_task_get_task_data (task);

  if (error)
    {
      vb_qemu_plug_fail (task, error);
      return;
    }
  g_clear_pointer (&p->netdev, g_free);
  if (reply && JSON_NODE_HOLDS_VALUE (reply) && json_node_get_value_type (reply) == G_TYPE_STRING
      && *json_node_get_string (reply))
    p->netdev = g_strdup (json_node_get_string (reply));
  delete_device (task);
}

/* A NIC's id is its netclient's name; the start-time ones are numbered in
 * the order of the XML at start, so they are looked up by MAC. */
static void
got_nics (GTask *task, JsonNode *reply, GError *error)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  JsonArray *nics = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;
  g_autofree char *path = NULL;
  JsonObject *args;

  if (error)
    {
      vb_qemu_plug_fail (task, error);
      return;
    }
  g_clear_pointer (&p->id, g_free);
  for (guint i = 0; nics && i < json_array_get_length (nics); i++)
    {
      JsonObject *nic = json_array_get_object_element (nics, i);
      const char *mac = vb_qmp_member_string (nic, "main-mac");

      if (mac && g_ascii_strcasecmp (mac, p->device->mac) == 0)
        p->id = g_strdup (vb_qmp_member_string (nic, "name"));
    }
  if (!p->id)
    {
      vb_qemu_plug_fail (
        task, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                           "QEMU has no virtio NIC with MAC %s: only virtio interfaces can be "
                           "unplugged",
                           p->device->mac));
      return;
    }
  path = g_strdup_printf ("/machine/peripheral/%s", p->id);
  args = vb_qemu_plug_args ("path", path);
  json_object_set_string_member (args, "property", "netdev");
  vb_qemu_plug_qmp (task, "qom-get", args, -1, got_netdev);
}

void
vb_qemu_detach_device_async (VbDriverHost *host, VbDomain *domain, const VbDomainDevice *match,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  g_autoptr (VbDomainDevice) device = live ? vb_domain_def_find_device (live, match) : NULL;
  GError *error = NULL;
  VbQemuPlug *p;

  if (!device)
    {
      g_autofree char *described = vb_domain_device_describe (match);

      vb_qemu_plug_fail (task,
                         g_error_new (VB_ERROR, VB_ERROR_NOT_FOUND,
                                      "the live definition of domain '%s' has no %s",
                                      vb_resource_get_name (VB_RESOURCE (domain)), described));
      return;
    }
  p = vb_qemu_plug_new (domain, device);
  g_task_set_task_data (task, p, (GDestroyNotify) vb_qemu_plug_unref);
  /* A DIMM leaves only when the guest gives its memory up, which a Linux
   * guest does only for memory it keeps movable: not promised, so not offered. */
  if (device->kind == VB_DEVICE_MEMORY)
    {
      g_autofree char *described = vb_domain_device_describe (device);

      vb_qemu_plug_fail (task, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                            "the %s cannot be unplugged from a running guest: "
                                            "detach it from the persistent definition (CONFIG)",
                                            described));
      return;
    }
  if (!vb_qemu_plug_running (p, &error))
    {
      vb_qemu_plug_fail (task, error);
      return;
    }
  if (device->kind == VB_DEVICE_DISK)
    vb_qemu_plug_qmp (task, "query-block", NULL, -1, got_blocks);
  else
    vb_qemu_plug_qmp (task, "query-rx-filter", NULL, -1, got_nics);
}

gboolean
vb_qemu_detach_device_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The part is the unplugs': DEVICE_DELETED ends them, QEMU's end fails them. */
const VbQemuPart vb_qemu_hotplug_part = {
  .name = "hotplug",
  .event = unplug_event,
  .free = unplugs_fail,
};
