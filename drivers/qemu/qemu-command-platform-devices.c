/* The command line of the devices that tie the guest to the host platform:
 * <vsock> (vhost-vsock), <iommu> with <features><ioapic>, and <shmem>
 * (ivshmem over a file of /dev/shm or an ivshmem server). */
#include "qemu-command-private.h"

/* ---- vsock ---- */

/* CIDs 0-2 are the hypervisor's, the reserved one and the host's. */
#define VSOCK_FIRST_CID 3u

gboolean
vb_qemu_build_vsock (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *model = vb_xml_attr (node, "model");
  xmlNode *cid = vb_xml_child (node, "cid");
  g_autofree char *address = cid ? vb_xml_attr (cid, "address") : NULL;
  guint64 guest_cid;
  g_autoptr (GString) out = g_string_new (NULL);

  /* 'virtio-transitional' is QEMU's plain vhost-vsock-pci, as 'virtio':
   * virtio-vsock came after virtio 1.0, so no guest has a legacy driver
   * for it and the virtio spec gives it no transitional PCI id; QEMU makes
   * vhost-vsock-pci modern-only (since 5.2), and has no
   * vhost-vsock-pci-transitional. Every guest with a vsock driver can use
   * the device this builds, which is what the model asks. */
  if (address && !vb_xml_attr_is (cid, "auto", "yes"))
    {
      guest_cid = g_ascii_strtoull (address, NULL, 10);
      if (guest_cid < VSOCK_FIRST_CID || guest_cid >= G_MAXUINT32)
        return refuse (error, cid, "a guest CID is from 3 to 4294967294");
    }
  else
    {
      /* auto: one of its own for each domain, from its UUID, written into the
       * live XML as libvirt does; a clash with another guest's shows as
       * QEMU's error at the start. */
      guest_cid = VSOCK_FIRST_CID
                  + g_ascii_strtoull (b->def->uuid, NULL, 16) % (G_MAXUINT32 - VSOCK_FIRST_CID);
      if (!cid)
        cid = xmlNewChild (node, NULL, BAD_CAST "cid", NULL);
      {
        g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, guest_cid);

        xmlSetProp (cid, BAD_CAST "auto", BAD_CAST "yes");
        xmlSetProp (cid, BAD_CAST "address", BAD_CAST text);
      }
    }
  /* The host's vhost-vsock module: known when the guest starts. */
  if (!b->context->dry_run && !host_has (b->context, "/dev/vhost-vsock"))
    return refuse (error, node, "the host has no /dev/vhost-vsock (modprobe vhost_vsock)");
  g_string_append_printf (out, "%s,guest-cid=%" G_GUINT64_FORMAT ",id=vsock0",
                          g_strcmp0 (model, "virtio-non-transitional") == 0
                            ? "vhost-vsock-pci-non-transitional"
                            : "vhost-vsock-pci",
                          guest_cid);
  if (!vb_qemu_virtio_options (node, out, error))
    return FALSE;
  return add_fixed_pci_device (b, node, "vsock0", out, error);
}

/* ---- IOMMU ---- */

/* The IOMMU must exist before the devices whose DMA it translates: its
 * -device goes before the first one. */
static void
insert_first_device (Builder *b, const char *device)
{
  GPtrArray *argv = b->command->argv;
  guint at = argv->len;

  /* After the PCI bridges, so the IOMMU may sit behind one: their own DMA
   * is not translated. */
  for (guint i = 0; i + 1 < argv->len; i++)
    if (g_str_equal (argv->pdata[i], "-device")
        && !g_str_has_prefix (argv->pdata[i + 1], "pcie-root-port,")
        && !g_str_has_prefix (argv->pdata[i + 1], "pci-bridge,"))
      {
        at = i;
        break;
      }
  g_ptr_array_insert (argv, (int) at, g_strdup (device));
  g_ptr_array_insert (argv, (int) at, g_strdup ("-device"));
}

static gboolean
intel_iommu (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *driver = vb_xml_child (node, "driver");
  xmlNode *ioapic = vb_xml_child (vb_xml_child (b->root, "features"), "ioapic");
  g_autoptr (GString) out = g_string_new ("intel-iommu,id=iommu0");
  static const struct {
    const char *attr, *property;
  } options[] = {
    { "intremap", "intremap" },  { "caching_mode", "caching-mode" },       { "eim", "eim" },
    { "iotlb", "device-iotlb" }, { "dma_translation", "dma-translation" },
  };

  if (!b->command->q35)
    return refuse (error, node, "the intel IOMMU needs a q35 machine");
  if (vb_xml_child (driver, "granule"))
    return refuse (error, vb_xml_child (driver, "granule"), "a granule is the virtio IOMMU's");
  if (vb_xml_attr_is (driver, "intremap", "on") && !vb_xml_attr_is (ioapic, "driver", "qemu"))
    return refuse (error, driver,
                   "interrupt remapping needs <features><ioapic driver='qemu'/></features>");
  if (vb_xml_attr_is (driver, "eim", "on") && !b->context->kvm)
    return refuse (error, driver,
                   "eim='on' needs KVM (a split irqchip); this domain runs under "
                   "TCG");
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    {
      g_autofree char *value = driver ? vb_xml_attr (driver, options[i].attr) : NULL;

      if (value)
        vb_qemu_opt (out, options[i].property, value);
    }
  if (driver && xmlHasProp (driver, BAD_CAST "aw_bits"))
    {
      guint bits = vb_xml_attr_uint (driver, "aw_bits", 0);

      if (bits != 39 && bits != 48)
        return refuse (error, driver, "aw_bits is 39 or 48 in QEMU 7.2");
      g_string_append_printf (out, ",aw-bits=%u", bits);
    }
  if (vb_xml_child (node, "address"))
    return refuse (error, vb_xml_child (node, "address"), "the intel IOMMU has no address");
  if (!fixed_id (node, "iommu0", error))
    return FALSE;
  insert_first_device (b, out->str);
  return TRUE;
}

/* The slot QEMU 7.2's amd-iommu gives its PCI function: it has no address
 * option, and takes the first free slot of the root bus when it is
 * created, which is after the bridges and before every other device
 * (insert_first_device()). So it is the first slot neither the machine's
 * own functions (the host bridge, q35's 0x1f) nor a bridge has. */
static guint
amd_iommu_slot (Builder *b)
{
  for (guint slot = 1; slot < 0x1f; slot++)
    {
      gboolean taken = FALSE;

      for (xmlNode *c = vb_xml_child (b->devices, "controller"); c && !taken;
           c = vb_xml_next (c, "controller"))
        {
          xmlNode *address = vb_xml_child (c, "address");

          taken = vb_xml_attr_is (c, "type", "pci") && address
                  && vb_xml_attr_uint (address, "bus", 0) == 0
                  && vb_xml_attr_uint (address, "slot", 0) == slot;
        }
      if (!taken)
        return slot;
    }
  return 0x1f;
}

static gboolean
amd_iommu (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *driver = vb_xml_child (node, "driver");
  xmlNode *address = vb_xml_child (node, "address");
  xmlNode *ioapic = vb_xml_child (vb_xml_child (b->root, "features"), "ioapic");
  g_autoptr (GString) out = g_string_new ("amd-iommu,id=iommu0");
  guint slot = amd_iommu_slot (b);

  if (!b->command->q35)
    return refuse (error, node, "the amd IOMMU needs a q35 machine");
  for (const char *const *attr = (const char *const[]){ "caching_mode", "eim", "aw_bits",
                                                        "dma_translation", NULL };
       *attr; attr++)
    if (driver && xmlHasProp (driver, BAD_CAST * attr))
      return refuse (error, driver, "%s is the intel IOMMU's", *attr);
  if (vb_xml_child (driver, "granule"))
    return refuse (error, vb_xml_child (driver, "granule"), "a granule is the virtio IOMMU's");
  if (vb_xml_attr_is (driver, "intremap", "on") && !vb_xml_attr_is (ioapic, "driver", "qemu"))
    return refuse (error, driver,
                   "interrupt remapping needs <features><ioapic driver='qemu'/></features>");
  /* Its <address> says where the guest finds it; QEMU takes no address,
   * so the definition must name the slot QEMU picks. */
  if (!address || !vb_xml_attr_is (address, "type", "pci")
      || vb_xml_attr_uint (address, "bus", 0) != 0 || vb_xml_attr_uint (address, "slot", 0) != slot
      || vb_xml_attr_uint (address, "function", 0) != 0)
    return refuse (error, address ? address : node,
                   "the amd IOMMU's PCI function is where QEMU puts it, the first free slot of "
                   "the root bus: <address type='pci' domain='0x0000' bus='0x00' slot='0x%02x' "
                   "function='0x0'/>",
                   slot);
  if (driver && xmlHasProp (driver, BAD_CAST "intremap"))
    {
      g_autofree char *value = vb_xml_attr (driver, "intremap");

      vb_qemu_opt (out, "intremap", value);
    }
  if (vb_xml_attr_is (driver, "iotlb", "on"))
    g_string_append (out, ",device-iotlb=on");
  if (!fixed_id (node, "iommu0", error))
    return FALSE;
  insert_first_device (b, out->str);
  return TRUE;
}

gboolean
vb_qemu_build_iommu (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *model = vb_xml_attr (node, "model");

  if (g_str_equal (model, "intel"))
    return intel_iommu (b, node, error);
  if (g_str_equal (model, "virtio"))
    {
      g_autoptr (GString) out = g_string_new ("virtio-iommu-pci,id=iommu0");

      xmlNode *driver = vb_xml_child (node, "driver");

      /* Of <driver>, only the granule (QEMU 9.0) is the virtio IOMMU's. */
      if (driver && driver->properties)
        return refuse (error, driver, "these options are the intel IOMMU's");
      if (vb_xml_child (driver, "granule")
          && !vb_qemu_virtio_iommu_granule (b, vb_xml_child (driver, "granule"), out, error))
        return FALSE;
      /* QEMU plugs the virtio IOMMU on the root bus only. */
      if (vb_xml_attr_uint (vb_xml_child (node, "address"), "bus", 0) != 0)
        return refuse (error, vb_xml_child (node, "address"),
                       "the virtio IOMMU is an integrated device: its address is on bus 0");
      if (!fixed_id (node, "iommu0", error) || !pci_address (b, node, out, error))
        return FALSE;
      insert_first_device (b, out->str);
      return TRUE;
    }
  if (g_str_equal (model, "smmuv3"))
    return refuse (error, node, "smmuv3 is an Arm IOMMU; this host runs x86_64 guests");
  if (g_str_equal (model, "amd"))
    return amd_iommu (b, node, error);
  return refuse (error, node, "IOMMU model '%s' is not supported (intel or virtio)", model);
}

/* ---- shared memory ---- */

#define SHMEM_DEFAULT_SIZE (4u << 20)

gboolean
vb_qemu_build_shmem (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *name = vb_xml_attr (node, "name");
  g_autofree char *model = child_attr (node, "model", "type");
  g_autofree char *role = vb_xml_attr (node, "role");
  xmlNode *size_node = vb_xml_child (node, "size");
  xmlNode *server = vb_xml_child (node, "server");
  xmlNode *msi = vb_xml_child (node, "msi");
  guint index = b->shmems++;
  g_autofree char *id = g_strdup_printf ("shmem%u", index);
  g_autoptr (GString) out = g_string_new (NULL);
  guint64 size = SHMEM_DEFAULT_SIZE;

  /* The name is a file of /dev/shm (or a socket's name): a plain word. */
  if (!vb_qemu_plain_word (name, NULL) || name[0] == '.')
    return refuse (error, node, "shmem name '%s' is not letters, digits, '.', '_' and '-'", name);
  if (!model)
    model = g_strdup ("ivshmem-plain");
  if (g_str_equal (model, "ivshmem"))
    return refuse (error, vb_xml_child (node, "model"),
                   "model 'ivshmem' is not in QEMU 7.2: use ivshmem-plain or ivshmem-doorbell");
  if (g_str_equal (model, "ivshmem-plain"))
    {
      g_autoptr (GString) object = g_string_new (NULL);
      g_autofree char *file = g_strdup_printf ("/dev/shm/%s", name);

      /* As libvirt reads it: bytes without a unit. */
      if (size_node && !vb_xml_scaled_bytes (size_node, "b", &size, error))
        return FALSE;
      if (size < 4096 || (size & (size - 1)))
        return refuse (error, size_node ? size_node : node,
                       "a shared memory's size is a power of two of 4 KiB or more");
      if (server || msi)
        return refuse (error, server ? server : msi, "<server> and <msi> are for ivshmem-doorbell");
      g_string_append_printf (object, "memory-backend-file,id=shmmem-%s", id);
      vb_qemu_opt (object, "mem-path", file);
      g_string_append_printf (object, ",size=%" G_GUINT64_FORMAT ",share=on", size);
      add2 (b, "-object", object->str);
      g_string_append_printf (out, "ivshmem-plain,id=%s,memdev=shmmem-%s", id, id);
    }
  else
    {
      g_autofree char *path = server ? vb_xml_attr (server, "path") : NULL;
      g_autoptr (GString) chardev = g_string_new (NULL);

      /* The server hands out the memory and its size. */
      if (size_node)
        return refuse (error, size_node, "an ivshmem-doorbell's size is its server's");
      if (!server)
        return refuse (error, node, "ivshmem-doorbell needs a <server>");
      if (msi && vb_xml_attr_is (msi, "enabled", "no"))
        return refuse (error, msi, "ivshmem-doorbell interrupts are MSI");
      if (!path)
        {
          g_autofree char *sock = g_strdup_printf ("shmem-%s.sock", name);

          path = runtime_path (b, sock);
        }
      g_string_append_printf (chardev, "socket,id=char%s", id);
      vb_qemu_opt (chardev, "path", path);
      add2 (b, "-chardev", chardev->str);
      g_string_append_printf (out, "ivshmem-doorbell,id=%s,chardev=char%s", id, id);
      if (msi && xmlHasProp (msi, BAD_CAST "vectors"))
        g_string_append_printf (out, ",vectors=%u", vb_xml_attr_uint (msi, "vectors", 1));
      if (msi && xmlHasProp (msi, BAD_CAST "ioeventfd"))
        g_string_append_printf (out, ",ioeventfd=%s",
                                vb_xml_attr_is (msi, "ioeventfd", "on") ? "on" : "off");
    }
  /* The master keeps the memory across migration; peers take it anew. */
  if (role)
    g_string_append_printf (out, ",master=%s", g_str_equal (role, "master") ? "on" : "off");
  return add_fixed_pci_device (b, node, id, out, error);
}
