/* SR-IOV VFs of <interface type='hostdev'>: the MAC address and VLAN tag
 * are properties of the VF that its physical function's driver holds, set
 * with `ip link set dev PF vf N mac … vlan …` before QEMU opens the VF, so
 * the guest's driver sees them and cannot change them. Every value on that
 * command line is checked: the PF's name comes from sysfs and must be an
 * interface name, the MAC six hex pairs (the builder), the index and tag
 * numbers. What the VF had before is recorded first and set back when the
 * guest's QEMU ends, as libvirt does; a VF another guest's QEMU holds is
 * never touched. */
#include "qemu-host-vf.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "vb-error.h"

/* iproute2 ships it there, merged /usr or not. */
#define VB_IP_BINARY "/bin/ip"

static gboolean
interface_name (const char *name)
{
  if (!name || !*name || strlen (name) > 15)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("._-", *p))
      return FALSE;
  return TRUE;
}

gboolean
vb_qemu_vf_lookup (const char *sysfs, const char *pci, char **pf_ifname, guint *index,
                   GError **error)
{
  g_autofree char *physfn = g_build_filename (sysfs, "bus/pci/devices", pci, "physfn", NULL);
  g_autofree char *net = g_build_filename (physfn, "net", NULL);
  g_autofree char *driver = g_build_filename (sysfs, "bus/pci/devices", pci, "driver", NULL);
  g_autofree char *driver_target = g_file_read_link (driver, NULL);
  g_autofree char *driver_name = driver_target ? g_path_get_basename (driver_target) : NULL;
  g_autoptr (GDir) dir = NULL;
  g_autofree char *name = NULL;
  const char *entry;

  if (!g_file_test (physfn, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "PCI device %s is not an SR-IOV virtual function (it has no physfn)", pci);
      return FALSE;
    }
  /* The PF's driver changes the VF for whoever holds it: only a VF already
   * given to vfio-pci is a guest's, never one a host interface (iavf) or
   * no driver yet has. */
  if (g_strcmp0 (driver_name, "vfio-pci") != 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "VF %s is not bound to vfio-pci (driver %s): virtbus does not rebind host "
                   "devices, and sets the MAC and VLAN only of a VF a guest can have",
                   pci, driver_name ? driver_name : "none");
      return FALSE;
    }
  dir = g_dir_open (net, 0, NULL);
  while (dir && (entry = g_dir_read_name (dir)))
    {
      if (name)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "the physical function of %s has several network interfaces", pci);
          return FALSE;
        }
      name = g_strdup (entry);
    }
  if (!interface_name (name))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "the physical function of %s has no network interface to set its MAC on", pci);
      return FALSE;
    }
  g_clear_pointer (&dir, g_dir_close);
  dir = g_dir_open (physfn, 0, NULL);
  while (dir && (entry = g_dir_read_name (dir)))
    {
      g_autofree char *link = NULL;
      g_autofree char *target = NULL;
      g_autofree char *base = NULL;
      guint64 n;

      if (!g_str_has_prefix (entry, "virtfn")
          || !g_ascii_string_to_unsigned (entry + strlen ("virtfn"), 10, 0, G_MAXUINT, &n, NULL))
        continue;
      link = g_build_filename (physfn, entry, NULL);
      target = g_file_read_link (link, NULL);
      base = target ? g_path_get_basename (target) : NULL;
      if (g_strcmp0 (base, pci) == 0)
        {
          *pf_ifname = g_steal_pointer (&name);
          *index = (guint) n;
          return TRUE;
        }
    }
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
               "%s is not among the virtual functions of its physical function", pci);
  return FALSE;
}

GStrv
vb_qemu_vf_ip_argv (const char *pf_ifname, guint index, const VbQemuVf *vf)
{
  GStrv argv = g_new0 (char *, 12);

  argv[0] = g_strdup (VB_IP_BINARY);
  argv[1] = g_strdup ("link");
  argv[2] = g_strdup ("set");
  argv[3] = g_strdup ("dev");
  argv[4] = g_strdup (pf_ifname);
  argv[5] = g_strdup ("vf");
  argv[6] = g_strdup_printf ("%u", index);
  argv[7] = g_strdup ("mac");
  argv[8] = g_strdup (vf->mac);
  argv[9] = g_strdup ("vlan");
  argv[10] = g_strdup_printf ("%d", vf->vlan);
  return argv;
}

gboolean
vb_qemu_vf_in_use (const char *sysfs, const char *dev, const char *pci)
{
  g_autofree char *link = g_build_filename (sysfs, "bus/pci/devices", pci, "iommu_group", NULL);
  g_autofree char *target = g_file_read_link (link, NULL);
  g_autofree char *group = target ? g_path_get_basename (target) : NULL;
  g_autofree char *node = NULL;
  int fd;

  if (!group || strspn (group, "0123456789") != strlen (group))
    return FALSE;
  node = g_build_filename (dev, "vfio", group, NULL);
  /* VFIO lets one process hold a group: another guest's QEMU has it. */
  fd = open (node, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0)
    close (fd);
  return fd < 0 && errno == EBUSY;
}

static gboolean
mac_address (const char *mac)
{
  if (!mac || strlen (mac) != 17)
    return FALSE;
  for (guint i = 0; i < 17; i++)
    if (i % 3 == 2 ? mac[i] != ':' : !g_ascii_isxdigit (mac[i]))
      return FALSE;
  return TRUE;
}

gboolean
vb_qemu_vf_parse_current (const char *ip_json, guint index, char **mac, int *vlan)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonArray *links;

  if (!ip_json || !json_parser_load_from_data (parser, ip_json, -1, NULL))
    return FALSE;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_ARRAY (root) || json_array_get_length (json_node_get_array (root)) != 1)
    return FALSE;
  links = json_node_get_array (root);
  {
    JsonNode *link = json_array_get_element (links, 0);
    JsonObject *object = JSON_NODE_HOLDS_OBJECT (link) ? json_node_get_object (link) : NULL;
    JsonNode *list = object ? json_object_get_member (object, "vfinfo_list") : NULL;
    JsonArray *vfs = list && JSON_NODE_HOLDS_ARRAY (list) ? json_node_get_array (list) : NULL;

    for (guint i = 0; vfs && i < json_array_get_length (vfs); i++)
      {
        JsonNode *node = json_array_get_element (vfs, i);
        JsonObject *vf = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
        JsonNode *tags;
        gint64 tag = 0;

        if (!vf || json_object_get_int_member_with_default (vf, "vf", -1) != (gint64) index)
          continue;
        if (!mac_address (json_object_get_string_member_with_default (vf, "address", NULL)))
          return FALSE;
        /* A tagged VF names its tag in vlan_list (newer ip) or as vlan. */
        tags = json_object_get_member (vf, "vlan_list");
        if (tags && JSON_NODE_HOLDS_ARRAY (tags)
            && json_array_get_length (json_node_get_array (tags)) > 0)
          {
            JsonNode *first = json_array_get_element (json_node_get_array (tags), 0);

            if (JSON_NODE_HOLDS_OBJECT (first))
              tag =
                json_object_get_int_member_with_default (json_node_get_object (first), "vlan", 0);
          }
        else
          tag = json_object_get_int_member_with_default (vf, "vlan", 0);
        if (tag < 0 || tag > 4095)
          return FALSE;
        *mac = g_ascii_strdown (json_object_get_string_member (vf, "address"), -1);
        *vlan = (int) tag;
        return TRUE;
      }
  }
  return FALSE;
}

/* Runs @argv (an absolute path, no shell); its standard output in @out. */
static gboolean
run_ip (const char *const *argv, char **out, GError **error)
{
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, &err, &status,
                     error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "%s", err ? g_strstrip (err) : "ip failed");
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_vf (const char *pci, const VbQemuVf *vf, GError **error)
{
  g_autofree char *pf = NULL;
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) failure = NULL;
  guint index = 0;

  if (!vb_qemu_vf_lookup ("/sys", pci, &pf, &index, error))
    return FALSE;
  argv = vb_qemu_vf_ip_argv (pf, index, vf);
  if (!run_ip ((const char *const *) argv, NULL, &failure))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "cannot set the MAC address of VF %u of %s (%s): %s", index, pf, pci,
                   failure->message);
      return FALSE;
    }
  return TRUE;
}

/* What each VF had before the guest, kept in the root-only status
 * directory (QEMU's run directory is QEMU's user's: a QEMU must not choose
 * which VF the service programs next, nor with what). */
static gboolean
record_originals (const VbQemuCommand *command, const char *record, GError **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autofree char *data = NULL;
  gsize length = 0;

  /* A record not yet restored (a stop just before) holds the true
   * originals: what the VF has now may be the last guest's. */
  g_key_file_load_from_file (file, record, G_KEY_FILE_NONE, NULL);
  for (guint i = 0; i < command->vfs->len; i++)
    {
      const VbQemuVf *vf = command->vfs->pdata[i];
      g_autofree char *pf = NULL;
      g_autofree char *json = NULL;
      g_autofree char *mac = NULL;
      guint index = 0;
      int vlan = 0;
      const char *show[] = { VB_IP_BINARY, "-j", "link", "show", "dev", NULL, NULL };

      if (!vb_qemu_vf_lookup ("/sys", vf->pci, &pf, &index, error))
        return FALSE;
      if (vb_qemu_vf_in_use ("/sys", "/dev", vf->pci))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                       "VF %s is in use by another guest: its MAC and VLAN are left as they are",
                       vf->pci);
          return FALSE;
        }
      if (g_key_file_has_group (file, vf->pci))
        continue;
      show[5] = pf;
      if (!run_ip (show, &json, error) || !vb_qemu_vf_parse_current (json, index, &mac, &vlan))
        {
          g_clear_error (error);
          g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                       "cannot read the MAC address of VF %u of %s (%s) to restore it later", index,
                       pf, vf->pci);
          return FALSE;
        }
      g_key_file_set_string (file, vf->pci, "mac", mac);
      g_key_file_set_integer (file, vf->pci, "vlan", vlan);
    }
  data = g_key_file_to_data (file, &length, NULL);
  return g_file_set_contents_full (record, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT,
                                   0600, error);
}

typedef struct {
  GTask *task;
  GTaskThreadFunc func;
} VfJob;

static void
run_job (gpointer data, gpointer unused)
{
  VfJob *job = data;

  job->func (job->task, g_task_get_source_object (job->task), g_task_get_task_data (job->task),
             g_task_get_cancellable (job->task));
  g_object_unref (job->task);
  g_free (job);
}

/* One thread for every VF job, in the order they come (GLib's thread pool
 * is FIFO): g_task_run_in_thread would let a start's record run before the
 * restore of the stop just before it. */
void
vb_qemu_vf_run_in_order (GTask *task, GTaskThreadFunc func)
{
  static gsize once = 0;
  static GThreadPool *pool;
  VfJob *job = g_new0 (VfJob, 1);

  if (g_once_init_enter (&once))
    {
      pool = g_thread_pool_new (run_job, NULL, 1, FALSE, NULL);
      g_once_init_leave (&once, 1);
    }
  job->task = g_object_ref (task);
  job->func = func;
  g_thread_pool_push (pool, job, NULL);
}

static void
setup_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  VbQemuCommand *command = task_data;
  const char *record = g_object_get_data (G_OBJECT (task), "record");
  GError *error = NULL;

  if (!record_originals (command, record, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < command->vfs->len; i++)
    {
      const VbQemuVf *vf = command->vfs->pdata[i];

      if (!set_vf (vf->pci, vf, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  g_task_return_boolean (task, TRUE);
}

void
vb_qemu_host_setup_vfs_async (VbQemuCommand *command, const char *record,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_source_tag (task, vb_qemu_host_setup_vfs_async);
  if (command->vfs->len == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* The command outlives the task: the start holds it until QEMU runs. */
  g_task_set_task_data (task, command, NULL);
  g_object_set_data_full (G_OBJECT (task), "record", g_strdup (record), g_free);
  vb_qemu_vf_run_in_order (task, setup_in_thread);
}

gboolean
vb_qemu_host_setup_vfs_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
restore_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *record = task_data;
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_auto (GStrv) groups = NULL;

  if (!g_key_file_load_from_file (file, record, G_KEY_FILE_NONE, NULL))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i]; i++)
    {
      g_autofree char *mac = g_key_file_get_string (file, groups[i], "mac", NULL);
      gint64 vlan = g_key_file_get_int64 (file, groups[i], "vlan", NULL);
      VbQemuVf original = { .pci = groups[i], .mac = mac, .vlan = (int) vlan };
      g_autoptr (GError) error = NULL;

      if (!mac_address (mac) || vlan < 0 || vlan > 4095)
        continue;
      if (!set_vf (groups[i], &original, &error))
        g_warning ("VF %s keeps the guest's MAC address: %s", groups[i], error->message);
    }
  g_unlink (record);
  g_task_return_boolean (task, TRUE);
}

void
vb_qemu_host_restore_vfs (const char *record)
{
  g_autoptr (GTask) task = NULL;

  if (!g_file_test (record, G_FILE_TEST_EXISTS))
    return;
  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_source_tag (task, vb_qemu_host_restore_vfs);
  g_task_set_task_data (task, g_strdup (record), g_free);
  vb_qemu_vf_run_in_order (task, restore_in_thread);
}
