#include "qemu-hotplug.h"

#include <string.h>
#include <unistd.h>

#include "domain-cputune.h"
#include "qemu-hotplug-memory.h"
#include "qemu-iotune.h"
#include "qemu-pci-address.h"
#include "qemu-plug.h"
#include "qemu-tap.h"
#include "vb-error.h"
#include "vb-log.h"
#include "xml-schema.h"

/* Commands whose failure leaves nothing to do but log it (cleanup, rollback). */
static void
send_logged (VbQemuPlug *p, const char *command, JsonObject *args)
{
  QemuDomain *qd = vb_qemu_plug_running (p, NULL);

  if (qd)
    vb_qemu_execute_logged (qd, command, args);
  else if (args)
    json_object_unref (args);
}

static void
remember_tap (QemuDomain *qd, const char *tap)
{
  guint n = qd->status->taps ? g_strv_length (qd->status->taps) : 0;

  qd->status->taps = g_renew (char *, qd->status->taps, n + 2);
  qd->status->taps[n] = g_strdup (tap);
  qd->status->taps[n + 1] = NULL;
}

static gboolean
is_q35 (VbDomain *domain)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (vb_domain_get_live_def (domain)->xml, "domain", NULL);
  xmlNode *type =
    doc ? vb_xml_child (vb_xml_child (xmlDocGetRootElement (doc), "os"), "type") : NULL;
  g_autofree char *machine = type ? vb_xml_attr (type, "machine") : NULL;

  return machine && strstr (machine, "q35");
}

static guint
attr_number (xmlNode *node, const char *name)
{
  g_autofree char *text = node ? vb_xml_attr (node, name) : NULL;

  return text ? (guint) g_ascii_strtoull (text, NULL, 0) : 0;
}

static void
attach_succeeded (GTask *task)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  GError *error = NULL;
  QemuDomain *qd = vb_qemu_plug_running (p, &error);
  xmlNode *root = xmlDocGetRootElement (p->doc);
  xmlNode *address;
  g_autofree char *bus = g_strdup_printf ("0x%02x", p->bus_index);
  g_autofree char *slot = g_strdup_printf ("0x%02x", p->slot);
  g_autofree char *function = g_strdup_printf ("0x%x", p->function);
  g_autoptr (VbDomainDevice) placed = g_new0 (VbDomainDevice, 1);
  g_autofree char *placed_alias = NULL;
  VbDomainDef *def;

  if (!qd)
    {
      vb_qemu_plug_fail (task, error);
      return;
    }
  /* The live XML tells the id QEMU knows the device by (as the command
   * line's devices have it) and where it went, as libvirt's does. */
  if (!vb_xml_child (root, "alias"))
    xmlSetProp (xmlNewChild (root, NULL, BAD_CAST "alias", NULL), BAD_CAST "name", BAD_CAST p->id);
  placed_alias = vb_qemu_plug_child_attr (root, "alias", "name");
  vb_xml_remove_children (root, "address");
  address = xmlNewChild (root, NULL, (const xmlChar *) "address", NULL);
  xmlSetProp (address, (const xmlChar *) "type", (const xmlChar *) "pci");
  xmlSetProp (address, (const xmlChar *) "domain", (const xmlChar *) "0x0000");
  xmlSetProp (address, (const xmlChar *) "bus", (const xmlChar *) bus);
  xmlSetProp (address, (const xmlChar *) "slot", (const xmlChar *) slot);
  xmlSetProp (address, (const xmlChar *) "function", (const xmlChar *) function);
  placed->kind = p->device->kind;
  placed->xml = vb_xml_format (p->doc);
  placed->target = g_strdup (p->device->target);
  placed->mac = g_strdup (p->device->mac);
  placed->alias = g_steal_pointer (&placed_alias);
  if (p->tap)
    remember_tap (qd, p->tap);
  def = vb_domain_def_add_device (vb_domain_get_live_def (p->domain), placed, &error);
  if (def)
    {
      vb_qemu_plug_set_live_def (qd, def); /* writes the status file too */
    }
  else
    {
      /* Cannot happen for what the generic layer checked; say so if it does. */
      vb_log_warning (vb_qemu_log_name (p->domain), "the live XML misses a plugged device: %s",
                      error->message);
      g_clear_error (&error);
      vb_qemu_save_status (qd);
    }
  vb_log_info (vb_qemu_log_name (p->domain), "plugged in %s on %s slot %u", p->id, p->bus, p->slot);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* The name QEMU knows queue @i of the plugged tap's descriptors by. */
static char *
queue_fd_name (VbQemuPlug *p, guint i)
{
  return p->queues > 1 ? g_strdup_printf ("%s-%u", p->fd_name, i) : g_strdup (p->fd_name);
}

/* Takes back what a failed plug added, in the reverse order. */
static void
roll_back (VbQemuPlug *p)
{
  if (p->node_added)
    send_logged (p, "blockdev-del", vb_qemu_plug_args ("node-name", p->node));
  if (p->storage_added)
    {
      g_autofree char *storage = g_strdup_printf ("%s-storage", p->node);
      send_logged (p, "blockdev-del", vb_qemu_plug_args ("node-name", storage));
    }
  if (p->netdev_added)
    send_logged (p, "netdev_del", vb_qemu_plug_args ("id", p->netdev));
  else
    for (guint i = 0; i < p->fds_passed; i++)
      {
        g_autofree char *name = queue_fd_name (p, i);

        send_logged (p, "closefd", vb_qemu_plug_args ("fdname", name));
      }
  p->node_added = p->storage_added = p->netdev_added = FALSE;
}

/* The device is in the guest: a failure here cannot take it back at once
 * (the guest acknowledges an unplug), so it is reported as it is. */
static void
throttle_set (GTask *task, JsonNode *reply, GError *error)
{
  if (error)
    {
      g_prefix_error (&error, "the disk was plugged in, but QEMU refused its I/O limits "
                              "(unplug it or set them with SetBlockIoTune): ");
      vb_qemu_plug_fail (task, error);
      return;
    }
  attach_succeeded (task);
}

static void
device_added (GTask *task, JsonNode *reply, GError *error)
{
  VbQemuPlug *p = g_task_get_task_data (task);

  if (error)
    {
      roll_back (p);
      g_prefix_error (&error, "QEMU refused to plug in the device: ");
      vb_qemu_plug_fail (task, error);
      return;
    }
  if (p->device->kind == VB_DEVICE_DISK && p->throttle)
    {
      vb_qemu_plug_qmp (task, "block_set_io_throttle", g_steal_pointer (&p->throttle), -1,
                        throttle_set);
      return;
    }
  if (p->device->kind == VB_DEVICE_INTERFACE)
    {
      g_autofree char *state =
        vb_qemu_plug_child_attr (xmlDocGetRootElement (p->doc), "link", "state");

      if (g_strcmp0 (state, "down") == 0)
        {
          JsonObject *args = vb_qemu_plug_args ("name", p->id);

          json_object_set_boolean_member (args, "up", FALSE);
          send_logged (p, "set_link", args);
        }
    }
  attach_succeeded (task);
}

static void
add_device (GTask *task)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  xmlNode *root = xmlDocGetRootElement (p->doc);
  JsonObject *args = json_object_new ();
  g_autofree char *addr = p->function ? g_strdup_printf ("0x%x.0x%x", p->slot, p->function)
                                      : g_strdup_printf ("0x%x", p->slot);
  g_autofree char *boot = vb_qemu_plug_child_attr (root, "boot", "order");
  /* check_pluggable() found it in the running guest. */
  g_autofree char *iothread = vb_qemu_plug_child_attr (root, "driver", "iothread");

  json_object_set_string_member (args, "id", p->id);
  json_object_set_string_member (args, "bus", p->bus);
  json_object_set_string_member (args, "addr", addr);
  if (p->device->kind == VB_DEVICE_DISK)
    {
      GError *error = NULL;

      json_object_set_string_member (args, "driver", vb_qemu_virtio_blk_model (root));
      json_object_set_string_member (args, "drive", p->node);
      /* As the command line has them (checked by check_pluggable()). */
      if (!vb_qemu_disk_device_props (root, vb_qemu_virtio_blk_model (root), args, &error))
        {
          json_object_unref (args);
          roll_back (p);
          vb_qemu_plug_fail (task, error);
          return;
        }
      if (iothread)
        {
          g_autofree char *object = g_strdup_printf (
            "iothread%u", vb_xml_attr_uint (vb_xml_child (root, "driver"), "iothread", 0));
          json_object_set_string_member (args, "iothread", object);
        }
    }
  else
    {
      json_object_set_string_member (args, "driver", "virtio-net-pci");
      json_object_set_string_member (args, "netdev", p->netdev);
      json_object_set_string_member (args, "mac", p->device->mac);
      /* As the command line has it (qemu-command-nic.c). */
      if (p->queues > 1)
        {
          json_object_set_boolean_member (args, "mq", TRUE);
          json_object_set_int_member (args, "vectors", 2 * p->queues + 2);
        }
    }
  if (boot)
    json_object_set_int_member (args, "bootindex", g_ascii_strtoll (boot, NULL, 10));
  vb_qemu_plug_qmp (task, "device_add", args, -1, device_added);
}

static void
format_added (GTask *task, JsonNode *reply, GError *error)
{
  VbQemuPlug *p = g_task_get_task_data (task);

  if (error)
    {
      roll_back (p);
      vb_qemu_plug_fail (task, error);
      return;
    }
  p->node_added = TRUE;
  add_device (task);
}

static void
storage_added (GTask *task, JsonNode *reply, GError *error)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  JsonNode *format = g_object_get_data (G_OBJECT (task), "vb-format");

  if (error)
    {
      vb_qemu_plug_fail (task, error);
      return;
    }
  p->storage_added = TRUE;
  vb_qemu_plug_qmp (task, "blockdev-add", json_object_ref (json_node_get_object (format)), -1,
                    format_added);
}

static void
plug_disk (GTask *task)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  VbQemuCommandContext context = { 0 };
  JsonNode *protocol = NULL;
  JsonNode *format = NULL;
  GError *error = NULL;

  vb_qemu_context_resolvers (&context);
  if (!vb_qemu_disk_blockdev (xmlDocGetRootElement (p->doc), p->node, &context, NULL, &protocol, &format,
                              &error))
    {
      vb_qemu_plug_fail (task, error);
      return;
    }
  g_object_set_data_full (G_OBJECT (task), "vb-format", format, (GDestroyNotify) json_node_unref);
  vb_qemu_plug_qmp (task, "blockdev-add", json_object_ref (json_node_get_object (protocol)), -1,
                    storage_added);
  json_node_unref (protocol);
}

static void
netdev_added (GTask *task, JsonNode *reply, GError *error)
{
  VbQemuPlug *p = g_task_get_task_data (task);

  if (error)
    {
      roll_back (p);
      vb_qemu_plug_fail (task, error);
      return;
    }
  p->netdev_added = TRUE;
  add_device (task);
}

static void
add_netdev (GTask *task)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  JsonObject *args = vb_qemu_plug_args ("id", p->netdev);
  xmlNode *driver = vb_xml_child (xmlDocGetRootElement (p->doc), "driver");

  json_object_set_string_member (args, "type", p->fd_name ? "tap" : "user");
  if (p->fd_name && p->queues > 1)
    {
      /* fds=: the names of its queues, ':' between them (a tap netdev's). */
      g_autoptr (GString) names = g_string_new (NULL);

      for (guint i = 0; i < p->queues; i++)
        {
          g_autofree char *name = queue_fd_name (p, i);

          g_string_append_printf (names, "%s%s", i ? ":" : "", name);
        }
      json_object_set_string_member (args, "fds", names->str);
    }
  else if (p->fd_name)
    json_object_set_string_member (args, "fd", p->fd_name);
  /* driver name='vhost': QEMU opens /dev/vhost-net, once per queue (as at
   * start); name='qemu': none. check_pluggable() let only these through. */
  if (p->fd_name && vb_xml_attr_is (driver, "name", "vhost"))
    json_object_set_boolean_member (args, "vhost", TRUE);
  else if (p->fd_name && vb_xml_attr_is (driver, "name", "qemu"))
    json_object_set_boolean_member (args, "vhost", FALSE);
  vb_qemu_plug_qmp (task, "netdev_add", args, -1, netdev_added);
}

static void pass_next_fd (GTask *task);

static void
fd_passed (GTask *task, JsonNode *reply, GError *error)
{
  VbQemuPlug *p = g_task_get_task_data (task);

  if (error)
    {
      /* Those QEMU got before go back (roll_back() closes them by name). */
      roll_back (p);
      vb_qemu_plug_fail (task, error);
      return;
    }
  p->fds_passed++;
  pass_next_fd (task);
}

/* Hands QEMU the tap's descriptors one by one (getfd takes one a message),
 * then adds the netdev that names them. */
static void
pass_next_fd (GTask *task)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  g_autofree char *name = NULL;
  int fd;

  if (p->fds_passed == p->tap_fds->len)
    {
      add_netdev (task);
      return;
    }
  name = queue_fd_name (p, p->fds_passed);
  /* Ours from here: the step may end the task (and free @p) before the
   * call returns. */
  fd = g_array_index (p->tap_fds, int, p->fds_passed);
  g_array_index (p->tap_fds, int, p->fds_passed) = -1;
  vb_qemu_plug_qmp (task, "getfd", vb_qemu_plug_args ("fdname", name), fd, fd_passed);
  /* QEMU gets its own copy with the message; ours can go at once, the tap
   * lives as long as QEMU holds a queue of it. */
  close (fd);
}

static void
plug_interface (GTask *task)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  xmlNode *root = xmlDocGetRootElement (p->doc);
  g_autofree char *type = vb_xml_attr (root, "type");
  g_autofree char *bridge = NULL;
  g_autofree char *target = NULL;
  GError *error = NULL;
  int fd;

  if (g_str_equal (type, "user"))
    {
      add_netdev (task);
      return;
    }
  if (g_str_equal (type, "bridge"))
    {
      bridge = vb_qemu_plug_child_attr (root, "source", "bridge");
    }
  else
    {
      VbQemuCommandContext context = { 0 };
      g_autofree char *network = vb_qemu_plug_child_attr (root, "source", "network");

      vb_qemu_context_resolvers (&context);
      bridge = context.network_bridge (network, NULL, &error);
      if (!bridge)
        {
          vb_qemu_plug_fail (task, error);
          return;
        }
    }
  /* As at start: the <target dev> the caller chose, else a name of our own
   * (15 characters, kept apart from the start-time "vb<uuid>-<n>"). */
  target = vb_qemu_plug_child_attr (root, "target", "dev");
  if (target && !g_str_has_prefix (target, "vnet"))
    p->tap = g_steal_pointer (&target);
  else
    p->tap = g_strdup_printf ("vb%.8sh%c%c%c%c", vb_resource_get_uuid (VB_RESOURCE (p->domain)),
                              p->device->mac[12], p->device->mac[13], p->device->mac[15],
                              p->device->mac[16]);
  p->queues = MAX (vb_xml_attr_uint (vb_xml_child (root, "driver"), "queues", 1), 1);
  p->tap_fds = g_array_new (FALSE, FALSE, sizeof (int));
  fd = vb_tap_create_via (NULL, p->tap, bridge, p->device->mac, p->queues > 1, &error);
  /* A multiqueue tap (IFF_MULTI_QUEUE): opened once per queue. */
  while (fd >= 0)
    {
      g_array_append_val (p->tap_fds, fd);
      if (p->tap_fds->len == p->queues)
        break;
      fd = vb_tap_open_queue (NULL, p->tap, FALSE, &error);
    }
  if (fd < 0)
    {
      vb_qemu_plug_fail (task, error);
      return;
    }
  p->fd_name = g_strdup_printf ("fd-%s", p->netdev);
  pass_next_fd (task);
}

/* A disk's <driver iothread='N'> names an iothread the running guest has:
 * define checked the element alone (domain-device.c), not against it. */
static gboolean
check_iothread (VbQemuPlug *p, xmlNode *disk, GError **error)
{
  xmlNode *driver = vb_xml_child (disk, "driver");
  g_autofree char *id = driver ? vb_xml_attr (driver, "iothread") : NULL;
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (GArray) ids = NULL;

  /* Its JSON -device (qemu-command-disk-iothreads.c) is the command line's. */
  if (vb_xml_child (driver, "iothreads"))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "<iothreads> at line %ld: a disk with iothreads per queue is not plugged into "
                   "a running guest; add it to the definition and start the domain",
                   vb_xml_line (vb_xml_child (driver, "iothreads")));
      return FALSE;
    }
  if (!id)
    return TRUE;
  doc = vb_xml_parse (vb_domain_get_live_def (p->domain)->xml, "domain", error);
  if (!doc)
    return FALSE;
  ids = vb_domain_iothread_ids (xmlDocGetRootElement (doc));
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, guint, i) == vb_xml_attr_uint (driver, "iothread", 0))
      return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "<driver> at line %ld: iothread %s does not exist in the running guest (it has "
               "%u iothreads)",
               vb_xml_line (driver), id, ids->len);
  return FALSE;
}

/* An interface's <driver>: its tap's queues and vhost-net (add_netdev(),
 * add_device()); the rest of what the command line makes of it is not
 * plugged: refused, never dropped. */
static gboolean
check_pluggable_driver (xmlNode *iface, const char *type, GError **error)
{
  xmlNode *driver = vb_xml_child (iface, "driver");
  guint queues = vb_xml_attr_uint (driver, "queues", 1);
  g_autofree char *name = driver ? vb_xml_attr (driver, "name") : NULL;

  if (!driver)
    return TRUE;
  for (xmlAttr *attr = driver->properties; attr; attr = attr->next)
    if (!g_str_equal ((const char *) attr->name, "name")
        && !g_str_equal ((const char *) attr->name, "queues"))
      {
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "an interface with <driver %s> cannot be plugged into a running guest (only "
                     "name and queues)",
                     (const char *) attr->name);
        return FALSE;
      }
  for (xmlNode *child = driver->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE)
      {
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "an interface with <driver><%s> cannot be plugged into a running guest",
                     (const char *) child->name);
        return FALSE;
      }
  if (g_str_equal (type, "user") && (name || queues > 1))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "<driver> at line %ld: %s applies to taps (bridge, network), not to QEMU's "
                   "user network",
                   vb_xml_line (driver), name ? "name=" : "multiqueue (queues > 1)");
      return FALSE;
    }
  if (name && !g_str_equal (name, "vhost") && !g_str_equal (name, "qemu"))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "<driver> at line %ld: driver name='%s' is not an interface's (vhost or qemu)",
                   vb_xml_line (driver), name);
      return FALSE;
    }
  if (g_strcmp0 (name, "vhost") == 0 && !g_file_test ("/dev/vhost-net", G_FILE_TEST_EXISTS))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "<driver> at line %ld: driver name='vhost' needs /dev/vhost-net, which this "
                   "host lacks (modprobe vhost_net)",
                   vb_xml_line (driver));
      return FALSE;
    }
  if (queues > VB_TAP_MAX_QUEUES)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "<driver> at line %ld: a tap has at most %u queues (the kernel's limit), not %u",
                   vb_xml_line (driver), VB_TAP_MAX_QUEUES, queues);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_pluggable (VbQemuPlug *p, GError **error)
{
  xmlNode *root = xmlDocGetRootElement (p->doc);

  /* A DIMM goes in a DIMM slot (qemu-hotplug-memory.c), not on a PCI bus. */
  if (p->device->kind == VB_DEVICE_MEMORY)
    return TRUE;
  if (p->device->kind == VB_DEVICE_DISK)
    {
      g_autofree char *device = vb_xml_attr (root, "device");
      g_autofree char *bus = vb_qemu_plug_child_attr (root, "target", "bus");

      if (!bus)
        bus = g_strdup (g_str_has_prefix (p->device->target, "vd") ? "virtio" : "sata");
      if (device && !g_str_equal (device, "disk"))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "a %s cannot be plugged into a running guest: only disks (device='disk')",
                       device);
          return FALSE;
        }
      if (!g_str_equal (bus, "virtio"))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "a disk on bus '%s' cannot be plugged into a running guest: use "
                       "<target bus='virtio'>",
                       bus);
          return FALSE;
        }
      if (!vb_xml_child (root, "source"))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                       "a disk plugged into a running guest needs a <source>");
          return FALSE;
        }
      {
        g_autoptr (JsonObject) props = json_object_new ();
        VbDiskIoTune tune;

        if (!vb_qemu_disk_device_props (root, vb_qemu_virtio_blk_model (root), props, error)
            || !vb_disk_iotune_read (root, &tune, error))
          return FALSE;
        if (vb_disk_iotune_limits (&tune))
          {
            g_autofree char *device = vb_qemu_iotune_device (root, p->id);

            p->throttle = vb_qemu_iotune_args (device, &tune);
          }
        vb_disk_iotune_clear (&tune);
      }
      return check_iothread (p, root, error);
    }
  {
    g_autofree char *model = vb_qemu_plug_child_attr (root, "model", "type");

    if (model && !g_str_equal (model, "virtio"))
      {
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "a NIC of model '%s' cannot be plugged into a running guest: use <model "
                     "type='virtio'/>",
                     model);
        return FALSE;
      }
    /* The administrator's tap is type='ethernet''s, which is not plugged:
     * on a bridge or network it would be opened and never put on the bridge. */
    if (vb_xml_attr_is (vb_xml_child (root, "target"), "managed", "no"))
      {
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "managed='no' is for type='ethernet', which cannot be plugged into a "
                     "running guest");
        return FALSE;
      }
    if (vb_xml_child (root, "teaming"))
      {
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "an interface with <teaming> cannot be plugged into a running guest");
        return FALSE;
      }
    /* What the start-time builder makes of these (qemu-command-nic.c,
     * -netdev.c) the plug does not: refused, never dropped. */
    {
      /* backend, portForward, route: passt, a helper started with QEMU only. */
      /* virtualport: an Open vSwitch port, added before QEMU starts only. */
      static const char *const unplugged[] = { "mtu",         "rom",   "tune",        "coalesce",
                                               "bandwidth",   "ip",    "vlan",        "backend",
                                               "portForward", "route", "virtualport", "port",
                                               NULL };
      g_autofree char *type = vb_xml_attr (root, "type");

      if (!g_str_equal (type, "user") && !g_str_equal (type, "bridge")
          && !g_str_equal (type, "network"))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "an interface of type '%s' cannot be plugged into a running guest: use "
                       "user, bridge or network",
                       type);
          return FALSE;
        }
      if (!check_pluggable_driver (root, type, error))
        return FALSE;
      for (guint i = 0; unplugged[i]; i++)
        if (vb_xml_child (root, unplugged[i]))
          {
            g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                         "an interface with <%s> cannot be plugged into a running guest",
                         unplugged[i]);
            return FALSE;
          }
      /* Nor the limits of the network's portgroup (qemu-command-net-bandwidth.c). */
      if (g_str_equal (type, "network") && vb_xml_child (root, "source"))
        {
          VbQemuCommandContext context = { 0 };
          g_autofree char *network = vb_qemu_plug_child_attr (root, "source", "network");
          g_autofree char *group = vb_qemu_plug_child_attr (root, "source", "portgroup");
          g_autofree char *limits = NULL;
          GError *local = NULL;

          vb_qemu_context_resolvers (&context);
          if (network)
            limits = context.network_portgroup_bandwidth (network, group, NULL, &local);
          if (local)
            {
              g_propagate_error (error, local);
              return FALSE;
            }
          if (limits)
            {
              g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                           "network '%s' gives this interface its portgroup's <bandwidth>, "
                           "which an interface plugged into a running guest does not get",
                           network);
              return FALSE;
            }
        }
    }
  }
  return TRUE;
}

static void
plug (GTask *task)
{
  VbQemuPlug *p = g_task_get_task_data (task);

  if (p->device->kind == VB_DEVICE_DISK)
    plug_disk (task);
  else if (p->device->kind == VB_DEVICE_MEMORY)
    vb_qemu_plug_memory (task);
  else
    plug_interface (task);
}

/* A free place in the live definition, from the allocator the command line
 * uses (qemu-pci-address.c): a slot of pci.0 on 'pc' machines, an empty
 * pcie-root-port (XML bus N, QEMU id pci.N) on q35, where devices sit on
 * root ports to be unpluggable. */
static gboolean
choose_address (VbQemuPlug *p, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (vb_domain_get_live_def (p->domain)->xml, "domain", error);
  gboolean q35 = is_q35 (p->domain);

  if (!doc
      || !vb_qemu_plug_address (vb_xml_child (xmlDocGetRootElement (doc), "devices"), q35,
                                &p->bus_index, &p->slot, error))
    return FALSE;
  p->bus = p->bus_index ? g_strdup_printf ("pci.%u", p->bus_index)
                        : g_strdup (q35 ? "pcie.0" : "pci.0");
  return TRUE;
}

/* An <address type='pci'> the caller gave is taken as it is. */
static gboolean
given_address (VbQemuPlug *p)
{
  xmlNode *address = vb_xml_child (xmlDocGetRootElement (p->doc), "address");
  g_autofree char *type = address ? vb_xml_attr (address, "type") : NULL;

  if (g_strcmp0 (type, "pci") != 0)
    return FALSE;
  p->bus_index = attr_number (address, "bus");
  p->slot = attr_number (address, "slot");
  p->function = attr_number (address, "function");
  p->bus = p->bus_index ? g_strdup_printf ("pci.%u", p->bus_index)
                        : g_strdup (is_q35 (p->domain) ? "pcie.0" : "pci.0");
  return TRUE;
}

void
vb_qemu_attach_device_async (VbDriverHost *host, VbDomain *domain, const VbDomainDevice *device,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  VbQemuPlug *p = vb_qemu_plug_new (domain, device);
  GError *error = NULL;

  g_task_set_task_data (task, p, (GDestroyNotify) vb_qemu_plug_unref);
  if (!p->doc || !vb_qemu_plug_running (p, &error) || !check_pluggable (p, &error))
    {
      if (!error)
        error = g_error_new (VB_ERROR, VB_ERROR_INVALID_XML, "the device XML cannot be read");
      vb_qemu_plug_fail (task, error);
      return;
    }
  if (p->device->kind != VB_DEVICE_MEMORY && !given_address (p) && !choose_address (p, &error))
    {
      vb_qemu_plug_fail (task, error);
      return;
    }
  plug (task);
}

gboolean
vb_qemu_attach_device_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
