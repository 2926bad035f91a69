/* The options every virtio device takes from its <driver>: iommu, ats,
 * packed, page_per_vq, ioeventfd (as -device options; disks and virtio-scsi
 * take them as JSON properties: vb_qemu_virtio_props()). One helper, for each virtio device's builder to call
 * on its own -device string. */
#include "qemu-command-private.h"

/* model='@name' on the device, or <model type='@name'> (a NIC). */
static gboolean
model_is (xmlNode *device, const char *name)
{
  xmlNode *model = vb_xml_child (device, "model");

  return vb_xml_attr_is (device, "model", name) || vb_xml_attr_is (model, "type", name);
}

gboolean
vb_qemu_virtio_options (xmlNode *device, GString *out, GError **error)
{
  static const struct {
    const char *attr, *property;
  } options[] = {
    { "iommu", "iommu_platform" },
    { "ats", "ats" },
    { "packed", "packed" },
    { "page_per_vq", "page-per-vq" },
    { "ioeventfd", "ioeventfd" },
  };
  xmlNode *driver = vb_xml_child (device, "driver");

  for (guint i = 0; driver && i < G_N_ELEMENTS (options); i++)
    {
      g_autofree char *value = vb_xml_attr (driver, options[i].attr);

      if (!value)
        continue;
      /* The schema allows on|off only; anything else never reaches QEMU. */
      if (!g_str_equal (value, "on") && !g_str_equal (value, "off"))
        return refuse (error, driver, "%s is on or off", options[i].attr);
      /* QEMU has IOMMU support only on a modern (virtio 1.0) device, not on
       * the transitional one a conventional PCI slot gets by default; a
       * model that is transitional by name cannot drop its legacy half. */
      if (i == 0 && g_str_equal (value, "on") && model_is (device, "virtio-transitional"))
        return refuse (error, driver,
                       "iommu='on' needs a virtio device without legacy mode, not model "
                       "'virtio-transitional'");
      g_string_append_printf (out, ",%s=%s", options[i].property, value);
      /* A non-transitional model has no legacy half, nor the property. */
      if (i == 0 && g_str_equal (value, "on") && !model_is (device, "virtio-non-transitional"))
        g_string_append (out, ",disable-legacy=on");
    }
  return TRUE;
}

gboolean
vb_qemu_virtio_options_none (xmlNode *device, GError **error)
{
  static const char *const attrs[] = { "iommu", "ats", "packed", "page_per_vq", "ioeventfd" };
  xmlNode *driver = vb_xml_child (device, "driver");

  for (guint i = 0; driver && i < G_N_ELEMENTS (attrs); i++)
    if (xmlHasProp (driver, BAD_CAST attrs[i]))
      return refuse (error, driver, "%s is for virtio devices", attrs[i]);
  return TRUE;
}
