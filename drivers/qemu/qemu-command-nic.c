/* The guest side of an <interface>: the NIC model's -device and what
 * <driver>, <mtu>, <rom>, <coalesce> and <bandwidth> make of it. */
#include "qemu-command-private.h"
#include "qemu-tap.h"

static const struct {
  const char *model;
  const char *device;
} nic_models[] = {
  { "virtio", "virtio-net-pci" },
  { "virtio-transitional", "virtio-net-pci-transitional" },
  { "virtio-non-transitional", "virtio-net-pci-non-transitional" },
  { "e1000", "e1000" },
  { "e1000e", "e1000e" },
  { "rtl8139", "rtl8139" },
  { "ne2k_pci", "ne2k_pci" },
  { "pcnet", "pcnet" },
  { "vmxnet3", "vmxnet3" },
  { "usb-net", "usb-net" },
};

const char *
vb_qemu_nic_device (xmlNode *iface, GError **error)
{
  xmlNode *model = vb_xml_child (iface, "model");
  g_autofree char *name = model ? vb_xml_attr (model, "type") : g_strdup ("virtio");

  for (guint i = 0; i < G_N_ELEMENTS (nic_models); i++)
    if (g_str_equal (name, nic_models[i].model))
      return nic_models[i].device;
  if (g_str_equal (name, "igb"))
    refuse (error, model, "NIC model 'igb' is not in QEMU 7.2 (it came in 8.0): use e1000e");
  else
    refuse (error, model, "NIC model '%s' is not supported", name);
  return NULL;
}

/* <driver><host>/<guest> offloads, each one a virtio-net property. */
static const struct {
  const char *element, *attr, *property;
} offloads[] = {
  { "host", "csum", "csum" },           { "host", "gso", "gso" },
  { "host", "tso4", "host_tso4" },      { "host", "tso6", "host_tso6" },
  { "host", "ecn", "host_ecn" },        { "host", "ufo", "host_ufo" },
  { "host", "mrg_rxbuf", "mrg_rxbuf" }, { "guest", "csum", "guest_csum" },
  { "guest", "tso4", "guest_tso4" },    { "guest", "tso6", "guest_tso6" },
  { "guest", "ecn", "guest_ecn" },      { "guest", "ufo", "guest_ufo" },
};

/* QEMU takes a power of two between 256 and 1024 (VIRTQUEUE_MAX_SIZE). */
static gboolean
queue_size (xmlNode *driver, const char *attr, guint max, GString *out, GError **error)
{
  g_autofree char *text = vb_xml_attr (driver, attr);
  guint size = vb_xml_attr_uint (driver, attr, 0);

  if (!text)
    return TRUE;
  if (size < 256 || size > max || (size & (size - 1)))
    return refuse (error, driver, "%s='%s' must be a power of two from 256 to %u", attr, text, max);
  g_string_append_printf (out, ",%s=%u", attr, size);
  return TRUE;
}

static gboolean
virtio_driver (Builder *b, xmlNode *iface, xmlNode *driver, gboolean tap, GString *out,
               GError **error)
{
  g_autofree char *txmode = vb_xml_attr (driver, "txmode");
  g_autofree char *event_idx = vb_xml_attr (driver, "event_idx");
  gboolean vhost_user =
    vb_xml_attr_is (iface, "type", "vhostuser") || vb_xml_attr_is (iface, "type", "vdpa");
  guint queues = vb_xml_attr_uint (driver, "queues", 1);

  if (!driver)
    return TRUE;
  if (queues > 1)
    {
      if (!vhost_user && !tap)
        return refuse (error, driver,
                       "multiqueue (queues > 1) needs a tap (types bridge, network, ethernet, "
                       "direct), vhostuser or vdpa interface: QEMU's user network and sockets "
                       "have one queue");
      /* The service opens the tap (or macvtap) once per queue (qemu-host.c);
       * the kernel's limit is the same for both. */
      if (tap && queues > VB_TAP_MAX_QUEUES)
        return refuse (error, driver, "a tap has at most %u queues (the kernel's limit), not %u",
                       VB_TAP_MAX_QUEUES, queues);
      /* One vector per queue each way, one for the control queue and one
       * for configuration changes, as libvirt gives. */
      g_string_append_printf (out, ",mq=on,vectors=%u", 2 * queues + 2);
    }
  if (txmode)
    g_string_append_printf (out, ",tx=%s", g_str_equal (txmode, "iothread") ? "bh" : "timer");
  /* iommu, ats, packed, page_per_vq and ioeventfd, as every virtio device. */
  if (!vb_qemu_virtio_options (iface, out, error))
    return FALSE;
  if (event_idx)
    vb_qemu_opt (out, "event_idx", event_idx);
  /* Receive-side scaling, in QEMU's own code without the eBPF program. */
  if (xmlHasProp (driver, BAD_CAST "rss"))
    g_string_append_printf (out, ",rss=%s", vb_xml_attr_is (driver, "rss", "on") ? "on" : "off");
  if (xmlHasProp (driver, BAD_CAST "rss_hash_report"))
    g_string_append_printf (out, ",hash=%s",
                            vb_xml_attr_is (driver, "rss_hash_report", "on") ? "on" : "off");
  if (!queue_size (driver, "rx_queue_size", 1024, out, error))
    return FALSE;
  /* QEMU quietly keeps 256 for any other backend: refused, not dropped. */
  if (!vhost_user && vb_xml_attr_uint (driver, "tx_queue_size", 0) > 256)
    return refuse (error, driver,
                   "tx_queue_size above 256 needs a vhostuser or vdpa interface (QEMU keeps 256 "
                   "for the others)");
  if (!queue_size (driver, "tx_queue_size", 1024, out, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (offloads); i++)
    {
      g_autofree char *value = child_attr (driver, offloads[i].element, offloads[i].attr);

      if (value)
        vb_qemu_opt (out, offloads[i].property, value);
    }
  (void) b;
  return TRUE;
}

static gboolean
only_virtio (xmlNode *driver, GError **error)
{
  for (xmlAttr *attr = driver ? driver->properties : NULL; attr; attr = attr->next)
    if (!g_str_equal ((const char *) attr->name, "name"))
      return refuse (error, driver, "attribute '%s' applies to virtio NICs only",
                     (const char *) attr->name);
  if (vb_xml_child (driver, "host") || vb_xml_child (driver, "guest"))
    return refuse (error, driver, "<host> and <guest> offloads apply to virtio NICs only");
  return TRUE;
}

static gboolean
rom (xmlNode *iface, gboolean pci, GString *out, GError **error)
{
  xmlNode *node = vb_xml_child (iface, "rom");
  g_autofree char *bar = node ? vb_xml_attr (node, "bar") : NULL;
  g_autofree char *file = node ? vb_xml_attr (node, "file") : NULL;

  if (!node)
    return TRUE;
  if (!pci)
    return refuse (error, node, "a USB NIC has no option ROM");
  if (vb_xml_attr_is (node, "enabled", "no"))
    {
      if (bar || file)
        return refuse (error, node, "enabled='no' takes neither bar nor file");
      g_string_append (out, ",romfile=");
      return TRUE;
    }
  if (bar)
    g_string_append_printf (out, ",rombar=%d", g_str_equal (bar, "on"));
  if (file)
    vb_qemu_opt (out, "romfile", file);
  return TRUE;
}

gboolean
vb_qemu_nic_options (Builder *b, xmlNode *iface, const char *device, gboolean tap, GString *out,
                     GError **error)
{
  xmlNode *driver = vb_xml_child (iface, "driver");
  xmlNode *mtu = vb_xml_child (iface, "mtu");
  gboolean virtio = g_str_has_prefix (device, "virtio-net");

  if (!vb_qemu_nic_bandwidth (b, iface, tap, error) || !vb_qemu_nic_coalesce (b, iface, tap, error))
    return FALSE;
  if (virtio ? !virtio_driver (b, iface, driver, tap, out, error) : !only_virtio (driver, error))
    return FALSE;
  if (mtu)
    {
      guint size = vb_xml_attr_uint (mtu, "size", 0);

      if (!virtio)
        return refuse (error, mtu, "an MTU is told to the guest by virtio NICs only");
      if (size < 68 || size > 65535)
        return refuse (error, mtu, "the MTU must be between 68 and 65535");
      /* The tap gets the same before QEMU starts (qemu-host.c). */
      g_string_append_printf (out, ",host_mtu=%u", size);
      if (tap)
        {
          VbQemuTap *last = b->command->taps->pdata[b->command->taps->len - 1];

          last->mtu = size;
        }
    }
  return rom (iface, !g_str_equal (device, "usb-net"), out, error);
}
