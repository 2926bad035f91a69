/* Devices of a newer QEMU than some hosts have (virtio-sound, the virtio
 * IOMMU's granule): define builds their arguments as that QEMU takes them;
 * Start refuses them by name on a QEMU older than the one they came in, as
 * it does any lack of this host. */
#include "qemu-command-private.h"

gboolean
vb_qemu_need_qemu (Builder *b, xmlNode *node, guint version, const char *what, GError **error)
{
  guint have = b->context->qemu_version;

  /* 0: the version is unknown (no probe yet), taken as new. */
  if (b->context->dry_run || !have || have >= version)
    return TRUE;
  return refuse (error, node, "%s needs QEMU %u.%u; this one is %u.%u", what, version / 10000,
                 version / 100 % 100, have / 10000, have / 100 % 100);
}

/* <sound model='virtio'>: virtio-sound-pci (QEMU 8.2), playing to the
 * domain's audio backend; streams= is its number of PCM streams. */
gboolean
vb_qemu_build_virtio_sound (Builder *b, xmlNode *sound, const char *id, const char *audiodev,
                            GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);

  if (!vb_qemu_need_qemu (b, sound, 80200, "sound model 'virtio' (virtio-sound-pci)", error))
    return FALSE;
  g_string_append_printf (out, "virtio-sound-pci,id=%s", id);
  vb_qemu_opt (out, "audiodev", audiodev);
  if (xmlHasProp (sound, BAD_CAST "streams"))
    {
      guint streams = vb_xml_attr_uint (sound, "streams", 0);

      /* QEMU refuses 0 streams; its own limit is the guest's to meet. */
      if (streams == 0)
        return refuse (error, sound, "a virtio sound device has 1 stream or more");
      g_string_append_printf (out, ",streams=%u", streams);
    }
  if (!vb_qemu_virtio_options (sound, out, error))
    return FALSE;
  return add_fixed_pci_device (b, sound, id, out, error);
}

/* The virtio IOMMU's <driver><granule>: the page size it maps, one of
 * QEMU's (4k to 64k, or the host's), as ",granule=…" (QEMU 9.0). */
gboolean
vb_qemu_virtio_iommu_granule (Builder *b, xmlNode *granule, GString *out, GError **error)
{
  g_autofree char *mode = vb_xml_attr (granule, "mode");

  if (mode && xmlHasProp (granule, BAD_CAST "size"))
    return refuse (error, granule, "a granule has a mode or a size, not both");
  if (!mode)
    {
      g_autofree char *size = vb_xml_attr (granule, "size");
      g_autofree char *unit = vb_xml_attr (granule, "unit");
      guint64 bytes = 0;

      if (!size)
        return refuse (error, granule, "a granule needs a mode or a size");
      if (!vb_xml_scaled_value (granule, size, unit, "KiB", &bytes, error))
        return FALSE;
      if (bytes != 4096 && bytes != 8192 && bytes != 16384 && bytes != 65536)
        return refuse (error, granule, "a granule is 4, 8, 16 or 64 KiB");
      mode = g_strdup_printf ("%uk", (guint) (bytes / 1024));
    }
  if (!vb_qemu_need_qemu (b, granule, 90000, "the virtio IOMMU's granule", error))
    return FALSE;
  vb_qemu_opt (out, "granule", mode);
  return TRUE;
}
