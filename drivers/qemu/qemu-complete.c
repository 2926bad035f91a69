#include "qemu-complete.h"

#include <libxml/tree.h>
#include <string.h>

#include "qemu-pci-address.h"
#include "vb-error.h"
#include "xml-schema.h"

/* QEMU's own name for @machine, an alias such as "pc" or "q35" resolved. */
static const char *
canonical_machine (const VbQemuCaps *caps, const char *machine)
{
  for (guint i = 0; caps && i < caps->machines->len; i++)
    {
      const VbQemuMachine *known = caps->machines->pdata[i];

      if (g_strcmp0 (known->alias, machine) == 0)
        return known->name;
    }
  return machine;
}

/* Written out as libvirt writes its default CPU (qemuDomainDefSetDefaultCPU):
 * clients read <cpu mode=> (Cockpit shows "CPU type" from it). Without
 * <cpu> a TCG guest gets QEMU's qemu64, a KVM guest the host's CPU (-cpu
 * host, which is host-passthrough); a <cpu> without a mode is custom, and a
 * custom one without a model is qemu64 under TCG. */
void
vb_qemu_complete_cpu (xmlNode *root, gboolean kvm)
{
  xmlNode *cpu = vb_xml_child (root, "cpu");
  g_autofree char *mode = NULL;

  if (!cpu)
    {
      xmlNode *after = vb_xml_child (root, "features");

      cpu = vb_xml_insert_after (root, after ? after : vb_xml_child (root, "os"), "cpu", NULL);
      xmlSetProp (cpu, BAD_CAST "mode", BAD_CAST (kvm ? "host-passthrough" : "custom"));
      if (!kvm)
        xmlSetProp (cpu, BAD_CAST "match", BAD_CAST "exact");
      xmlSetProp (cpu, BAD_CAST "check", BAD_CAST "none");
      if (kvm)
        xmlSetProp (cpu, BAD_CAST "migratable", BAD_CAST "on");
    }
  mode = vb_xml_attr (cpu, "mode");
  if (!mode)
    {
      xmlSetProp (cpu, BAD_CAST "mode", BAD_CAST "custom");
      mode = g_strdup ("custom");
    }
  if (g_str_equal (mode, "custom") && !kvm && !vb_xml_child (cpu, "model"))
    {
      xmlNode *model = vb_xml_insert_after (cpu, NULL, "model", "qemu64");

      xmlSetProp (model, BAD_CAST "fallback", BAD_CAST "forbid");
    }
}

char *
vb_qemu_complete_xml (const VbDomainDef *def, const VbQemuCaps *caps, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", error);
  xmlNode *root, *os, *type, *devices;
  g_autofree char *machine = NULL;
  g_autofree char *arch = NULL;

  if (!doc)
    return NULL;
  root = xmlDocGetRootElement (doc);
  os = vb_xml_child (root, "os");
  if (!os)
    os = vb_xml_insert_after (root, vb_xml_child (root, "vcpu"), "os", NULL);
  type = vb_xml_child (os, "type");
  if (!type)
    type = vb_xml_insert_after (os, NULL, "type", "hvm");
  arch = vb_xml_attr (type, "arch");
  /* The probed binary's; validate refused any other it cannot run. */
  if (!arch)
    xmlSetProp (type, BAD_CAST "arch", BAD_CAST (caps && caps->arch ? caps->arch : "x86_64"));
  machine = vb_xml_attr (type, "machine");
  xmlSetProp (type, BAD_CAST "machine", BAD_CAST canonical_machine (caps, machine ? machine : "pc"));
  g_free (machine);
  machine = vb_xml_attr (type, "machine");

  vb_qemu_complete_cpu (root, g_strcmp0 (def->type, "kvm") == 0);
  vb_qemu_complete_dimm_sizes (root);

  devices = vb_xml_child (root, "devices");
  if (!devices)
    devices = xmlNewChild (root, NULL, BAD_CAST "devices", NULL);
  if (!vb_xml_child (devices, "emulator") && caps && caps->binary)
    vb_xml_insert_after (devices, NULL, "emulator", caps->binary);
  vb_qemu_complete_gl_display (devices);
  if (!vb_qemu_assign_addresses (devices, strstr (machine, "q35") != NULL, error))
    return NULL;
  return vb_xml_format (doc);
}
