/* The command line of a <filesystem>: a host directory shared with the
 * guest, by QEMU itself over 9p (-fsdev local + virtio-9p-pci) or MTP
 * (usb-mtp), or by virtiofsd, a helper process the service starts before
 * QEMU (vhost-user-fs-pci on its socket). */
#include "qemu-command-private.h"

/* QEMU 7.2's own (C) virtiofsd, and where Debian 13's virtiofsd package
 * puts the Rust one that replaced it. */
#define VIRTIOFSD_BINARY "/usr/lib/qemu/virtiofsd"
#define VIRTIOFSD_RUST_BINARY "/usr/libexec/virtiofsd"

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
 * virtiofsd can map (vhost-user): memfd or a file (huge pages and shared
 * memory without a source type are files), shared as a whole or in every
 * NUMA cell. */
static gboolean
shared_memory (Builder *b)
{
  xmlNode *backing = vb_xml_child (b->root, "memoryBacking");
  xmlNode *numa = vb_xml_child (vb_xml_child (b->root, "cpu"), "numa");
  g_autofree char *source = child_attr (backing, "source", "type");
  g_autofree char *mode = child_attr (backing, "access", "mode");
  gboolean cells = FALSE;

  /* Anonymous memory (source type='anonymous') has no descriptor to give;
   * without a source type, shared memory is a file's (set_backend_type()). */
  if (g_strcmp0 (source, "anonymous") == 0 && !vb_xml_child (backing, "hugepages"))
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

/* The options of QEMU 7.2's own virtiofsd (C, FUSE-style -o options). */
static gboolean
qemu_virtiofsd_options (xmlNode *binary, const char *source, GPtrArray *argv)
{
  g_autofree char *xattr = binary ? vb_xml_attr (binary, "xattr") : NULL;
  g_autofree char *cache = child_attr (binary, "cache", "mode");
  g_autofree char *sandbox = child_attr (binary, "sandbox", "mode");
  g_autofree char *posix = child_attr (binary, "lock", "posix");
  g_autofree char *flock = child_attr (binary, "lock", "flock");
  g_autofree char *threads = child_attr (binary, "thread_pool", "size");
  /* How many files it may hold open (both virtiofsds spell it alike). */
  g_autofree char *openfiles = child_attr (binary, "openfiles", "max");
  g_autofree char *escaped = fuse_opt_value (source);

  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup_printf ("source=%s", escaped));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup_printf ("sandbox=%s", sandbox ? sandbox : "namespace"));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup (g_strcmp0 (xattr, "on") == 0 ? "xattr" : "no_xattr"));
  if (cache)
    {
      g_ptr_array_add (argv, g_strdup ("-o"));
      g_ptr_array_add (argv, g_strdup_printf ("cache=%s", cache));
    }
  if (posix)
    {
      g_ptr_array_add (argv, g_strdup ("-o"));
      g_ptr_array_add (argv, g_strdup (g_str_equal (posix, "on") ? "posix_lock" : "no_posix_lock"));
    }
  if (flock)
    {
      g_ptr_array_add (argv, g_strdup ("-o"));
      g_ptr_array_add (argv, g_strdup (g_str_equal (flock, "on") ? "flock" : "no_flock"));
    }
  if (threads)
    g_ptr_array_add (argv, g_strdup_printf ("--thread-pool-size=%s", threads));
  if (openfiles)
    g_ptr_array_add (argv, g_strdup_printf ("--rlimit-nofile=%s", openfiles));
  return TRUE;
}

/* The options of the Rust virtiofsd (one option per setting; its cache
 * mode 'never' is libvirt's 'none'). It has no remote POSIX or flock locks. */
static gboolean
rust_virtiofsd_options (xmlNode *binary, const char *source, GPtrArray *argv, GError **error)
{
  g_autofree char *cache = child_attr (binary, "cache", "mode");
  g_autofree char *sandbox = child_attr (binary, "sandbox", "mode");
  g_autofree char *threads = child_attr (binary, "thread_pool", "size");
  /* How many files it may hold open (both virtiofsds spell it alike). */
  g_autofree char *openfiles = child_attr (binary, "openfiles", "max");

  if (vb_xml_child (binary, "lock"))
    return refuse (error, vb_xml_child (binary, "lock"),
                   "virtiofsd %s (the Rust one) has no POSIX or flock lock options",
                   VIRTIOFSD_RUST_BINARY);
  g_ptr_array_add (argv, g_strdup ("--shared-dir"));
  g_ptr_array_add (argv, g_strdup (source));
  g_ptr_array_add (argv, g_strdup_printf ("--sandbox=%s", sandbox ? sandbox : "namespace"));
  if (vb_xml_attr_is (binary, "xattr", "on"))
    g_ptr_array_add (argv, g_strdup ("--xattr"));
  if (cache)
    g_ptr_array_add (argv,
                     g_strdup_printf ("--cache=%s", g_str_equal (cache, "none") ? "never" : cache));
  if (threads)
    g_ptr_array_add (argv, g_strdup_printf ("--thread-pool-size=%s", threads));
  if (openfiles)
    g_ptr_array_add (argv, g_strdup_printf ("--rlimit-nofile=%s", openfiles));
  return TRUE;
}

/* <idmap>: the Rust virtiofsd's --uid-map=:GUEST:HOST:COUNT: and
 * --gid-map (as libvirt writes them), which it applies by making a user
 * namespace with newuidmap/newgidmap: only when it runs unprivileged. */
static gboolean
virtiofsd_id_maps (Builder *b, xmlNode *idmap, GPtrArray *argv, GError **error)
{
  if (!b->context->dry_run
      && (!host_has (b->context, "/usr/bin/newuidmap")
          || !host_has (b->context, "/usr/bin/newgidmap")))
    return refuse (error, idmap,
                   "ID mapping needs newuidmap and newgidmap (Debian package uidmap), which "
                   "this host lacks");
  if (!vb_xml_child (idmap, "uid") && !vb_xml_child (idmap, "gid"))
    return refuse (error, idmap, "an <idmap> maps at least one <uid> or <gid> range");
  for (xmlNode *id = idmap->children; id; id = id->next)
    {
      if (id->type != XML_ELEMENT_NODE)
        continue;
      if (vb_xml_attr_uint (id, "count", 0) == 0)
        return refuse (error, id, "an ID range has a count of at least 1");
      g_ptr_array_add (argv, g_strdup_printf ("--%s-map=:%u:%u:%u:", (const char *) id->name,
                                              vb_xml_attr_uint (id, "start", 0),
                                              vb_xml_attr_uint (id, "target", 0),
                                              vb_xml_attr_uint (id, "count", 0)));
    }
  return TRUE;
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
  xmlNode *idmap = vb_xml_child (node, "idmap");
  /* Only the Rust virtiofsd maps IDs: with an <idmap>, it is the default. */
  const char *program = path ? path : idmap ? VIRTIOFSD_RUST_BINARY : VIRTIOFSD_BINARY;
  gboolean rust = g_str_equal (program, VIRTIOFSD_RUST_BINARY);
  VbQemuHelperSpec *spec;

  /* The service runs this program as the guest's helper: only one of the
   * two virtiofsd it knows, never a path a caller chose (as for <emulator>). */
  if (!g_str_equal (program, VIRTIOFSD_BINARY) && !rust)
    return refuse (error, binary,
                   "<binary path> %s is not a virtiofsd this service runs (%s, or the Rust "
                   "one at %s)",
                   path, VIRTIOFSD_BINARY, VIRTIOFSD_RUST_BINARY);
  if (idmap && !rust)
    return refuse (error, idmap,
                   "ID mapping needs the Rust virtiofsd (%s): QEMU 7.2's (%s) cannot map IDs",
                   VIRTIOFSD_RUST_BINARY, VIRTIOFSD_BINARY);
  if (!b->context->dry_run && !host_has (b->context, program))
    return refuse (error, node, "virtiofsd %s is missing (Debian package %s)", program,
                   rust ? "virtiofsd" : "qemu-system-common");
  spec = g_new0 (VbQemuHelperSpec, 1);
  spec->id = g_strdup (id);
  spec->what = g_strdup ("virtiofsd");
  /* Either virtiofsd needs root for its namespace sandbox (run unprivileged,
   * it must be started inside a user namespace already), unless it makes
   * that namespace itself to map IDs, which it does only unprivileged. */
  spec->needs_root = !idmap;
  spec->needs_unprivileged = idmap != NULL;
  spec->element = g_strdup ("filesystem");
  spec->socket_path = g_strdup (socket_path);
  spec->argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (spec->argv, g_strdup (program));
  g_ptr_array_add (spec->argv, g_strdup_printf ("--socket-path=%s", socket_path));
  if (!(rust ? rust_virtiofsd_options (binary, source, spec->argv, error)
             : qemu_virtiofsd_options (binary, source, spec->argv))
      || (idmap && !virtiofsd_id_maps (b, idmap, spec->argv, error)))
    {
      vb_qemu_helper_spec_free (spec);
      return FALSE;
    }
  g_ptr_array_add (spec->argv, NULL);
  g_ptr_array_add (b->command->helpers, spec);
  return TRUE;
}

gboolean
vb_qemu_vhost_user_fs (Builder *b, xmlNode *node, const char *id, const char *tag,
                       const char *socket_path, GError **error)
{
  xmlNode *driver = vb_xml_child (node, "driver");
  g_autofree char *queue = driver ? vb_xml_attr (driver, "queue") : NULL;
  g_autofree char *chardev_id = g_strdup_printf ("chr-vu-%s", id);
  g_autoptr (GString) chardev = g_string_new ("socket");
  g_autoptr (GString) dev = g_string_new ("vhost-user-fs-pci");

  vb_qemu_opt (chardev, "id", chardev_id);
  vb_qemu_opt (chardev, "path", socket_path);
  add2 (b, "-chardev", chardev->str);
  vb_qemu_opt (dev, "id", id);
  vb_qemu_opt (dev, "chardev", chardev_id);
  if (queue)
    vb_qemu_opt (dev, "queue-size", queue);
  vb_qemu_opt (dev, "tag", tag);
  boot_index (b, node, dev);
  if (!vb_qemu_virtio_options (node, dev, error))
    return FALSE;
  return add_fixed_pci_device (b, node, NULL, dev, error);
}

/* @files names the helper's socket and log: an alias may hold any character. */
static gboolean
build_virtiofs (Builder *b, xmlNode *node, const char *id, const char *files, const char *source,
                const char *tag, GError **error)
{
  xmlNode *driver = vb_xml_child (node, "driver");
  g_autofree char *accessmode = vb_xml_attr (node, "accessmode");
  g_autofree char *socket_name = g_strdup_printf ("%s.sock", files);
  g_autofree char *socket_path = runtime_path (b, socket_name);

  /* vhost-user-fs-pci is a virtio 1.0 device only: it is its own
   * non-transitional model. */
  if (vb_xml_attr_is (node, "model", "virtio-transitional"))
    return refuse (error, node, "vhost-user-fs has no transitional model");
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
  return vb_qemu_vhost_user_fs (b, node, id, tag, socket_path, error);
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
  g_autoptr (GString) dev = g_string_new (
    vb_xml_attr_is (node, "model", "virtio-transitional")       ? "virtio-9p-pci-transitional"
    : vb_xml_attr_is (node, "model", "virtio-non-transitional") ? "virtio-9p-pci-non-transitional"
                                                                : "virtio-9p-pci");
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
  if (vb_xml_child (node, "idmap"))
    return refuse (error, vb_xml_child (node, "idmap"),
                   "ID mapping is virtiofsd's (<driver type='virtiofs'>); 9p has none");
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
  if (!vb_qemu_virtio_options (node, dev, error))
    return FALSE;
  return add_fixed_pci_device (b, node, NULL, dev, error);
}

/* <driver type='mtp'>: QEMU's usb-mtp, the directory shown to the guest
 * as an MTP device on the USB bus, named by <target dir>. Read-only
 * unless the XML says otherwise is usb-mtp's default, not libvirt's: the
 * property is always written. */
static gboolean
build_mtp (Builder *b, xmlNode *node, const char *id, const char *source, const char *tag,
           GError **error)
{
  static const char *const not_mtp[] = { "accessmode", "fmode", "dmode", "multidevs", "model" };
  xmlNode *driver = vb_xml_child (node, "driver");
  xmlNode *address = vb_xml_child (node, "address");
  g_autoptr (GString) dev = g_string_new ("usb-mtp");

  for (guint i = 0; i < G_N_ELEMENTS (not_mtp); i++)
    if (xmlHasProp (node, BAD_CAST not_mtp[i]))
      return refuse (error, node, "attribute '%s' is for 9p or virtiofs, not an MTP share",
                     not_mtp[i]);
  if (xmlHasProp (driver, BAD_CAST "wrpolicy") || xmlHasProp (driver, BAD_CAST "queue"))
    return refuse (error, driver, "wrpolicy and queue are for 9p and virtiofs, not usb-mtp");
  if (!vb_qemu_virtio_options_none (node, error))
    return FALSE;
  for (xmlNode *child = node->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE
        && (xmlStrEqual (child->name, BAD_CAST "binary")
            || xmlStrEqual (child->name, BAD_CAST "idmap")
            || xmlStrEqual (child->name, BAD_CAST "boot")))
      return refuse (error, child, "<%s> is for virtiofs, not an MTP share",
                     (const char *) child->name);
  if (address && !vb_xml_attr_is (address, "type", "usb"))
    return refuse (error, address, "an MTP share sits on the USB bus: <address type='usb'>");
  if (!need_usb (b, node, error))
    return FALSE;
  vb_qemu_opt (dev, "id", id);
  usb_address (node, dev);
  vb_qemu_opt (dev, "rootdir", source);
  vb_qemu_opt (dev, "desc", tag);
  g_string_append (dev, vb_xml_child (node, "readonly") ? ",readonly=on" : ",readonly=off");
  add2 (b, "-device", dev->str);
  return TRUE;
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
  if (xmlHasProp (vb_xml_child (node, "source"), BAD_CAST "socket"))
    return vb_qemu_build_virtiofs_socket (b, node, files, error);
  if (!source || !*source || source[0] != '/')
    return refuse (error, node, "a shared directory needs <source dir> with an absolute path");
  if (!tag || !*tag)
    return refuse (error, node, "a shared directory needs <target dir> (the guest's mount tag)");
  id = device_id (node, g_strdup (files));
  if (g_strcmp0 (driver_type, "mtp") == 0)
    return build_mtp (b, node, id, source, tag, error);
  /* The guest's mount tag travels in the device's config space: 9p's is 36 bytes. */
  if (strlen (tag) > 36 && g_strcmp0 (driver_type, "virtiofs") != 0)
    return refuse (error, vb_xml_child (node, "target"), "a 9p mount tag has at most 36 bytes");
  if (g_strcmp0 (driver_type, "virtiofs") == 0)
    return build_virtiofs (b, node, id, files, source, tag, error);
  return build_9p (b, node, id, source, tag, error);
}
