/* Disks of the fourth wave of issue #16 that depend on this QEMU or this
 * host: a virtio disk's iothreads per queue (QEMU 9.0's
 * iothread-vq-mapping) and librbd's layered encryption (QEMU 8.0's
 * encrypt.parent), built at define and refused by name at Start on an older
 * QEMU; and a SCSI LUN's sgio= set in its host device's unpriv_sgio (a
 * pretend sysfs here), refused when the kernel has none; and the option
 * of <async-teardown> each QEMU takes. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "domain-def.h"
#include "qemu-command.h"
#include "qemu-host-sgio.h"
#include "vb-error.h"

static const char *const machines[] = { "pc", NULL };

static GBytes *
pretend_secret (const char *uuid, const char *usage_type, const char *usage, gboolean sent_as_is,
                gpointer data, GError **error)
{
  return g_bytes_new_static ("passphrase", 10);
}

/* The command line of a guest with @top and @devices, at define (@version
 * 0) or at a start on QEMU @version (70200: 7.2). */
static VbQemuCommand *
build (guint version, const char *top, const char *devices, GError **error)
{
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .machines = machines,
    .dry_run = version == 0,
    .qemu_version = version,
    .secret_value = pretend_secret,
  };
  g_autofree char *xml =
    g_strdup_printf ("<domain type='qemu'><name>d</name>"
                     "<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
                     "<memory unit='MiB'>128</memory><vcpu>1</vcpu>%s"
                     "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
                     "<devices>%s<memballoon model='none'/></devices></domain>",
                     top, devices);
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &parse_error);

  g_assert_no_error (parse_error);
  return vb_qemu_command_build (def, &context, error);
}

static gboolean
has_arg (VbQemuCommand *command, const char *text)
{
  for (guint i = 0; i < command->argv->len && command->argv->pdata[i]; i++)
    if (strstr (command->argv->pdata[i], text))
      return TRUE;
  return FALSE;
}

/* @text is on the command line at define and on QEMU @new_enough; QEMU
 * @old refuses @devices at Start with @message. */
static void
check_version (const char *top, const char *devices, guint old, guint new_enough, const char *text,
               const char *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = build (0, top, devices, &error);

  g_assert_no_error (error);
  g_assert_true (has_arg (command, text));
  g_clear_pointer (&command, vb_qemu_command_free);
  command = build (new_enough, top, devices, &error);
  g_assert_no_error (error);
  g_assert_true (has_arg (command, text));
  g_clear_pointer (&command, vb_qemu_command_free);
  command = build (old, top, devices, &error);
  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  if (!strstr (error->message, message))
    g_error ("unexpected refusal: %s", error->message);
}

static void
test_iothread_queues (void)
{
  check_version ("<iothreads>2</iothreads>",
                 "<disk type='file'><driver name='qemu' type='raw' queues='2'><iothreads>"
                 "<iothread id='2'><queue id='1'/></iothread>"
                 "<iothread id='1'><queue id='0'/></iothread>"
                 "</iothreads></driver><source file='/d.img'/><target dev='vda'/></disk>",
                 70200, 90000,
                 "\"iothread-vq-mapping\":[{\"iothread\":\"iothread2\",\"vqs\":[1]},"
                 "{\"iothread\":\"iothread1\",\"vqs\":[0]}]",
                 "iothreads per queue (virtio-blk's iothread-vq-mapping) "
                 "needs QEMU 9.0; this one is 7.2");
}

static void
test_rbd_layers (void)
{
  static const char disk[] =
    "<disk type='network'><driver name='qemu' type='raw'/>"
    "<source protocol='rbd' name='pool/image'><host name='mon1.example.org'/>"
    "<encryption format='luks' engine='librbd'>"
    "<secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80fb0'/>"
    "<secret type='passphrase' usage='parent'/>"
    "</encryption></source><target dev='vda'/></disk>";
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;
  g_autoptr (GString) one = g_string_new (disk);

  check_version ("", disk, 70200, 80000,
                 "\"encrypt\":{\"format\":\"luks\",\"key-secret\":\"drive0-luks-secret\","
                 "\"parent\":{\"format\":\"luks\",\"key-secret\":\"drive0-luks-secret1\"}}",
                 "layered encryption (2 <secret>s) needs QEMU 8.0 or "
                 "later");
  /* One secret needs no parent: QEMU 7.2 opens it. */
  g_string_replace (one, "<secret type='passphrase' usage='parent'/>", "", 1);
  command = build (70200, "", one->str, &error);
  g_assert_no_error (error);
  g_assert_true (has_arg (command, "\"encrypt\":{\"format\":\"luks\",\"key-secret\":"
                                   "\"drive0-luks-secret\"}"));
  g_assert_false (has_arg (command, "parent"));
}

/* A pretend sysfs in a new directory holding @dev's unpriv_sgio (with @value,
 * or none for NULL); returns the directory, sets @file to the file's path. */
static char *
pretend_sysfs (const char *dev, const char *value, char **file)
{
  g_autoptr (GError) error = NULL;
  char *root = g_dir_make_tmp ("vb-sgio-XXXXXX", &error);
  g_autofree char *queue = NULL;

  g_assert_no_error (error);
  *file = vb_qemu_sgio_sysfs_path (root, dev);
  g_assert_nonnull (*file);
  queue = g_path_get_dirname (*file);
  g_assert_cmpint (g_mkdir_with_parents (queue, 0700), ==, 0);
  if (value)
    g_assert_true (g_file_set_contents (*file, value, -1, NULL));
  return root;
}

static void
remove_tree (const char *root)
{
  g_autofree char *rm = g_strdup_printf ("rm -rf %s", root);

  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
}

/* Sets the sgio of @list as the domain @uuid's start does, its record in
 * @root/status (the service's status directory). */
static gboolean
set_sgio (GPtrArray *list, const char *root, const char *uuid, GError **error)
{
  g_autofree char *status = g_build_filename (root, "status", NULL);

  g_assert_cmpint (g_mkdir_with_parents (status, 0700), ==, 0);
  return vb_qemu_host_set_sgio (list, root, status, uuid, error);
}

static void
restore_sgio (const char *root, const char *uuid)
{
  g_autofree char *status = g_build_filename (root, "status", NULL);

  vb_qemu_host_restore_sgio (root, status, uuid);
}

static char *
read_back (const char *file)
{
  char *value = NULL;

  g_assert_true (g_file_get_contents (file, &value, NULL, NULL));
  return value;
}

static GPtrArray *
sgio_list (const char *dev, gboolean unfiltered)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_sgio_free);
  VbQemuSgio *sgio = g_new0 (VbQemuSgio, 1);

  sgio->dev = g_strdup (dev);
  sgio->unfiltered = unfiltered;
  sgio->line = 12;
  g_ptr_array_add (list, sgio);
  return list;
}

/* A block device of this machine to stand for a SCSI disk (only its
 * major and minor numbers are used), NULL when it has none. */
static const char *
some_block_device (void)
{
  static const char *const candidates[] = { "/dev/loop0", "/dev/vda", "/dev/sda", "/dev/ram0" };
  struct stat st;

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    if (stat (candidates[i], &st) == 0 && S_ISBLK (st.st_mode))
      return candidates[i];
  return NULL;
}

static void
test_sgio (void)
{
  const char *dev = some_block_device ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) unfiltered = NULL;
  g_autoptr (GPtrArray) filtered = NULL;
  g_autofree char *file = NULL;
  g_autofree char *value = NULL;
  g_autofree char *root = NULL;
  struct stat st;

  if (!dev)
    {
      g_test_skip ("no block device on this machine");
      return;
    }
  g_assert_cmpint (stat (dev, &st), ==, 0);
  unfiltered = sgio_list (dev, TRUE);
  filtered = sgio_list (dev, FALSE);

  /* A kernel with unpriv_sgio: 1 for unfiltered, 0 (libvirt's default) else. */
  root = pretend_sysfs (dev, "0", &file);
  {
    g_autofree char *want = g_strdup_printf ("%s/dev/block/%u:%u/queue/unpriv_sgio", root,
                                             major (st.st_rdev), minor (st.st_rdev));

    g_assert_cmpstr (file, ==, want);
  }
  g_assert_true (set_sgio (unfiltered, root, "a", &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (file, &value, NULL, NULL));
  g_assert_cmpstr (value, ==, "1");
  g_clear_pointer (&value, g_free);
  restore_sgio (root, "a");
  g_assert_true (set_sgio (filtered, root, "a", &error));
  g_assert_true (g_file_get_contents (file, &value, NULL, NULL));
  g_assert_cmpstr (value, ==, "0");
  remove_tree (root);
  g_clear_pointer (&root, g_free);
  g_clear_pointer (&file, g_free);

  /* A kernel without: it filters anyway; unfiltered is refused by name. */
  root = pretend_sysfs (dev, NULL, &file);
  g_assert_true (set_sgio (filtered, root, "a", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  g_assert_false (set_sgio (unfiltered, root, "a", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_true (g_str_has_prefix (error->message, "<disk> at line 12: sgio='unfiltered' needs "
                                                   "the kernel's unpriv_sgio for"));
  g_clear_error (&error);
  remove_tree (root);

  /* What is no block device. */
  g_clear_pointer (&unfiltered, g_ptr_array_unref);
  unfiltered = sgio_list ("/dev/null", TRUE);
  g_assert_false (vb_qemu_host_set_sgio (unfiltered, "/sys", "/nonexistent", "a", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "/dev/null is none"));
}

/* What a domain's start set is set back when it ends (or its start fails),
 * from the record in the status directory alone (as after a restart of
 * the service), and only when the last domain using the device ends; a
 * domain asking the other value of a device in use is refused by name. */
static void
test_sgio_restore (void)
{
  const char *dev = some_block_device ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) unfiltered = NULL;
  g_autoptr (GPtrArray) filtered = NULL;
  g_autofree char *file = NULL;
  g_autofree char *root = NULL;
  g_autofree char *record = NULL;
  g_autofree char *value = NULL;
  struct stat st;

  if (!dev)
    {
      g_test_skip ("no block device on this machine");
      return;
    }
  unfiltered = sgio_list (dev, TRUE);
  filtered = sgio_list (dev, FALSE);
  root = pretend_sysfs (dev, "0", &file);
  record = g_build_filename (root, "status", "a.sgio", NULL);

  /* Alone: set, recorded root-only, set back at the end. */
  g_assert_true (set_sgio (unfiltered, root, "a", &error));
  g_assert_no_error (error);
  value = read_back (file);
  g_assert_cmpstr (value, ==, "1");
  g_clear_pointer (&value, g_free);
  g_assert_cmpint (stat (record, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  restore_sgio (root, "a");
  value = read_back (file);
  g_assert_cmpstr (value, ==, "0");
  g_clear_pointer (&value, g_free);
  g_assert_false (g_file_test (record, G_FILE_TEST_EXISTS));
  /* Nothing more to set back: a second end changes nothing. */
  g_assert_true (g_file_set_contents (file, "1", -1, NULL));
  restore_sgio (root, "a");
  value = read_back (file);
  g_assert_cmpstr (value, ==, "1");
  g_clear_pointer (&value, g_free);

  /* The original is 1 now: a filtered guest gets 0, then 1 back. */
  g_assert_true (set_sgio (filtered, root, "a", &error));
  value = read_back (file);
  g_assert_cmpstr (value, ==, "0");
  g_clear_pointer (&value, g_free);
  restore_sgio (root, "a");
  value = read_back (file);
  g_assert_cmpstr (value, ==, "1");
  g_clear_pointer (&value, g_free);
  g_assert_true (g_file_set_contents (file, "0", -1, NULL));

  /* Shared: a runs unfiltered; b's filtered (no sgio=) would switch a's
   * off, so it is refused and the device keeps 1. */
  g_assert_true (set_sgio (unfiltered, root, "a", &error));
  g_assert_false (set_sgio (filtered, root, "b", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID);
  g_assert_nonnull (strstr (error->message, "<disk> at line 12: sgio='filtered' on"));
  g_assert_nonnull (strstr (error->message, "running domain a uses with sgio='unfiltered'"));
  g_clear_error (&error);
  value = read_back (file);
  g_assert_cmpstr (value, ==, "1");
  g_clear_pointer (&value, g_free);
  /* b's failed start sets back only what b recorded: nothing. */
  restore_sgio (root, "b");
  value = read_back (file);
  g_assert_cmpstr (value, ==, "1");
  g_clear_pointer (&value, g_free);

  /* The same value is fine; the device is set back when the last ends. */
  g_assert_true (set_sgio (unfiltered, root, "b", &error));
  g_assert_no_error (error);
  restore_sgio (root, "a");
  value = read_back (file);
  g_assert_cmpstr (value, ==, "1");
  g_clear_pointer (&value, g_free);
  restore_sgio (root, "b");
  value = read_back (file);
  g_assert_cmpstr (value, ==, "0");
  g_clear_pointer (&value, g_free);

  /* Two disks of one domain on the device, with different values. */
  g_ptr_array_add (unfiltered, g_ptr_array_steal_index (filtered, 0));
  g_assert_false (set_sgio (unfiltered, root, "a", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID);
  g_assert_nonnull (strstr (error->message, "another disk of this domain"));
  g_clear_error (&error);
  value = read_back (file);
  g_assert_cmpstr (value, ==, "0");
  remove_tree (root);
}

/* The path is resolved once, and only to a device node under /dev: a link
 * to one names that device; a block node elsewhere (made by whoever can
 * make one) names none. */
static void
test_sgio_paths (void)
{
  const char *dev = some_block_device ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *link = NULL;
  g_autofree char *node = NULL;
  g_autofree char *direct = NULL;
  g_autofree char *linked = NULL;
  g_autofree char *elsewhere = NULL;
  struct stat st;

  if (!dev)
    {
      g_test_skip ("no block device on this machine");
      return;
    }
  g_assert_cmpint (stat (dev, &st), ==, 0);
  dir = g_dir_make_tmp ("vb-sgio-path-XXXXXX", &error);
  g_assert_no_error (error);
  link = g_build_filename (dir, "link", NULL);
  node = g_build_filename (dir, "node", NULL);
  g_assert_cmpint (symlink (dev, link), ==, 0);
  direct = vb_qemu_sgio_sysfs_path ("/sys", dev);
  linked = vb_qemu_sgio_sysfs_path ("/sys", link);
  g_assert_nonnull (direct);
  g_assert_cmpstr (linked, ==, direct);
  if (mknod (node, S_IFBLK | 0600, st.st_rdev) == 0)
    {
      elsewhere = vb_qemu_sgio_sysfs_path ("/sys", node);
      g_assert_null (elsewhere);
    }
  else
    g_test_message ("cannot make a device node here: that part is not checked");
  g_assert_null (vb_qemu_sgio_sysfs_path ("/sys", "/dev/null"));
  remove_tree (dir);
}

/* Every block LUN is set at Start, filtered unless it says unfiltered. */
static void
test_sgio_of_luns (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command =
    build (0, "",
           "<disk type='block' device='lun'><source dev='/dev/sdb'/><target dev='sda' bus='scsi'/>"
           "</disk>"
           "<disk type='block' device='lun' sgio='unfiltered'><source dev='/dev/sdc'/>"
           "<target dev='sdb' bus='scsi'/></disk>"
           "<disk type='block' device='disk'><source dev='/dev/sdd'/><target dev='sdc' bus='scsi'/>"
           "</disk>",
           &error);
  const VbQemuSgio *sgio;

  g_assert_no_error (error);
  g_assert_cmpuint (command->sgio->len, ==, 2);
  sgio = command->sgio->pdata[0];
  g_assert_cmpstr (sgio->dev, ==, "/dev/sdb");
  g_assert_false (sgio->unfiltered);
  sgio = command->sgio->pdata[1];
  g_assert_cmpstr (sgio->dev, ==, "/dev/sdc");
  g_assert_true (sgio->unfiltered);
}

/* <features><async-teardown/>: -async-teardown up to QEMU 8.0, which 9.0
 * removed; -run-with async-teardown=on from 8.1. */
static void
test_async_teardown (void)
{
  static const char top[] = "<features><async-teardown enabled='yes'/></features>";
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = build (70200, top, "", &error);

  g_assert_no_error (error);
  g_assert_true (has_arg (command, "-async-teardown"));
  g_assert_false (has_arg (command, "-run-with"));
  g_clear_pointer (&command, vb_qemu_command_free);
  command = build (90000, top, "", &error);
  g_assert_no_error (error);
  g_assert_false (has_arg (command, "-async-teardown"));
  g_assert_true (has_arg (command, "-run-with"));
  g_assert_true (has_arg (command, "async-teardown=on"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-disks2/iothread-queues", test_iothread_queues);
  g_test_add_func ("/qemu-disks2/rbd-layers", test_rbd_layers);
  g_test_add_func ("/qemu-disks2/sgio", test_sgio);
  g_test_add_func ("/qemu-disks2/sgio-restore", test_sgio_restore);
  g_test_add_func ("/qemu-disks2/sgio-paths", test_sgio_paths);
  g_test_add_func ("/qemu-disks2/sgio-of-luns", test_sgio_of_luns);
  g_test_add_func ("/qemu-disks2/async-teardown", test_async_teardown);
  return g_test_run ();
}
