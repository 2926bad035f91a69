/* Plugging a <memory model='dimm'> into a running guest: its memory backend
 * (object-add, the properties the command line gives one: qemu-command-
 * memory.c), then the pc-dimm (device_add) in the first free slot; the live
 * XML gets its alias and slot, and <memory> grows by its size. */
#include "qemu-hotplug-memory.h"

#include "qemu-command.h"
#include "vb-error.h"
#include "vb-log.h"
#include "xml-schema.h"

typedef struct {
  guint slot;
  gboolean backend_added;
} MemoryPlug;

static MemoryPlug *
memory_plug (GTask *task)
{
  return g_object_get_data (G_OBJECT (task), "vb-memory-plug");
}

static char *
backend_id (VbQemuPlug *p)
{
  return g_strconcat ("mem", p->id, NULL);
}

static void
dimm_added (GTask *task, JsonNode *reply, GError *error)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  MemoryPlug *m = memory_plug (task);
  xmlNode *root = xmlDocGetRootElement (p->doc);
  g_autoptr (VbDomainDevice) placed = g_new0 (VbDomainDevice, 1);
  g_autofree char *slot = g_strdup_printf ("%u", m->slot);
  g_autoptr (GError) live_error = NULL;
  QemuDomain *qd;
  xmlNode *address;
  VbDomainDef *def;

  if (error)
    {
      g_autofree char *id = backend_id (p);

      if ((qd = vb_qemu_plug_running (p, NULL)))
        vb_qemu_execute_logged (qd, "object-del", vb_qemu_plug_args ("id", id));
      g_prefix_error (&error, "QEMU refused to plug in the memory device: ");
      vb_qemu_plug_fail (task, error);
      return;
    }
  qd = vb_qemu_plug_running (p, &error);
  if (!qd)
    {
      vb_qemu_plug_fail (task, error);
      return;
    }
  /* Where the command line's DIMMs show it: their alias and slot. */
  if (!vb_xml_child (root, "alias"))
    xmlSetProp (xmlNewChild (root, NULL, BAD_CAST "alias", NULL), BAD_CAST "name", BAD_CAST p->id);
  vb_xml_remove_children (root, "address");
  address = xmlNewChild (root, NULL, BAD_CAST "address", NULL);
  xmlSetProp (address, BAD_CAST "type", BAD_CAST "dimm");
  xmlSetProp (address, BAD_CAST "slot", BAD_CAST slot);
  placed->kind = VB_DEVICE_MEMORY;
  placed->xml = vb_xml_format (p->doc);
  placed->alias = g_strdup (p->id);
  placed->memory_kib = p->device->memory_kib;
  placed->memory_node = p->device->memory_node;
  def = vb_domain_def_add_device (vb_domain_get_live_def (p->domain), placed, &live_error);
  if (def)
    vb_qemu_plug_set_live_def (qd, def);
  else
    vb_log_warning (vb_qemu_log_name (p->domain), "the live XML misses a plugged DIMM: %s",
                    live_error->message);
  vb_log_info (vb_qemu_log_name (p->domain), "plugged in %s in DIMM slot %u", p->id, m->slot);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
backend_added (GTask *task, JsonNode *reply, GError *error)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  MemoryPlug *m = memory_plug (task);
  g_autofree char *backend = backend_id (p);
  g_autofree char *slot = g_strdup_printf ("%u", m->slot);
  xmlNode *target_node =
    vb_xml_child (vb_xml_child (xmlDocGetRootElement (p->doc), "target"), "node");
  g_autofree char *node = target_node ? vb_xml_text (target_node) : g_strdup ("0");
  JsonObject *args;

  if (error)
    {
      g_prefix_error (&error, "QEMU refused the memory of the device: ");
      vb_qemu_plug_fail (task, error);
      return;
    }
  m->backend_added = TRUE;
  args = vb_qemu_plug_args ("driver", "pc-dimm");
  json_object_set_string_member (args, "id", p->id);
  json_object_set_string_member (args, "memdev", backend);
  json_object_set_int_member (args, "node", g_ascii_strtoll (node, NULL, 10));
  json_object_set_int_member (args, "slot", m->slot);
  vb_qemu_plug_qmp (task, "device_add", args, -1, dimm_added);
}

/* "dimm<N>", the first the live definition does not use. */
static char *
free_dimm_id (xmlNode *devices)
{
  for (guint n = 0;; n++)
    {
      g_autofree char *id = g_strdup_printf ("dimm%u", n);
      gboolean used = FALSE;

      for (xmlNode *child = devices ? devices->children : NULL; child && !used; child = child->next)
        {
          xmlNode *alias = child->type == XML_ELEMENT_NODE ? vb_xml_child (child, "alias") : NULL;
          g_autofree char *name = alias ? vb_xml_attr (alias, "name") : NULL;

          used = g_strcmp0 (name, id) == 0;
        }
      if (!used)
        return g_steal_pointer (&id);
    }
}

void
vb_qemu_plug_memory (GTask *task)
{
  VbQemuPlug *p = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (p->domain);
  g_autoptr (xmlDoc) live = vb_xml_parse (vb_domain_get_live_def (p->domain)->xml, "domain", NULL);
  xmlNode *root = live ? xmlDocGetRootElement (live) : NULL;
  xmlNode *devices = vb_xml_child (root, "devices");
  xmlNode *max = vb_xml_child (root, "maxMemory");
  xmlNode *dimm = xmlDocGetRootElement (p->doc);
  VbQemuCommandContext context = { 0 };
  MemoryPlug *m = g_new0 (MemoryPlug, 1);
  GError *error = NULL;
  JsonObject *props;

  g_object_set_data_full (G_OBJECT (task), "vb-memory-plug", m, g_free);
  if (!root)
    {
      vb_qemu_plug_fail (task, g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                            "the live definition cannot be read"));
      return;
    }
  /* QEMU plugs NVDIMMs only into a machine started with nvdimm=on, and the
   * guest finds them in ACPI's NFIT: not supported, as a cold-plugged one is. */
  if (vb_xml_attr_is (dimm, "model", "sgx-epc"))
    {
      vb_qemu_plug_fail (task, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                            "an SGX EPC section is given to a guest when it "
                                            "starts, not plugged into a running one"));
      return;
    }
  if (vb_xml_attr_is (dimm, "model", "nvdimm"))
    {
      vb_qemu_plug_fail (task, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                            "an NVDIMM is given to a guest when it starts, "
                                            "not plugged into a running one"));
      return;
    }
  /* virtio-mem and virtio-pmem are not plugged live here (that would be a
   * backend and a PCI device together, on a free slot): a virtio-mem's own
   * way to change a running guest's memory is its requested size, within
   * the size it started with. */
  if (vb_xml_attr_is (dimm, "model", "virtio-mem") || vb_xml_attr_is (dimm, "model", "virtio-pmem"))
    {
      vb_qemu_plug_fail (task, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                            "a %s device is given to a guest when it starts, "
                                            "not plugged into a running one",
                                            vb_xml_attr_is (dimm, "model", "virtio-mem")
                                              ? "virtio-mem"
                                              : "virtio-pmem"));
      return;
    }
  if (!p->id)
    p->id = free_dimm_id (devices);
  m->slot = vb_qemu_dimm_slot (devices, dimm);
  if (m->slot >= vb_xml_attr_uint (max, "slots", 0))
    {
      vb_qemu_plug_fail (task, g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                                            "no free DIMM slot: <maxMemory slots='%u'>",
                                            vb_xml_attr_uint (max, "slots", 0)));
      return;
    }
  vb_qemu_context_resolvers (&context);
  context.domain_dir = qd->dir;
  context.numad_nodes = qd->status ? qd->status->numad_nodes : NULL;
  props = vb_qemu_dimm_backend (root, dimm, p->id, &context, &error);
  if (!props)
    {
      vb_qemu_plug_fail (task, error);
      return;
    }
  vb_qemu_plug_qmp (task, "object-add", props, -1, backend_added);
}
