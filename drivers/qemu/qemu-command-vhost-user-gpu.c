/* <video><driver name='vhostuser'/><model type='virtio'>: a virtio GPU whose
 * rendering runs in QEMU's vhost-user-gpu program, which the service starts
 * beside QEMU as a helper process (qemu-helper-process.c), as it does
 * virtiofsd: vhost-user-vga (the primary card) or vhost-user-gpu-pci on a
 * socket of the run directory. Only the host's own program runs; the
 * guest's memory must be shared with it. QEMU 7.2 starts a vhost-user
 * backend only under KVM (it asks for KVM's ioeventfds; the check went in
 * QEMU 8.0), so under TCG Start refuses it by name. */
#include "qemu-command-private.h"

#define VHOST_USER_GPU_BINARY "/usr/lib/qemu/vhost-user-gpu"

static gboolean
render_node (xmlNode *accel, char **path, GError **error)
{
  *path = accel ? vb_xml_attr (accel, "rendernode") : NULL;
  /* A DRM node the helper opens: nothing else is given to it. */
  if (*path
      && (!g_str_has_prefix (*path, "/dev/dri/") || strstr (*path, "/..")
          || !vb_qemu_plain_word (*path + strlen ("/dev/dri/"), NULL)))
    return refuse (error, accel, "rendernode '%s' is not a node of /dev/dri", *path);
  return TRUE;
}

gboolean
vb_qemu_build_vhost_user_video (Builder *b, xmlNode *video, GError **error)
{
  xmlNode *driver = vb_xml_child (video, "driver");
  xmlNode *model = vb_xml_child (video, "model");
  xmlNode *accel = vb_xml_child (model, "acceleration");
  g_autofree char *type = model ? vb_xml_attr (model, "type") : NULL;
  gboolean primary = b->videos == 0 || vb_xml_attr_is (model, "primary", "yes");
  guint heads = vb_xml_attr_uint (model, "heads", 1);
  g_autofree char *id = g_strdup_printf ("video%u", b->videos++);
  g_autofree char *socket_name = g_strdup_printf ("%s-gpu.sock", id);
  g_autofree char *socket_path = runtime_path (b, socket_name);
  g_autofree char *chardev_id = g_strdup_printf ("chr-vu-%s", id);
  g_autofree char *node = NULL;
  g_autoptr (GString) chardev = g_string_new ("socket");
  g_autoptr (GString) dev = g_string_new (primary ? "vhost-user-vga" : "vhost-user-gpu-pci");
  VbQemuHelperSpec *spec;

  if (g_strcmp0 (type, "virtio") != 0)
    return refuse (error, driver, "vhost-user video is model 'virtio', not '%s'",
                   type ? type : "vga");
  if (vb_xml_attr_is (accel, "accel2d", "yes"))
    return refuse (error, accel, "accel2d is VirtualBox's: QEMU has no such setting");
  if (vb_xml_child (model, "resolution"))
    return refuse (error, vb_xml_child (model, "resolution"),
                   "vhost-user-gpu takes no <resolution>");
  if (!render_node (accel, &node, error))
    return FALSE;
  if (node && !vb_xml_attr_is (accel, "accel3d", "yes"))
    return refuse (error, accel, "a rendernode is for accel3d='yes'");
  /* vhost-user: the helper reads and writes the guest's memory itself. */
  if (!vb_qemu_shared_memory (b))
    return refuse (error, driver,
                   "vhost-user video needs the guest's memory shared with vhost-user-gpu: "
                   "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>");
  if (!b->context->dry_run)
    {
      if (!b->context->kvm && b->context->qemu_version && b->context->qemu_version < 80000)
        return refuse (error, driver,
                       "vhost-user video needs KVM with QEMU %u.%u (its vhost-user backend "
                       "starts only with KVM's ioeventfds), and this domain runs under TCG",
                       b->context->qemu_version / 10000, b->context->qemu_version / 100 % 100);
      if (!host_has (b->context, VHOST_USER_GPU_BINARY))
        return refuse (error, driver,
                       "vhost-user video needs %s (Debian package qemu-system-gui), which is "
                       "missing",
                       VHOST_USER_GPU_BINARY);
      if (node && !host_has (b->context, node))
        return refuse (error, accel, "the host has no render node %s", node);
    }
  spec = g_new0 (VbQemuHelperSpec, 1);
  spec->id = g_strdup (id);
  spec->what = g_strdup ("vhost-user-gpu");
  spec->element = g_strdup ("video");
  spec->socket_path = g_strdup (socket_path);
  spec->argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (spec->argv, g_strdup (VHOST_USER_GPU_BINARY));
  g_ptr_array_add (spec->argv, g_strdup_printf ("--socket-path=%s", socket_path));
  if (vb_xml_attr_is (accel, "accel3d", "yes"))
    g_ptr_array_add (spec->argv, g_strdup ("--virgl"));
  if (node)
    g_ptr_array_add (spec->argv, g_strdup_printf ("--render-node=%s", node));
  g_ptr_array_add (spec->argv, NULL);
  g_ptr_array_add (b->command->helpers, spec);

  vb_qemu_opt (chardev, "id", chardev_id);
  vb_qemu_opt (chardev, "path", socket_path);
  add2 (b, "-chardev", chardev->str);
  vb_qemu_opt (dev, "id", id);
  vb_qemu_opt (dev, "chardev", chardev_id);
  if (heads > 1)
    g_string_append_printf (dev, ",max_outputs=%u", heads);
  vb_qemu_video_edid (model, dev);
  if (!vb_qemu_virtio_options (video, dev, error))
    return FALSE;
  return add_fixed_pci_device (b, video, id, dev, error);
}
