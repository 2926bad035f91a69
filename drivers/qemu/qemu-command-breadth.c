/* Elements of libvirt's domain schema found missing by comparing it with
 * virtbus's rule table (docs/xml-subset.md, "Schema breadth"): the PCI root
 * bus's <pcihole64> and the <crypto> device (virtio-crypto). */
#include "qemu-command-private.h"
#include "domain-numa.h"

/* <controller type='pci' model='pci-root|pcie-root'><pcihole64 unit=…>N
 * </pcihole64>: the size of the root bus's 64-bit memory window, a property
 * of the machine's PCI host bridge (i440FX-pcihost on pc, q35-pcihost on
 * q35); 0 leaves the guest no such window. Any other controller has none. */
gboolean
vb_qemu_build_pcihole64 (Builder *b, xmlNode *controller, GError **error)
{
  xmlNode *hole = vb_xml_child (controller, "pcihole64");
  g_autofree char *model = vb_xml_attr (controller, "model");
  guint64 bytes = 0;

  if (!hole)
    return TRUE;
  if (!vb_xml_attr_is (controller, "type", "pci")
      || (model && !g_str_equal (model, "pci-root") && !g_str_equal (model, "pcie-root")))
    return refuse (error, hole, "<pcihole64> is the PCI root bus's (model pci-root or pcie-root)");
  if (!vb_xml_scaled_bytes (hole, "KiB", &bytes, error))
    return FALSE;
  /* QEMU takes a size suffix; libvirt's unit is KiB, so is the option's. */
  if (bytes % 1024 != 0)
    return refuse (error, hole, "<pcihole64> is a whole number of KiB");
  add (b, "-global");
  addf (b, "%s.pci-hole64-size=%" G_GUINT64_FORMAT "K",
        b->command->q35 ? "q35-pcihost" : "i440FX-pcihost", bytes / 1024);
  return TRUE;
}

/* The how-manieth <crypto> @node is (from 0), for its ids. */
static guint
crypto_index (xmlNode *node)
{
  guint index = 0;

  for (xmlNode *n = node->prev; n; n = n->prev)
    if (n->type == XML_ELEMENT_NODE && g_str_equal ((const char *) n->name, "crypto"))
      index++;
  return index;
}

/* <crypto model='virtio' type='qemu'><backend model='builtin|lkcf'
 * queues='N'/></crypto>: a virtio-crypto-pci device on a cryptodev backend
 * object: QEMU's own ciphers (builtin) or the host kernel's (lkcf, through
 * keyutils, which QEMU builds only with libkeyutils: Debian's QEMU 7.2 has
 * no cryptodev-backend-lkcf, and virtbus does not probe QEMU's object types,
 * so Start refuses it). */
gboolean
vb_qemu_build_crypto (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *backend = vb_xml_child (node, "backend");
  g_autofree char *backend_model = backend ? vb_xml_attr (backend, "model") : NULL;
  guint index = crypto_index (node);
  g_autofree char *id = device_id (node, g_strdup_printf ("crypto%u", index));
  g_autofree char *object_id = g_strdup_printf ("objcrypto%u", index);
  g_autoptr (GString) object = g_string_new (NULL);
  g_autoptr (GString) device = g_string_new ("virtio-crypto-pci");

  if (!vb_xml_attr_is (node, "model", "virtio") || !vb_xml_attr_is (node, "type", "qemu"))
    return refuse (error, node, "a crypto device is model='virtio' type='qemu'");
  if (!backend_model)
    return refuse (error, node, "a crypto device needs <backend model='builtin|lkcf'>");
  if (g_str_equal (backend_model, "lkcf") && !b->context->dry_run)
    return refuse (error, backend,
                   "crypto backend 'lkcf' needs QEMU's cryptodev-backend-lkcf, which QEMU has only "
                   "when built with libkeyutils (Debian's QEMU 7.2 is not): use model='builtin'");
  g_string_append_printf (object, "cryptodev-backend-%s", backend_model);
  vb_qemu_opt (object, "id", object_id);
  if (xmlHasProp (backend, BAD_CAST "queues"))
    {
      guint queues = vb_xml_attr_uint (backend, "queues", 0);

      /* virtio-crypto's limit (VIRTIO_QUEUE_MAX - 1 data queues). */
      if (queues == 0 || queues > 1023)
        return refuse (error, backend, "a crypto backend has 1 to 1023 queues, not %u", queues);
      /* QEMU refuses more: its builtin backend serves one queue. */
      if (queues > 1 && g_str_equal (backend_model, "builtin"))
        return refuse (error, backend, "QEMU's builtin crypto backend has one queue, not %u",
                       queues);
      g_string_append_printf (object, ",queues=%u", queues);
    }
  add2 (b, "-object", object->str);
  vb_qemu_opt (device, "cryptodev", object_id);
  vb_qemu_opt (device, "id", id);
  if (!vb_qemu_virtio_options (node, device, error) || !pci_address (b, node, device, error))
    return FALSE;
  add2 (b, "-device", device->str);
  return TRUE;
}

/* <interface><port isolated='yes|no'/>: on a tap the service puts on a
 * Linux bridge (types bridge and network), whether the bridge port is
 * isolated, set at Start (qemu-tap-isolated.c). Anywhere else there is no
 * such port of the service's: an Open vSwitch port, a tap on no bridge
 * (ethernet), the host's own tap, or no tap at all. */
gboolean
vb_qemu_interface_port (xmlNode *iface, VbQemuTap *tap, GError **error)
{
  xmlNode *port = vb_xml_child (iface, "port");

  if (!port)
    return TRUE;
  if (!tap || !tap->bridge || tap->existing || tap->ovs)
    return refuse (error, port,
                   "<port isolated> is a Linux bridge port's: a tap the service puts on a bridge "
                   "(type bridge or network, without Open vSwitch)");
  tap->isolated = vb_xml_attr_is (port, "isolated", "yes");
  return TRUE;
}

/* <filesystem><driver type='virtiofs'/><source socket='…'/>: a virtiofsd the
 * host runs itself (not the service), listening on that socket: QEMU's
 * vhost-user-fs-pci connects to it. What virtiofsd shares and how is its
 * own command line's, so nothing of the service's virtiofsd applies. */
gboolean
vb_qemu_build_virtiofs_socket (Builder *b, xmlNode *node, const char *files, GError **error)
{
  static const char *const not_here[] = { "binary", "idmap", "readonly" };
  xmlNode *source = vb_xml_child (node, "source");
  xmlNode *driver = vb_xml_child (node, "driver");
  g_autofree char *socket_path = vb_xml_attr (source, "socket");
  g_autofree char *tag = child_attr (node, "target", "dir");
  g_autofree char *accessmode = vb_xml_attr (node, "accessmode");
  g_autofree char *id = device_id (node, g_strdup (files));

  if (!vb_xml_attr_is (driver, "type", "virtiofs"))
    return refuse (error, source,
                   "<source socket> is the socket of a virtiofsd: <driver type='virtiofs'>");
  if (xmlHasProp (source, BAD_CAST "dir"))
    return refuse (error, source,
                   "a share is a <source dir> the service's virtiofsd serves or the <source "
                   "socket> of one the host runs, not both");
  if (!socket_path || socket_path[0] != '/')
    return refuse (error, source, "<source socket> is an absolute path");
  for (guint i = 0; i < G_N_ELEMENTS (not_here); i++)
    if (vb_xml_child (node, not_here[i]))
      return refuse (error, vb_xml_child (node, not_here[i]),
                     "<%s> is for a virtiofsd the service runs: one on <source socket> has its "
                     "own command line",
                     not_here[i]);
  if (accessmode && !g_str_equal (accessmode, "passthrough"))
    return refuse (error, node, "virtiofs supports only accessmode 'passthrough', not '%s'",
                   accessmode);
  if (vb_xml_attr_is (node, "model", "virtio-transitional"))
    return refuse (error, node, "vhost-user-fs has no transitional model");
  if (!tag || !*tag)
    return refuse (error, node, "a shared directory needs <target dir> (the guest's mount tag)");
  if (!vb_qemu_shared_memory (b))
    return refuse (error, driver,
                   "virtiofs needs the guest's memory shared with virtiofsd: "
                   "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking> "
                   "(or a file, huge pages, or memAccess='shared' on every NUMA cell)");
  if (!b->context->dry_run && !host_has (b->context, socket_path))
    return refuse (error, source, "no virtiofsd listens on %s: that socket does not exist",
                   socket_path);
  return vb_qemu_vhost_user_fs (b, node, id, tag, socket_path, error);
}

/* The <target> of the PCI root bus: hotplug='on|off' is whether the guest's
 * ACPI tables offer hotplug on pc's root bus (PIIX4_PM's
 * acpi-root-pci-hotplug); q35's root bus (pcie-root) takes no hotplug
 * itself, its root ports do. Nothing else of a <target> applies to a root
 * bus. */
gboolean
vb_qemu_build_root_bus_target (Builder *b, xmlNode *controller, GError **error)
{
  static const char *const not_root[] = { "chassisNr", "chassis", "port", "busNr", "memReserve" };
  xmlNode *target = vb_xml_child (controller, "target");
  g_autofree char *hotplug = target ? vb_xml_attr (target, "hotplug") : NULL;

  if (!target)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (not_root); i++)
    if (xmlHasProp (target, BAD_CAST not_root[i]))
      return refuse (error, target, "%s is not for the PCI root bus", not_root[i]);
  if (vb_xml_child (target, "node"))
    return refuse (error, target, "<node> is for expander buses, not the PCI root bus");
  if (!hotplug)
    return TRUE;
  if (b->command->q35)
    return refuse (error, target,
                   "hotplug on q35's root bus (pcie-root) is not a setting: devices plug into "
                   "its root ports (<target hotplug> of a pcie-root-port)");
  add (b, "-global");
  addf (b, "PIIX4_PM.acpi-root-pci-hotplug=%s", g_str_equal (hotplug, "on") ? "on" : "off");
  return TRUE;
}

/* ---- <memory model='sgx-epc'>: an SGX enclave page cache section ---- */

/* The how-manieth sgx-epc memory device @memory is (from 0). */
static guint
sgx_index (xmlNode *memory)
{
  guint index = 0;

  for (xmlNode *n = memory->prev; n; n = n->prev)
    if (n->type == XML_ELEMENT_NODE && g_str_equal ((const char *) n->name, "memory")
        && vb_xml_attr_is (n, "model", "sgx-epc"))
      index++;
  return index;
}

/* The guest NUMA node of @memory's section: <target><node>, else 0. */
static gboolean
sgx_node (xmlNode *memory, guint64 *node, GError **error)
{
  xmlNode *target_node = vb_xml_child (vb_xml_child (memory, "target"), "node");
  g_autofree char *text = target_node ? vb_xml_text (target_node) : NULL;

  *node = 0;
  if (text && !vb_xml_parse_unsigned (text, 10, G_MAXUINT16, node))
    return refuse (error, target_node, "'%s' is not a guest NUMA node", text);
  return TRUE;
}

/* The machine's sgx-epc.N.memdev and .node of every section. */
gboolean
vb_qemu_sgx_machine_opts (Builder *b, GString *opts, GError **error)
{
  for (xmlNode *m = vb_xml_child (b->devices, "memory"); m; m = vb_xml_next (m, "memory"))
    {
      guint index;
      guint64 node;

      if (!vb_xml_attr_is (m, "model", "sgx-epc"))
        continue;
      index = sgx_index (m);
      if (!sgx_node (m, &node, error))
        return FALSE;
      g_string_append_printf (opts,
                              ",sgx-epc.%u.memdev=memepc%u,sgx-epc.%u.node=%" G_GUINT64_FORMAT,
                              index, index, index, node);
    }
  return TRUE;
}

/* Its backend: memory-backend-epc (the host's /dev/sgx_vepc), preallocated
 * as QEMU needs it, bound to <source><nodemask>'s host nodes. What a
 * section cannot have is refused: it is no DIMM (no address, no file, no
 * hotplug). At Start the host must have SGX for KVM. */
gboolean
vb_qemu_build_sgx_epc (Builder *b, xmlNode *memory, GError **error)
{
  static const char *const not_epc[] = { "path", "pagesize", "alignsize", "pmem" };
  xmlNode *source = vb_xml_child (memory, "source");
  xmlNode *target = vb_xml_child (memory, "target");
  xmlNode *nodemask = vb_xml_child (source, "nodemask");
  guint index = sgx_index (memory);
  guint64 kib = vb_domain_memory_device_kib (memory);
  g_autoptr (GString) object = g_string_new (NULL);

  if (vb_xml_child (memory, "address"))
    return refuse (error, vb_xml_child (memory, "address"),
                   "an SGX EPC section has no address: QEMU places it");
  for (guint i = 0; i < G_N_ELEMENTS (not_epc); i++)
    if (vb_xml_child (source, not_epc[i]))
      return refuse (error, vb_xml_child (source, not_epc[i]),
                     "<%s> is not an SGX EPC section's (its memory is the host's EPC)", not_epc[i]);
  if (vb_xml_child (target, "label") || vb_xml_child (target, "readonly")
      || xmlHasProp (memory, BAD_CAST "access") || xmlHasProp (memory, BAD_CAST "discard"))
    return refuse (error, memory,
                   "access, discard, <label> and <readonly> are not an SGX EPC section's");
  if (kib == 0 || kib % 4 != 0)
    return refuse (error, target, "an SGX EPC section is a whole number of 4 KiB pages");
  if (!b->context->dry_run && !b->context->kvm)
    return refuse (error, memory,
                   "SGX EPC needs KVM (the host CPU's SGX); this domain runs "
                   "under TCG");
  if (!b->context->dry_run && !host_has (b->context, "/dev/sgx_vepc"))
    return refuse (error, memory,
                   "SGX EPC needs the host's /dev/sgx_vepc (an SGX-capable CPU and the "
                   "kernel's sgx driver), which this host has not");
  g_string_append_printf (object,
                          "memory-backend-epc,id=memepc%u,prealloc=on,size=%" G_GUINT64_FORMAT,
                          index, kib * 1024);
  if (nodemask)
    {
      g_autofree char *text = vb_xml_text (nodemask);
      g_autoptr (GArray) nodes =
        vb_domain_numa_parse_set (nodemask, "nodemask", text, G_MAXUINT16, error);

      if (!nodes)
        return FALSE;
      for (guint i = 0; i < nodes->len; i++)
        {
          guint node = g_array_index (nodes, guint, i);
          g_autofree char *sys = g_strdup_printf ("/sys/devices/system/node/node%u", node);

          if (!b->context->dry_run && !host_has (b->context, sys))
            return refuse (error, nodemask, "the host has no NUMA node %u", node);
          g_string_append_printf (object, ",host-nodes=%u", node);
        }
      g_string_append (object, ",policy=bind");
    }
  add2 (b, "-object", object->str);
  return TRUE;
}
