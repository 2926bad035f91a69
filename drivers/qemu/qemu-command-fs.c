/* The command line of a <filesystem>: a host directory shared with the
 * guest, by QEMU itself over 9p (-fsdev local + virtio-9p-pci) or by
 * virtiofsd, a helper process the service starts before QEMU
 * (vhost-user-fs-pci on its socket). */
#include "qemu-command-private.h"

#define VIRTIOFSD_BINARY "/usr/lib/qemu/virtiofsd"

/* A value inside one of virtiofsd's -o options: FUSE's option parser
 * splits on commas and takes a backslash as an escape. */
static char *
fuse_opt_value (const char *value)
{
  GString *out = g_string_new (NULL);

  for (const char *p = value; *p; p++)
    {
      if (*p == ',' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* Whether all of the guest's memory is in a shared backend with an fd
 * virtiofsd can map (vhost-user): memfd or a file (huge pages are files),
 * shared as a whole or in every NUMA cell. */
static gboolean
shared_memory (Builder *b)
{
  xmlNode *backing = vb_xml_child (b->root, "memoryBacking");
  xmlNode *numa = vb_xml_child (vb_xml_child (b->root, "cpu"), "numa");
  g_autofree char *source = child_attr (backing, "source", "type");
  g_autofree char *mode = child_attr (backing, "access", "mode");
  gboolean cells = FALSE;

  if (g_strcmp0 (source, "memfd") != 0 && g_strcmp0 (source, "file") != 0
      && !vb_xml_child (backing, "hugepages"))
    return FALSE;
  for (xmlNode *cell = vb_xml_child (numa, "cell"); cell; cell = vb_xml_next (cell, "cell"))
    {
      g_autofree char *access = vb_xml_attr (cell, "memAccess");

      cells = TRUE;
      if (g_strcmp0 (access ? access : mode, "shared") != 0)
        return FALSE;
    }
  return cells || g_strcmp0 (mode, "shared") == 0;
}

gboolean
vb_qemu_shared_memory (Builder *b)
{
  return shared_memory (b);
}

/* virtiofsd for @node: its socket in the run directory, the share as its
 * source; the <binary> children become its options. */
static gboolean
add_virtiofsd (Builder *b, xmlNode *node, const char *id, const char *source,
               const char *socket_path, GError **error)
{
  xmlNode *binary = vb_xml_child (node, "binary");
  g_autofree char *path = binary ? vb_xml_attr (binary, "path") : NULL;
  g_autofree char *xattr = binary ? vb_xml_attr (binary, "xattr") : NULL;
  g_autofree char *cache = child_attr (binary, "cache", "mode");
  g_autofree char *sandbox = child_attr (binary, "sandbox", "mode");
  g_autofree char *posix = child_attr (binary, "lock", "posix");
  g_autofree char *flock = child_attr (binary, "lock", "flock");
  g_autofree char *threads = child_attr (binary, "thread_pool", "size");
  g_autofree char *escaped = fuse_opt_value (source);
  VbQemuHelperSpec *spec;

  /* The service runs this program as the guest's helper: only the host's
   * own, never a path a caller chose (as for <emulator>). */
  if (path && !g_str_equal (path, VIRTIOFSD_BINARY))
    return refuse (error, binary, "<binary path> %s is not the virtiofsd this service runs (%s)",
                   path, VIRTIOFSD_BINARY);
  if (!b->context->dry_run && !host_has (b->context, VIRTIOFSD_BINARY))
    return refuse (error, node, "virtiofsd %s is missing (Debian package qemu-system-common)",
                   VIRTIOFSD_BINARY);
  spec = g_new0 (VbQemuHelperSpec, 1);
  spec->id = g_strdup (id);
  spec->what = g_strdup ("virtiofsd");
  /* QEMU 7.2's virtiofsd needs root for its sandbox and pid file. */
  spec->needs_root = TRUE;
  spec->element = g_strdup ("filesystem");
  spec->socket_path = g_strdup (socket_path);
  spec->argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (spec->argv, g_strdup (VIRTIOFSD_BINARY));
  g_ptr_array_add (spec->argv, g_strdup_printf ("--socket-path=%s", socket_path));
  g_ptr_array_add (spec->argv, g_strdup ("-o"));
  g_ptr_array_add (spec->argv, g_strdup_printf ("source=%s", escaped));
  g_ptr_array_add (spec->argv, g_strdup ("-o"));
  g_ptr_array_add (spec->argv, g_strdup_printf ("sandbox=%s", sandbox ? sandbox : "namespace"));
  g_ptr_array_add (spec->argv, g_strdup ("-o"));
  g_ptr_array_add (spec->argv, g_strdup (g_strcmp0 (xattr, "on") == 0 ? "xattr" : "no_xattr"));
  if (cache)
    {
      g_ptr_array_add (spec->argv, g_strdup ("-o"));
      g_ptr_array_add (spec->argv, g_strdup_printf ("cache=%s", cache));
    }
  if (posix)
    {
      g_ptr_array_add (spec->argv, g_strdup ("-o"));
      g_ptr_array_add (spec->argv,
                       g_strdup (g_str_equal (posix, "on") ? "posix_lock" : "no_posix_lock"));
    }
  if (flock)
    {
      g_ptr_array_add (spec->argv, g_strdup ("-o"));
      g_ptr_array_add (spec->argv, g_strdup (g_str_equal (flock, "on") ? "flock" : "no_flock"));
    }
  if (threads)
    g_ptr_array_add (spec->argv, g_strdup_printf ("--thread-pool-size=%s", threads));
  g_ptr_array_add (spec->argv, NULL);
  g_ptr_array_add (b->command->helpers, spec);
  return TRUE;
}

/* @files names the helper's socket and log: an alias may hold any character. */
static gboolean
build_virtiofs (Builder *b, xmlNode *node, const char *id, const char *files, const char *source,
                const char *tag, GError **error)
{
  xmlNode *driver = vb_xml_child (node, "driver");
  g_autofree char *queue = driver ? vb_xml_attr (driver, "queue") : NULL;
  g_autofree char *accessmode = vb_xml_attr (node, "accessmode");
  g_autofree char *socket_name = g_strdup_printf ("%s.sock", files);
  g_autofree char *socket_path = runtime_path (b, socket_name);
  g_autofree char *chardev_id = g_strdup_printf ("chr-vu-%s", id);
  g_autoptr (GString) chardev = g_string_new ("socket");
  g_autoptr (GString) dev = g_string_new ("vhost-user-fs-pci");

  if (accessmode && !g_str_equal (accessmode, "passthrough"))
    return refuse (error, node, "virtiofs supports only accessmode 'passthrough', not '%s'",
                   accessmode);
  if (vb_xml_child (node, "readonly"))
    return refuse (error, vb_xml_child (node, "readonly"),
                   "virtiofs cannot share read-only (QEMU 7.2's virtiofsd has no such mode); "
                   "use <driver type='path'> (9p) for a read-only share");
  /* vhost-user: virtiofsd reads and writes the guest's memory itself. */
  if (!shared_memory (b))
    return refuse (error, driver,
                   "virtiofs needs the guest's memory shared with virtiofsd: "
                   "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking> "
                   "(or a file, huge pages, or memAccess='shared' on every NUMA cell)");
  if (!add_virtiofsd (b, node, files, source, socket_path, error))
    return FALSE;
  vb_qemu_opt (chardev, "id", chardev_id);
  vb_qemu_opt (chardev, "path", socket_path);
  add2 (b, "-chardev", chardev->str);
  vb_qemu_opt (dev, "id", id);
  vb_qemu_opt (dev, "chardev", chardev_id);
  if (queue)
    vb_qemu_opt (dev, "queue-size", queue);
  vb_qemu_opt (dev, "tag", tag);
  boot_index (b, node, dev);
  return add_fixed_pci_device (b, node, NULL, dev, error);
}

static gboolean
build_9p (Builder *b, xmlNode *node, const char *id, const char *source, const char *tag,
          GError **error)
{
  xmlNode *driver = vb_xml_child (node, "driver");
  g_autofree char *accessmode = vb_xml_attr (node, "accessmode");
  g_autofree char *fmode = vb_xml_attr (node, "fmode");
  g_autofree char *dmode = vb_xml_attr (node, "dmode");
  g_autofree char *multidevs = vb_xml_attr (node, "multidevs");
  g_autofree char *wrpolicy = driver ? vb_xml_attr (driver, "wrpolicy") : NULL;
  g_autofree char *fsdev_id = g_strdup_printf ("fsdev-%s", id);
  g_autoptr (GString) fsdev = g_string_new ("local");
  g_autoptr (GString) dev = g_string_new ("virtio-9p-pci");
  /* libvirt's names for QEMU's security models. */
  const char *model = !accessmode || g_str_equal (accessmode, "passthrough") ? "passthrough"
                      : g_str_equal (accessmode, "mapped")                   ? "mapped"
                                                                             : "none";

  if ((fmode || dmode) && !g_str_equal (model, "mapped"))
    return refuse (error, node, "fmode and dmode need accessmode 'mapped'");
  if (driver && vb_xml_attr (driver, "queue"))
    return refuse (error, driver, "a queue size is for virtiofs, not 9p");
  if (vb_xml_child (node, "binary"))
    return refuse (error, vb_xml_child (node, "binary"), "<binary> is for virtiofs, not 9p");
  if (vb_xml_child (node, "boot"))
    return refuse (error, vb_xml_child (node, "boot"),
                   "a guest boots from virtiofs, not from 9p (virtio-9p-pci has no bootindex)");
  vb_qemu_opt (fsdev, "id", fsdev_id);
  vb_qemu_opt (fsdev, "path", source);
  vb_qemu_opt (fsdev, "security_model", model);
  if (wrpolicy)
    vb_qemu_opt (fsdev, "writeout", wrpolicy);
  if (fmode)
    vb_qemu_opt (fsdev, "fmode", fmode);
  if (dmode)
    vb_qemu_opt (fsdev, "dmode", dmode);
  if (multidevs && !g_str_equal (multidevs, "default"))
    vb_qemu_opt (fsdev, "multidevs", multidevs);
  if (vb_xml_child (node, "readonly"))
    g_string_append (fsdev, ",readonly=on");
  add2 (b, "-fsdev", fsdev->str);
  vb_qemu_opt (dev, "id", id);
  vb_qemu_opt (dev, "fsdev", fsdev_id);
  vb_qemu_opt (dev, "mount_tag", tag);
  return add_fixed_pci_device (b, node, NULL, dev, error);
}

gboolean
vb_qemu_build_filesystem (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *type = vb_xml_attr (node, "type");
  g_autofree char *driver_type = child_attr (node, "driver", "type");
  g_autofree char *source = child_attr (node, "source", "dir");
  g_autofree char *tag = child_attr (node, "target", "dir");
  g_autofree char *id = NULL;
  g_autofree char *files = g_strdup_printf ("fs%u", b->filesystems++);

  if (type && !g_str_equal (type, "mount"))
    return refuse (error, node, "filesystem type '%s' is not supported (only 'mount')", type);
  if (!source || !*source || source[0] != '/')
    return refuse (error, node, "a shared directory needs <source dir> with an absolute path");
  if (!tag || !*tag)
    return refuse (error, node, "a shared directory needs <target dir> (the guest's mount tag)");
  /* The guest's mount tag travels in the device's config space: 9p's is 36 bytes. */
  if (strlen (tag) > 36 && g_strcmp0 (driver_type, "virtiofs") != 0)
    return refuse (error, vb_xml_child (node, "target"), "a 9p mount tag has at most 36 bytes");
  id = device_id (node, g_strdup (files));
  if (g_strcmp0 (driver_type, "virtiofs") == 0)
    return build_virtiofs (b, node, id, files, source, tag, error);
  return build_9p (b, node, id, source, tag, error);
}
