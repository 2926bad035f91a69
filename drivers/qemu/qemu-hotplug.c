#include "qemu-hotplug.h"

#include <string.h>
#include <unistd.h>

#include "qemu-tap.h"
#include "vb-error.h"
#include "vb-log.h"
#include "xml-schema.h"

/* What one plug or unplug works on; the task data of its GTask. */
typedef struct {
  VbDomain *domain;
  VbDomainDevice *device; /* attach: the new device; detach: the live one, in full */
  xmlDoc *doc;            /* device->xml parsed */
  char *id;               /* QEMU's device id: the alias, else disk-<target> / net-<mac> */
  char *node;             /* disk: the format node; its protocol node is "<node>-storage" */
  char *netdev;           /* interface: the netdev id */
  char *tap;              /* the tap we made, NULL without one */
  char *fd_name;          /* the tap's fd in QEMU (getfd), NULL when not passed */
  char *bus;              /* where the device goes: "pci.0", "pcie.0", "pci.N" */
  guint bus_index;        /* the bus= of the XML address */
  guint slot;
  guint function;
  gboolean node_added, storage_added, netdev_added;
} Plug;

static void
plug_clear (Plug *p)
{
  g_clear_object (&p->domain);
  vb_domain_device_free (p->device);
  g_clear_pointer (&p->doc, xmlFreeDoc);
  g_free (p->id);
  g_free (p->node);
  g_free (p->netdev);
  g_free (p->tap);
  g_free (p->fd_name);
  g_free (p->bus);
}

/* Shared by the task and, while it waits for DEVICE_DELETED, the Unplug. */
static Plug *
plug_ref (Plug *p)
{
  return g_rc_box_acquire (p);
}

static void
plug_unref (Plug *p)
{
  g_rc_box_release_full (p, (GDestroyNotify) plug_clear);
}

/* An unplug waiting for DEVICE_DELETED. After a timeout it stays listed
 * without its task, so a guest that releases the device late still gets the
 * host side cleaned up and the live XML corrected. */
typedef struct {
  GTask *task; /* NULL once the caller got the timeout */
  Plug *plug;
  guint timeout;
} Unplug;

static QemuDomain *
running (Plug *p, GError **error)
{
  QemuDomain *qd = vb_qemu_domain_of (p->domain);

  if (qd && !qd->gone && qd->qmp && !vb_qmp_client_is_closed (qd->qmp) && qd->status)
    return qd;
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "Domain '%s' is no longer running",
               vb_resource_get_name (VB_RESOURCE (p->domain)));
  return NULL;
}

/* ---- QMP steps ---- */

typedef void (*Step) (GTask *task, JsonNode *reply, GError *error);

typedef struct {
  GTask *task;
  Step next;
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
static void
qmp (GTask *task, const char *command, JsonObject *args, int fd, Step next)
{
  Plug *p = g_task_get_task_data (task);
  GError *error = NULL;
  QemuDomain *qd = running (p, &error);
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

static void
fail (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

static JsonObject *
args_with (const char *key, const char *value)
{
  JsonObject *args = json_object_new ();

  json_object_set_string_member (args, key, value);
  return args;
}

/* Commands whose failure leaves nothing to do but log it (cleanup, rollback). */
static void
send_logged (Plug *p, const char *command, JsonObject *args)
{
  QemuDomain *qd = running (p, NULL);

  if (qd)
    vb_qemu_execute_logged (qd, command, args);
  else if (args)
    json_object_unref (args);
}

/* ---- the live definition ---- */

static void
set_live_def (QemuDomain *qd, VbDomainDef *def)
{
  vb_domain_set_live_def (qd->domain, def);
  g_free (qd->status->live_xml);
  qd->status->live_xml = g_strdup (def->xml);
  vb_qemu_save_status (qd);
}

/* Drops the taps whose interface went away (QEMU closed the last fd). */
static void
forget_gone_taps (QemuDomain *qd)
{
  GPtrArray *kept = g_ptr_array_new ();

  for (guint i = 0; qd->status->taps && qd->status->taps[i]; i++)
    {
      g_autofree char *sys = g_build_filename ("/sys/class/net", qd->status->taps[i], NULL);

      if (g_file_test (sys, G_FILE_TEST_EXISTS))
        g_ptr_array_add (kept, g_strdup (qd->status->taps[i]));
    }
  g_ptr_array_add (kept, NULL);
  g_strfreev (qd->status->taps);
  qd->status->taps = (GStrv) g_ptr_array_free (kept, FALSE);
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

static char *
child_attr (xmlNode *node, const char *child, const char *name)
{
  xmlNode *found = vb_xml_child (node, child);

  return found ? vb_xml_attr (found, name) : NULL;
}

static guint
attr_number (xmlNode *node, const char *name)
{
  g_autofree char *text = node ? vb_xml_attr (node, name) : NULL;

  return text ? (guint) g_ascii_strtoull (text, NULL, 0) : 0;
}

/* ---- plugging in ---- */

static void
attach_succeeded (GTask *task)
{
  Plug *p = g_task_get_task_data (task);
  GError *error = NULL;
  QemuDomain *qd = running (p, &error);
  xmlNode *root = xmlDocGetRootElement (p->doc);
  xmlNode *address;
  g_autofree char *bus = g_strdup_printf ("0x%02x", p->bus_index);
  g_autofree char *slot = g_strdup_printf ("0x%02x", p->slot);
  g_autofree char *function = g_strdup_printf ("0x%x", p->function);
  g_autoptr (VbDomainDevice) placed = g_new0 (VbDomainDevice, 1);
  VbDomainDef *def;

  if (!qd)
    {
      fail (task, error);
      return;
    }
  /* The live XML tells where the device went, as libvirt's does. */
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
  placed->alias = g_strdup (p->device->alias);
  def = vb_domain_def_add_device (vb_domain_get_live_def (p->domain), placed, &error);
  if (!def)
    {
      /* Cannot happen for what the generic layer checked; say so if it does. */
      vb_log_warning (vb_qemu_log_name (p->domain), "the live XML misses a plugged device: %s",
                      error->message);
      g_clear_error (&error);
    }
  else
    {
      set_live_def (qd, def);
    }
  if (p->tap)
    {
      remember_tap (qd, p->tap);
      vb_qemu_save_status (qd);
    }
  vb_log_info (vb_qemu_log_name (p->domain), "plugged in %s on %s slot %u", p->id, p->bus, p->slot);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* Takes back what a failed plug added, in the reverse order. */
static void
roll_back (Plug *p)
{
  if (p->node_added)
    send_logged (p, "blockdev-del", args_with ("node-name", p->node));
  if (p->storage_added)
    {
      g_autofree char *storage = g_strdup_printf ("%s-storage", p->node);
      send_logged (p, "blockdev-del", args_with ("node-name", storage));
    }
  if (p->netdev_added)
    send_logged (p, "netdev_del", args_with ("id", p->netdev));
  else if (p->fd_name)
    send_logged (p, "closefd", args_with ("fdname", p->fd_name));
  p->node_added = p->storage_added = p->netdev_added = FALSE;
}

static void
device_added (GTask *task, JsonNode *reply, GError *error)
{
  Plug *p = g_task_get_task_data (task);

  if (error)
    {
      roll_back (p);
      g_prefix_error (&error, "QEMU refused to plug in the device: ");
      fail (task, error);
      return;
    }
  if (p->device->kind == VB_DEVICE_INTERFACE)
    {
      g_autofree char *state = child_attr (xmlDocGetRootElement (p->doc), "link", "state");

      if (g_strcmp0 (state, "down") == 0)
        {
          JsonObject *args = args_with ("name", p->id);

          json_object_set_boolean_member (args, "up", FALSE);
          send_logged (p, "set_link", args);
        }
    }
  attach_succeeded (task);
}

static void
add_device (GTask *task)
{
  Plug *p = g_task_get_task_data (task);
  xmlNode *root = xmlDocGetRootElement (p->doc);
  JsonObject *args = json_object_new ();
  g_autofree char *addr = p->function ? g_strdup_printf ("0x%x.0x%x", p->slot, p->function)
                                      : g_strdup_printf ("0x%x", p->slot);
  g_autofree char *boot = child_attr (root, "boot", "order");

  json_object_set_string_member (args, "id", p->id);
  json_object_set_string_member (args, "bus", p->bus);
  json_object_set_string_member (args, "addr", addr);
  if (p->device->kind == VB_DEVICE_DISK)
    {
      xmlNode *serial = vb_xml_child (root, "serial");

      json_object_set_string_member (args, "driver", "virtio-blk-pci");
      json_object_set_string_member (args, "drive", p->node);
      if (serial)
        {
          g_autofree char *text = vb_xml_text (serial);
          json_object_set_string_member (args, "serial", text);
        }
      if (vb_xml_child (root, "shareable"))
        json_object_set_boolean_member (args, "share-rw", TRUE);
    }
  else
    {
      json_object_set_string_member (args, "driver", "virtio-net-pci");
      json_object_set_string_member (args, "netdev", p->netdev);
      json_object_set_string_member (args, "mac", p->device->mac);
    }
  if (boot)
    json_object_set_int_member (args, "bootindex", g_ascii_strtoll (boot, NULL, 10));
  qmp (task, "device_add", args, -1, device_added);
}

static void
format_added (GTask *task, JsonNode *reply, GError *error)
{
  Plug *p = g_task_get_task_data (task);

  if (error)
    {
      roll_back (p);
      fail (task, error);
      return;
    }
  p->node_added = TRUE;
  add_device (task);
}

static void
storage_added (GTask *task, JsonNode *reply, GError *error)
{
  Plug *p = g_task_get_task_data (task);
  JsonNode *format = g_object_get_data (G_OBJECT (task), "vb-format");

  if (error)
    {
      fail (task, error);
      return;
    }
  p->storage_added = TRUE;
  qmp (task, "blockdev-add", json_object_ref (json_node_get_object (format)), -1, format_added);
}

static void
plug_disk (GTask *task)
{
  Plug *p = g_task_get_task_data (task);
  VbQemuCommandContext context = { 0 };
  JsonNode *protocol = NULL;
  JsonNode *format = NULL;
  GError *error = NULL;

  vb_qemu_context_resolvers (&context);
  if (!vb_qemu_disk_blockdev (xmlDocGetRootElement (p->doc), p->node, &context, &protocol, &format,
                              &error))
    {
      fail (task, error);
      return;
    }
  g_object_set_data_full (G_OBJECT (task), "vb-format", format, (GDestroyNotify) json_node_unref);
  qmp (task, "blockdev-add", json_object_ref (json_node_get_object (protocol)), -1, storage_added);
  json_node_unref (protocol);
}

static void
netdev_added (GTask *task, JsonNode *reply, GError *error)
{
  Plug *p = g_task_get_task_data (task);

  if (error)
    {
      roll_back (p);
      fail (task, error);
      return;
    }
  p->netdev_added = TRUE;
  add_device (task);
}

static void
add_netdev (GTask *task)
{
  Plug *p = g_task_get_task_data (task);
  JsonObject *args = args_with ("id", p->netdev);

  json_object_set_string_member (args, "type", p->fd_name ? "tap" : "user");
  if (p->fd_name)
    json_object_set_string_member (args, "fd", p->fd_name);
  qmp (task, "netdev_add", args, -1, netdev_added);
}

static void
fd_passed (GTask *task, JsonNode *reply, GError *error)
{
  Plug *p = g_task_get_task_data (task);

  if (error)
    {
      g_clear_pointer (&p->fd_name, g_free);
      fail (task, error);
      return;
    }
  add_netdev (task);
}

static void
plug_interface (GTask *task)
{
  Plug *p = g_task_get_task_data (task);
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
      bridge = child_attr (root, "source", "bridge");
    }
  else
    {
      VbQemuCommandContext context = { 0 };
      g_autofree char *network = child_attr (root, "source", "network");

      vb_qemu_context_resolvers (&context);
      bridge = context.network_bridge (network, NULL, &error);
      if (!bridge)
        {
          fail (task, error);
          return;
        }
    }
  /* As at start: the <target dev> the caller chose, else a name of our own
   * (15 characters, kept apart from the start-time "vb<uuid>-<n>"). */
  target = child_attr (root, "target", "dev");
  if (target && !g_str_has_prefix (target, "vnet"))
    p->tap = g_steal_pointer (&target);
  else
    p->tap = g_strdup_printf ("vb%.8sh%c%c%c%c", vb_resource_get_uuid (VB_RESOURCE (p->domain)),
                              p->device->mac[12], p->device->mac[13], p->device->mac[15],
                              p->device->mac[16]);
  fd = vb_tap_create (p->tap, bridge, p->device->mac, &error);
  if (fd < 0)
    {
      fail (task, error);
      return;
    }
  p->fd_name = g_strdup_printf ("fd-%s", p->netdev);
  /* QEMU gets its own copy with the message; ours can go at once, the tap
   * lives as long as QEMU holds it. */
  qmp (task, "getfd", args_with ("fdname", p->fd_name), fd, fd_passed);
  close (fd);
}

static gboolean
check_pluggable (Plug *p, GError **error)
{
  xmlNode *root = xmlDocGetRootElement (p->doc);

  if (p->device->kind == VB_DEVICE_DISK)
    {
      g_autofree char *device = vb_xml_attr (root, "device");
      g_autofree char *bus = child_attr (root, "target", "bus");

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
      return TRUE;
    }
  {
    g_autofree char *model = child_attr (root, "model", "type");

    if (model && !g_str_equal (model, "virtio"))
      {
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "a NIC of model '%s' cannot be plugged into a running guest: use <model "
                     "type='virtio'/>",
                     model);
        return FALSE;
      }
    if (vb_xml_child (root, "teaming"))
      {
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "an interface with <teaming> cannot be plugged into a running guest");
        return FALSE;
      }
  }
  return TRUE;
}

static void
plug (GTask *task)
{
  Plug *p = g_task_get_task_data (task);

  if (p->device->kind == VB_DEVICE_DISK)
    plug_disk (task);
  else
    plug_interface (task);
}

/* A free place: a slot of pci.0 on 'pc' machines, an empty pcie-root-port
 * (XML bus N, QEMU id pci.N) on q35, where devices sit on root ports to be
 * unpluggable. */
static gboolean
choose_address (Plug *p, JsonNode *reply, GError **error)
{
  JsonArray *buses = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;
  JsonArray *devices = NULL;
  gboolean q35 = is_q35 (p->domain);
  guint32 used = 0;

  for (guint i = 0; buses && i < json_array_get_length (buses); i++)
    {
      JsonObject *bus = json_array_get_object_element (buses, i);

      if (bus && vb_qmp_member_int (bus, "bus", -1) == 0)
        devices = vb_qmp_member_array (bus, "devices");
    }
  for (guint i = 0; devices && i < json_array_get_length (devices); i++)
    {
      JsonObject *device = json_array_get_object_element (devices, i);
      JsonObject *bridge = vb_qmp_member_object (device, "pci_bridge");
      JsonArray *below = vb_qmp_member_array (bridge, "devices");
      const char *id = vb_qmp_member_string (device, "qdev_id");
      gint64 slot = vb_qmp_member_int (device, "slot", -1);
      guint64 index = 0;

      if (slot >= 0 && slot < 32)
        used |= 1u << slot;
      if (q35 && bridge && (!below || json_array_get_length (below) == 0) && id
          && g_str_has_prefix (id, "pci.")
          && g_ascii_string_to_unsigned (id + 4, 10, 1, 255, &index, NULL))
        {
          p->bus = g_strdup (id);
          p->bus_index = (guint) index;
          p->slot = 0;
          return TRUE;
        }
    }
  if (q35)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "no free pcie-root-port to plug the device into: a q35 guest needs one per "
                   "plugged device (define <controller type='pci' model='pcie-root-port'/> "
                   "spares)");
      return FALSE;
    }
  for (guint slot = 1; slot < 32; slot++)
    if (!(used & (1u << slot)))
      {
        p->bus = g_strdup ("pci.0");
        p->slot = slot;
        return TRUE;
      }
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
               "no free slot on PCI bus pci.0 to plug the device into");
  return FALSE;
}

static void
got_pci (GTask *task, JsonNode *reply, GError *error)
{
  Plug *p = g_task_get_task_data (task);

  if (error || !choose_address (p, reply, &error))
    {
      fail (task, error);
      return;
    }
  plug (task);
}

/* An <address type='pci'> the caller gave is taken as it is. */
static gboolean
given_address (Plug *p)
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

static Plug *
plug_new (VbDomain *domain, const VbDomainDevice *device)
{
  Plug *p = g_rc_box_new0 (Plug);
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
  if (device->kind == VB_DEVICE_DISK)
    {
      p->id =
        device->alias ? g_strdup (device->alias) : g_strdup_printf ("disk-%s", device->target);
      p->node = g_strdup_printf ("drive-%s", device->target);
    }
  else
    {
      p->id = device->alias ? g_strdup (device->alias) : g_strdup_printf ("net-%s", mac_hex);
      p->netdev = g_strdup_printf ("hostnet-%s", mac_hex);
    }
  return p;
}

void
vb_qemu_attach_device_async (VbDriverHost *host, VbDomain *domain, const VbDomainDevice *device,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  Plug *p = plug_new (domain, device);
  GError *error = NULL;

  g_task_set_task_data (task, p, (GDestroyNotify) plug_unref);
  if (!p->doc || !running (p, &error) || !check_pluggable (p, &error))
    {
      if (!error)
        error = g_error_new (VB_ERROR, VB_ERROR_INVALID_XML, "the device XML cannot be read");
      fail (task, error);
      return;
    }
  if (given_address (p))
    plug (task);
  else
    qmp (task, "query-pci", NULL, -1, got_pci);
}

gboolean
vb_qemu_attach_device_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- unplugging ---- */

static guint
unplug_timeout_seconds (void)
{
  const char *text = g_getenv ("VIRTBUS_UNPLUG_TIMEOUT");
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
  plug_unref (u->plug);
  g_free (u);
}

/* The guest released the device: the host side goes, then the live XML
 * follows. */
static void
release_host_side (QemuDomain *qd, Plug *p)
{
  g_autoptr (GError) error = NULL;
  VbDomainDef *def;

  if (p->node)
    {
      g_autofree char *storage = g_strdup_printf ("%s-storage", p->node);

      vb_qemu_execute_logged (qd, "blockdev-del", args_with ("node-name", p->node));
      vb_qemu_execute_logged (qd, "blockdev-del", args_with ("node-name", storage));
    }
  if (p->netdev)
    vb_qemu_execute_logged (qd, "netdev_del", args_with ("id", p->netdev));
  def =
    vb_domain_def_remove_device (vb_domain_get_live_def (qd->domain), p->device, "live", &error);
  if (def)
    set_live_def (qd, def);
  else
    vb_log_warning (vb_qemu_log_name (qd->domain), "unplugged %s: %s", p->id, error->message);
  vb_log_info (vb_qemu_log_name (qd->domain), "the guest released %s", p->id);
}

static void
netdev_deleted (GTask *task, JsonNode *reply, GError *error)
{
  Plug *p = g_task_get_task_data (task);
  QemuDomain *qd = running (p, NULL);

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

gboolean
vb_qemu_hotplug_event (QemuDomain *qd, const char *name, JsonObject *data)
{
  const char *device = vb_qmp_member_string (data, "device");

  if (!g_str_equal (name, "DEVICE_DELETED") || !device || !qd->unplugs)
    return FALSE;
  for (guint i = 0; i < qd->unplugs->len; i++)
    {
      Unplug *u = qd->unplugs->pdata[i];
      Plug *p = u->plug;
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
          qmp (task, "netdev_del", args_with ("id", p->netdev), -1, netdev_deleted);
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
  return FALSE;
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

void
vb_qemu_hotplug_free (QemuDomain *qd)
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
  Plug *p = g_task_get_task_data (task);
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
  fail (task, error);
}

static void
delete_device (GTask *task)
{
  Plug *p = g_task_get_task_data (task);
  GError *error = NULL;
  QemuDomain *qd = running (p, &error);
  Unplug *u;

  if (!qd)
    {
      fail (task, error);
      return;
    }
  for (guint i = 0; qd->unplugs && i < qd->unplugs->len; i++)
    if (g_str_equal (((Unplug *) qd->unplugs->pdata[i])->plug->id, p->id))
      {
        fail (task, g_error_new (VB_ERROR, VB_ERROR_BUSY,
                                 "the guest has not yet released the device '%s' from an "
                                 "earlier unplug",
                                 p->id));
        return;
      }
  /* Listed before device_del goes out: QEMU may report the release at once. */
  u = g_new0 (Unplug, 1);
  u->task = task;
  u->plug = plug_ref (p);
  u->timeout = g_timeout_add_seconds (unplug_timeout_seconds (), unplug_timed_out, u);
  if (!qd->unplugs)
    qd->unplugs = g_ptr_array_new ();
  g_ptr_array_add (qd->unplugs, u);
  qmp (task, "device_del", args_with ("id", p->id), -1, device_deleting);
}

static void
got_blocks (GTask *task, JsonNode *reply, GError *error)
{
  Plug *p = g_task_get_task_data (task);
  JsonArray *blocks = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;
  g_autofree char *prefix = g_strdup_printf ("/machine/peripheral/%s/", p->id);

  if (error)
    {
      fail (task, error);
      return;
    }
  g_clear_pointer (&p->node, g_free);
  for (guint i = 0; blocks && i < json_array_get_length (blocks); i++)
    {
      JsonObject *block = json_array_get_object_element (blocks, i);
      const char *qdev = vb_qmp_member_string (block, "qdev");
      const char *node =
        vb_qmp_member_string (vb_qmp_member_object (block, "inserted"), "node-name");

      if (qdev && node && (g_str_equal (qdev, p->id) || g_str_has_prefix (qdev, prefix)))
        p->node = g_strdup (node);
    }
  delete_device (task);
}

static void
got_netdev (GTask *task, JsonNode *reply, GError *error)
{
  Plug *p = g_task_get_task_data (task);

  if (error)
    {
      fail (task, error);
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
  Plug *p = g_task_get_task_data (task);
  JsonArray *nics = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;
  g_autofree char *path = NULL;
  JsonObject *args;

  if (error)
    {
      fail (task, error);
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
      fail (task, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                               "QEMU has no virtio NIC with MAC %s: only virtio interfaces can be "
                               "unplugged",
                               p->device->mac));
      return;
    }
  path = g_strdup_printf ("/machine/peripheral/%s", p->id);
  args = args_with ("path", path);
  json_object_set_string_member (args, "property", "netdev");
  qmp (task, "qom-get", args, -1, got_netdev);
}

void
vb_qemu_detach_device_async (VbDriverHost *host, VbDomain *domain, const VbDomainDevice *match,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  g_autoptr (VbDomainDevice) device = live ? vb_domain_def_find_device (live, match) : NULL;
  GError *error = NULL;
  Plug *p;

  if (!device)
    {
      g_autofree char *described = vb_domain_device_describe (match);

      fail (task, g_error_new (VB_ERROR, VB_ERROR_NOT_FOUND,
                               "the live definition of domain '%s' has no %s",
                               vb_resource_get_name (VB_RESOURCE (domain)), described));
      return;
    }
  p = plug_new (domain, device);
  g_task_set_task_data (task, p, (GDestroyNotify) plug_unref);
  if (!running (p, &error))
    {
      fail (task, error);
      return;
    }
  if (device->kind == VB_DEVICE_DISK)
    qmp (task, "query-block", NULL, -1, got_blocks);
  else
    qmp (task, "query-rx-filter", NULL, -1, got_nics);
}

gboolean
vb_qemu_detach_device_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
