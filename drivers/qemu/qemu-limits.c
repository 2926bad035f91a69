/* The host side of <memtune> and <blkiotune> (see qemu-limits.h). Only
 * cgroup v1 (this project's hosts; v2 is refused by name, as for
 * <cputune>). */
#include "qemu-limits.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "domain-limits.h"
#include "qemu-cgroup.h"
#include "vb-cpuset.h"
#include "vb-error.h"
#include "xml-schema.h"

/* One file to write in a controller's cgroup: @value into @file. */
typedef struct {
  char *file;
  char *value;
  char *what; /* the element, for messages */
} Setting;

typedef struct {
  const char *controller; /* "memory", "blkio" */
  char *dir;              /* the domain's cgroup; NULL: not needed */
  GPtrArray *settings;    /* Setting, in order */
  int procs_fd;           /* its cgroup.procs, open for the child; -1 */
} Group;

struct _VbQemuLimits {
  Group groups[3]; /* memory, blkio, cpuset */
};

static void
setting_free (Setting *setting)
{
  g_free (setting->file);
  g_free (setting->value);
  g_free (setting->what);
  g_free (setting);
}

void
vb_qemu_limits_free (VbQemuLimits *limits)
{
  if (!limits)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (limits->groups); i++)
    {
      g_free (limits->groups[i].dir);
      g_clear_pointer (&limits->groups[i].settings, g_ptr_array_unref);
      if (limits->groups[i].procs_fd >= 0)
        close (limits->groups[i].procs_fd);
    }
  g_free (limits);
}

static char *
what (xmlNode *node)
{
  return g_strdup_printf ("<%s> at line %ld", node->name, vb_xml_line (node));
}

static gboolean G_GNUC_PRINTF (3, 4) refuse (GError **error, xmlNode *node, const char *format, ...)
{
  g_autofree char *why = NULL;
  g_autofree char *where = what (node);
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "%s: %s", where, why);
  return FALSE;
}

/* The directory of this process's cgroup of v1 controller @controller,
 * NULL with a reason in *@why when there is none. */
static char *
own_cgroup (const char *controller, const char **why)
{
  char *dir = NULL;

  switch (vb_qemu_own_cgroup (controller, &dir))
    {
    case VB_CGROUP_FOUND:
      return dir;
    case VB_CGROUP_UNREADABLE:
      *why = "/proc/self/mounts or /proc/self/cgroup cannot be read";
      break;
    case VB_CGROUP_V2_ONLY:
      *why = "this host has cgroup v2 only, whose controllers virtbus does not drive (it "
             "needs cgroup v1)";
      break;
    case VB_CGROUP_NO_CONTROLLER:
      *why = "this host has no cgroup v1 controller of that name mounted";
      break;
    case VB_CGROUP_NOT_IN_ONE:
      *why = "the service is in no cgroup of that controller";
      break;
    }
  return NULL;
}

/* The group of @controller for the domain, its files checked in the
 * service's own cgroup (the domain's is made at Start, alike). */
static gboolean
open_group (Group *group, const char *controller, const char *uuid, xmlNode *element, char **parent,
            GError **error)
{
  const char *why = NULL;
  g_autofree char *name = g_strdup_printf ("virtbus-%s", uuid);

  group->controller = controller;
  *parent = own_cgroup (controller, &why);
  if (!*parent)
    return refuse (error, element, "the cgroup '%s' controller is needed: %s", controller, why);
  group->dir = g_build_filename (*parent, name, NULL);
  return TRUE;
}

static void
add_setting (Group *group, const char *file, char *value, xmlNode *element)
{
  Setting *setting = g_new0 (Setting, 1);

  setting->file = g_strdup (file);
  setting->value = value;
  setting->what = what (element);
  g_ptr_array_add (group->settings, setting);
}

/* @file must be in the controller's cgroup @parent on this host. */
static gboolean
has_file (const char *parent, const char *file, xmlNode *element, const char *missing,
          GError **error)
{
  g_autofree char *path = g_build_filename (parent, file, NULL);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  return refuse (error, element, "this host's cgroups have no %s (%s)", file, missing);
}

static gboolean
read_memtune (xmlNode *memtune, Group *group, const char *uuid, GError **error)
{
  static const struct {
    const char *element, *file, *missing;
  } limits[] = {
    /* hard before swap: memory and swap may not be set below memory. */
    { "hard_limit", "memory.limit_in_bytes", "the memory controller's limit" },
    { "soft_limit", "memory.soft_limit_in_bytes", "the memory controller's soft limit" },
    { "swap_hard_limit", "memory.memsw.limit_in_bytes",
      "swap accounting, the kernel's swapaccount=1" },
  };
  g_autofree char *parent = NULL;

  if (!open_group (group, "memory", uuid, memtune, &parent, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      xmlNode *node = vb_xml_child (memtune, limits[i].element);
      g_autofree char *text = node ? vb_xml_text (node) : NULL;
      guint64 kib = 0;

      if (!node)
        continue;
      if (!has_file (parent, limits[i].file, node, limits[i].missing, error))
        return FALSE;
      /* Define wrote it in KiB. */
      (void) vb_xml_parse_unsigned (text, 10, G_MAXUINT64, &kib);
      add_setting (group, limits[i].file,
                   kib >= VB_DOMAIN_MEMTUNE_UNLIMITED
                     ? g_strdup ("-1")
                     : g_strdup_printf ("%" G_GUINT64_FORMAT, kib * 1024),
                   node);
    }
  return TRUE;
}

/* The weight file of this host's blkio controller: BFQ's, else CFQ's. */
static const char *
weight_file (const char *parent, gboolean device)
{
  g_autofree char *bfq =
    g_build_filename (parent, device ? "blkio.bfq.weight_device" : "blkio.bfq.weight", NULL);

  if (g_file_test (bfq, G_FILE_TEST_EXISTS))
    return device ? "blkio.bfq.weight_device" : "blkio.bfq.weight";
  return device ? "blkio.weight_device" : "blkio.weight";
}

static gboolean
read_blkiotune (xmlNode *blkiotune, Group *group, const char *uuid, GError **error)
{
  static const struct {
    const char *element, *file;
  } throttles[] = {
    { "read_iops_sec", "blkio.throttle.read_iops_device" },
    { "write_iops_sec", "blkio.throttle.write_iops_device" },
    { "read_bytes_sec", "blkio.throttle.read_bps_device" },
    { "write_bytes_sec", "blkio.throttle.write_bps_device" },
  };
  xmlNode *weight = vb_xml_child (blkiotune, "weight");
  g_autofree char *parent = NULL;

  if (!open_group (group, "blkio", uuid, blkiotune, &parent, error))
    return FALSE;
  if (weight)
    {
      if (!has_file (parent, weight_file (parent, FALSE), weight,
                     "weights need the CFQ or BFQ I/O scheduler", error))
        return FALSE;
      add_setting (group, weight_file (parent, FALSE), vb_xml_text (weight), weight);
    }
  for (xmlNode *device = vb_xml_child (blkiotune, "device"); device;
       device = vb_xml_next (device, "device"))
    {
      xmlNode *path_node = vb_xml_child (device, "path");
      g_autofree char *path = vb_xml_text (path_node);
      xmlNode *device_weight = vb_xml_child (device, "weight");
      struct stat st;

      /* Only the device's numbers go to the kernel, never the path. */
      if (stat (path, &st) < 0)
        return refuse (error, path_node, "%s cannot be found on this host: %s", path,
                       g_strerror (errno));
      if (!S_ISBLK (st.st_mode))
        return refuse (error, path_node, "%s is not a block device", path);
      if (device_weight)
        {
          g_autofree char *text = vb_xml_text (device_weight);

          if (!has_file (parent, weight_file (parent, TRUE), device_weight,
                         "weights need the CFQ or BFQ I/O scheduler", error))
            return FALSE;
          add_setting (group, weight_file (parent, TRUE),
                       g_strdup_printf ("%u:%u %s", major (st.st_rdev), minor (st.st_rdev), text),
                       device_weight);
        }
      for (guint i = 0; i < G_N_ELEMENTS (throttles); i++)
        {
          xmlNode *node = vb_xml_child (device, throttles[i].element);
          g_autofree char *text = node ? vb_xml_text (node) : NULL;

          if (!node)
            continue;
          if (!has_file (parent, throttles[i].file, node, "the blkio controller's throttling",
                         error))
            return FALSE;
          add_setting (group, throttles[i].file,
                       g_strdup_printf ("%u:%u %s", major (st.st_rdev), minor (st.st_rdev), text),
                       node);
        }
    }
  return TRUE;
}

/* <numatune><memory mode='restrictive'>: the guest's host nodes as its
 * cpuset cgroup's cpuset.mems (its CPUs the service's: a v1 cpuset needs
 * both before a process may join). */
static gboolean
read_restrictive (xmlNode *memory, Group *group, const char *uuid, const char *numad_nodes,
                  GError **error)
{
  g_autofree char *parent = NULL;
  g_autofree char *nodeset = vb_xml_attr (memory, "nodeset");
  g_autofree char *cpus_file = NULL;
  g_autofree char *cpus = NULL;
  g_autoptr (GArray) nodes = NULL;

  if (!nodeset && numad_nodes)
    nodeset = g_strdup (numad_nodes);
  if (!nodeset)
    return refuse (error, memory,
                   "mode 'restrictive' needs the host nodes: a nodeset, or "
                   "placement='auto'");
  /* libvirt's syntax ("0-3,^2"), checked at define: the kernel gets ranges. */
  nodes = vb_cpuset_parse (nodeset, NULL);
  if (!nodes)
    return refuse (error, memory, "the nodeset '%s' names no host node", nodeset);
  for (guint i = 0; nodes && i < nodes->len; i++)
    {
      g_autofree char *sysfs =
        g_strdup_printf ("/sys/devices/system/node/node%u", g_array_index (nodes, guint, i));

      if (!g_file_test (sysfs, G_FILE_TEST_EXISTS))
        return refuse (error, memory, "host NUMA node %u does not exist on this host (no %s)",
                       g_array_index (nodes, guint, i), sysfs);
    }
  if (!open_group (group, "cpuset", uuid, memory, &parent, error))
    return FALSE;
  cpus_file = g_build_filename (parent, "cpuset.cpus", NULL);
  if (!g_file_get_contents (cpus_file, &cpus, NULL, NULL))
    return refuse (error, memory, "%s cannot be read", cpus_file);
  g_strstrip (cpus);
  add_setting (group, "cpuset.cpus", g_steal_pointer (&cpus), memory);
  add_setting (group, "cpuset.mems", vb_cpuset_format (nodes), memory);
  return TRUE;
}

VbQemuLimits *
vb_qemu_limits_new (const char *uuid, const char *xml, const char *numad_nodes, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, "domain", error);
  g_autoptr (VbQemuLimits) limits = NULL;
  xmlNode *root, *memtune, *blkiotune, *numa_memory;

  if (!doc)
    return NULL;
  root = xmlDocGetRootElement (doc);
  memtune = vb_xml_child (root, "memtune");
  blkiotune = vb_xml_child (root, "blkiotune");
  numa_memory = vb_xml_child (vb_xml_child (root, "numatune"), "memory");
  if (!vb_xml_attr_is (numa_memory, "mode", "restrictive"))
    numa_memory = NULL;
  if (!memtune && !blkiotune && !numa_memory)
    return NULL;
  limits = g_new0 (VbQemuLimits, 1);
  for (guint i = 0; i < G_N_ELEMENTS (limits->groups); i++)
    {
      limits->groups[i].settings = g_ptr_array_new_with_free_func ((GDestroyNotify) setting_free);
      limits->groups[i].procs_fd = -1;
    }
  if (memtune && !read_memtune (memtune, &limits->groups[0], uuid, error))
    return NULL;
  if (blkiotune && !read_blkiotune (blkiotune, &limits->groups[1], uuid, error))
    return NULL;
  if (numa_memory && !read_restrictive (numa_memory, &limits->groups[2], uuid, numad_nodes, error))
    return NULL;
  return g_steal_pointer (&limits);
}

static gboolean
write_setting (const Group *group, const Setting *setting, GError **error)
{
  g_autofree char *path = g_build_filename (group->dir, setting->file, NULL);
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  gboolean ok;
  int saved;

  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "%s: cannot open %s: %s", setting->what,
                   path, g_strerror (saved));
      return FALSE;
    }
  ok = write (fd, setting->value, strlen (setting->value)) == (ssize_t) strlen (setting->value);
  saved = errno;
  close (fd);
  if (!ok)
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "%s: the host refused %s in %s: %s",
                 setting->what, setting->value, path, g_strerror (saved));
  return ok;
}

gboolean
vb_qemu_limits_prepare (VbQemuLimits *limits, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (limits->groups); i++)
    {
      Group *group = &limits->groups[i];
      g_autofree char *procs = NULL;

      if (!group->dir)
        continue;
      if (g_mkdir (group->dir, 0755) < 0 && errno != EEXIST)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "cannot create the cgroup %s: %s",
                       group->dir, g_strerror (errno));
          return FALSE;
        }
      for (guint j = 0; j < group->settings->len; j++)
        if (!write_setting (group, group->settings->pdata[j], error))
          return FALSE;
      procs = g_build_filename (group->dir, "cgroup.procs", NULL);
      group->procs_fd = open (procs, O_WRONLY | O_CLOEXEC);
      if (group->procs_fd < 0)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "cannot open %s: %s", procs,
                       g_strerror (errno));
          return FALSE;
        }
    }
  return TRUE;
}

void
vb_qemu_limits_child_setup (const VbQemuLimits *limits)
{
  if (!limits)
    return;
  /* "0": the writing process, QEMU-to-be with every thread it makes. Not
   * joined, QEMU would run without the limits: it does not run at all. */
  for (guint i = 0; i < G_N_ELEMENTS (limits->groups); i++)
    if (limits->groups[i].procs_fd >= 0 && write (limits->groups[i].procs_fd, "0", 1) != 1)
      _exit (126);
}

void
vb_qemu_limits_remove_cgroups (const char *uuid)
{
  static const char *const controllers[] = { "memory", "blkio", "cpuset" };
  g_autofree char *name = g_strdup_printf ("virtbus-%s", uuid);

  for (guint i = 0; i < G_N_ELEMENTS (controllers); i++)
    {
      const char *why = NULL;
      g_autofree char *parent = own_cgroup (controllers[i], &why);
      g_autofree char *dir = parent ? g_build_filename (parent, name, NULL) : NULL;

      if (dir)
        (void) g_rmdir (dir);
    }
}
