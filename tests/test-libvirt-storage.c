/* org.libvirt.StoragePool, StorageVol and Connect's storage members
 * (docs/libvirt-dbus.md, "Networks and storage") as a client of
 * libvirt-dbus sees them, on a dir pool with real files: paths, GetAll's
 * double wrapping, every member, libvirt's error texts (Cockpit matches "no
 * storage vol with matching"), the sizes in the pool XML, StoragePoolEvent
 * with libvirt's numbers, the Refresh signal, and authorization. */
#include "vb-test-libvirt.h"

#define MiB (G_GUINT64_CONSTANT (1) << 20)
#define POOL_UUID "6c1f0a3e-7d2b-4e5f-9a8b-0c1d2e3f4a5b"
#define POOL_NODE "_6c1f0a3e_7d2b_4e5f_9a8b_0c1d2e3f4a5b"
#define POOL_PATH LV_QEMU "/storagepool/" POOL_NODE

/* libvirt's virStoragePoolEventLifecycleType */
enum { DEFINED, UNDEFINED, STARTED, STOPPED, CREATED, DELETED };

static char *
pool_xml (const char *dir)
{
  return g_strdup_printf ("<pool type='dir'>\n  <name>lvpool</name>\n  <uuid>" POOL_UUID "</uuid>\n"
                          "  <target>\n    <path>%s</path>\n  </target>\n</pool>\n",
                          dir);
}

static char *
volume_xml (const char *name, guint64 bytes)
{
  return g_strdup_printf ("<volume>\n  <name>%s</name>\n"
                          "  <capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>\n"
                          "  <target>\n    <format type='raw'/>\n  </target>\n</volume>\n",
                          name, bytes);
}

/* libvirt-dbus's escaping of a key into a path element, written here apart
 * from the service's. */
static char *
escaped (const char *key)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) key; *p; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (out, (char) *p);
    else
      g_string_append_printf (out, "_%02x", *p);
  return g_string_free (out, FALSE);
}

static char *
event_line (const char *connect, const char *path, int event)
{
  return g_strdup_printf ("org.libvirt.Connect.StoragePoolEvent %s ('%s', %d, 0)", connect, path,
                          event);
}

static void
wait_line (VbSignalLog *log, const char *line)
{
  if (!vb_signal_log_wait (log, line, 5000))
    {
      vb_signal_log_dump (log);
      g_error ("no %s", line);
    }
}

static void
wait_event (VbSignalLog *log, int event)
{
  g_autofree char *qemu = event_line (LV_QEMU, POOL_PATH, event);
  g_autofree char *test = event_line (LV_TEST, LV_TEST "/storagepool/" POOL_NODE, event);

  wait_line (log, qemu);
  wait_line (log, test);
}

static gboolean
paths_contain (char **paths, const char *path)
{
  return g_strv_contains ((const char *const *) paths, path);
}

static void
test_pool (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autoptr (VbSignalLog) log = vb_signal_log_new (env);
  g_autofree char *dir = g_build_filename (env->tmpdir, "lvimages", NULL);
  g_autofree char *xml = pool_xml (dir);
  g_autofree char *path = NULL;

  path = lv_path (env, LV_QEMU, LV_CONNECT, "StoragePoolDefineXML", g_variant_new ("(su)", xml, 0));
  g_assert_cmpstr (path, ==, POOL_PATH);
  wait_event (log, DEFINED);
  {
    g_autofree char *by_name = lv_path (env, LV_QEMU, LV_CONNECT, "StoragePoolLookupByName",
                                        g_variant_new ("(s)", "lvpool"));
    g_autofree char *by_uuid = lv_path (env, LV_TEST, LV_CONNECT, "StoragePoolLookupByUUID",
                                        g_variant_new ("(s)", POOL_UUID));

    g_assert_cmpstr (by_name, ==, POOL_PATH);
    g_assert_cmpstr (by_uuid, ==, LV_TEST "/storagepool/" POOL_NODE);
  }
  lv_expect_error (env, LV_QEMU, LV_CONNECT, "StoragePoolLookupByName",
                   g_variant_new ("(s)", "nonesuch"),
                   "Storage pool not found: no storage pool with matching name 'nonesuch'");
  lv_expect_error (env, LV_QEMU, LV_CONNECT, "StoragePoolLookupByUUID",
                   g_variant_new ("(s)", "6c1f0a3e-7d2b-4e5f-9a8b-000000000000"),
                   "Storage pool not found: no storage pool with matching uuid "
                   "'6c1f0a3e-7d2b-4e5f-9a8b-000000000000'");
  lv_expect_error (env, LV_QEMU "/storagepool/_6c1f0a3e_7d2b_4e5f_9a8b_000000000000", LV_POOL,
                   "GetInfo", NULL,
                   "Storage pool not found: no storage pool with matching uuid "
                   "'6c1f0a3e-7d2b-4e5f-9a8b-000000000000'");

  /* Properties: GetAll double-wrapped (lv_get_all checks), Get once. */
  {
    g_autoptr (GVariant) all = lv_get_all (env, path, LV_POOL);
    gboolean flag = TRUE;
    const char *text = NULL;

    g_assert_cmpuint (g_variant_n_children (all), ==, 5);
    g_assert_true (g_variant_lookup (all, "Active", "b", &flag) && !flag);
    g_assert_true (g_variant_lookup (all, "Persistent", "b", &flag) && flag);
    g_assert_true (g_variant_lookup (all, "Autostart", "b", &flag) && !flag);
    g_assert_true (g_variant_lookup (all, "Name", "&s", &text));
    g_assert_cmpstr (text, ==, "lvpool");
    g_assert_true (g_variant_lookup (all, "UUID", "&s", &text));
    g_assert_cmpstr (text, ==, POOL_UUID);
  }
  lv_set (env, path, LV_POOL, "Autostart", g_variant_new_boolean (TRUE));
  g_assert_true (lv_get_bool (env, path, LV_POOL, "Autostart"));

  /* Inactive: GetInfo says 0 and zeroes, the XML has zero sizes. */
  {
    g_autoptr (GVariant) info = lv_ok (env, path, LV_POOL, "GetInfo", NULL);
    g_autofree char *inactive =
      lv_string (env, path, LV_POOL, "GetXMLDesc", g_variant_new ("(u)", 0));
    int state;
    guint64 capacity, allocation, available;

    g_variant_get (info, "((ittt))", &state, &capacity, &allocation, &available);
    g_assert_cmpint (state, ==, 0);
    g_assert_cmpuint (capacity, ==, 0);
    g_assert_nonnull (strstr (inactive, "<capacity unit='bytes'>0</capacity>"));
  }
  lv_expect_error (env, path, LV_POOL, "ListStorageVolumes", g_variant_new ("(u)", 0),
                   "Requested operation is not valid: storage pool 'lvpool' is not active");
  lv_expect_error (env, path, LV_POOL, "Create", g_variant_new ("(u)", 0),
                   "Requested operation is not valid: ...");

  lv_void (env, path, LV_POOL, "Build", g_variant_new ("(u)", 0));
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
  wait_event (log, CREATED);
  lv_void (env, path, LV_POOL, "Create", g_variant_new ("(u)", 0));
  wait_event (log, STARTED);
  g_assert_true (lv_get_bool (env, path, LV_POOL, "Active"));
  {
    g_autoptr (GVariant) info = lv_ok (env, path, LV_POOL, "GetInfo", NULL);
    g_autofree char *live = lv_string (env, path, LV_POOL, "GetXMLDesc", g_variant_new ("(u)", 0));
    g_autofree char *expected = NULL;
    int state;
    guint64 capacity, allocation, available;

    g_variant_get (info, "((ittt))", &state, &capacity, &allocation, &available);
    g_assert_cmpint (state, ==, 2); /* VIR_STORAGE_POOL_RUNNING */
    g_assert_cmpuint (capacity, >, 0);
    g_assert_cmpuint (available, <=, capacity);
    g_assert_cmpuint (allocation, <=, capacity);
    /* What Cockpit's pool parser reads. */
    expected =
      g_strdup_printf ("<capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>", capacity);
    g_assert_nonnull (strstr (live, expected));
    g_assert_nonnull (strstr (live, "<allocation unit='bytes'>"));
    g_assert_nonnull (strstr (live, "<available unit='bytes'>"));
  }

  /* Refresh answers, then the pool's Refresh signal arrives (on both Connects). */
  vb_signal_log_clear (log);
  lv_void (env, path, LV_POOL, "Refresh", g_variant_new ("(u)", 0));
  wait_line (log, "org.libvirt.StoragePool.Refresh " POOL_PATH " ()");
  wait_line (log, "org.libvirt.StoragePool.Refresh " LV_TEST "/storagepool/" POOL_NODE " ()");

  /* ListStoragePools' filters, with the pool-type bits (64 DIR). */
  {
    g_auto (GStrv) all =
      lv_paths (env, LV_QEMU, LV_CONNECT, "ListStoragePools", g_variant_new ("(u)", 0));
    g_auto (GStrv) active =
      lv_paths (env, LV_QEMU, LV_CONNECT, "ListStoragePools", g_variant_new ("(u)", 2));
    g_auto (GStrv) inactive =
      lv_paths (env, LV_QEMU, LV_CONNECT, "ListStoragePools", g_variant_new ("(u)", 1));
    g_auto (GStrv) dirs =
      lv_paths (env, LV_QEMU, LV_CONNECT, "ListStoragePools", g_variant_new ("(u)", 64));
    g_auto (GStrv) logical =
      lv_paths (env, LV_QEMU, LV_CONNECT, "ListStoragePools", g_variant_new ("(u)", 512));

    g_assert_true (paths_contain (all, path) && paths_contain (active, path));
    g_assert_false (paths_contain (inactive, path));
    g_assert_true (paths_contain (dirs, path));
    g_assert_false (paths_contain (logical, path));
  }
  lv_expect_error (env, LV_QEMU, LV_CONNECT, "ListStoragePools", g_variant_new ("(u)", 1u << 20),
                   "invalid argument: unsupported flags (0x100000) in function "
                   "virConnectListAllStoragePools");

  /* Stop, delete from disk, undefine: each its event. */
  lv_void (env, path, LV_POOL, "Destroy", NULL);
  wait_event (log, STOPPED);
  g_assert_false (lv_get_bool (env, path, LV_POOL, "Active"));
  lv_void (env, path, LV_POOL, "Delete", g_variant_new ("(u)", 0));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  wait_event (log, DELETED);
  lv_void (env, path, LV_POOL, "Undefine", NULL);
  wait_event (log, UNDEFINED);
  lv_expect_error (env, path, LV_PROPERTIES, "Get", g_variant_new ("(ss)", LV_POOL, "Name"),
                   "Storage pool not found: no storage pool with matching uuid '" POOL_UUID "'");

  /* A transient pool: created running, gone when stopped. */
  vb_signal_log_clear (log);
  {
    g_autofree char *tdir = g_build_filename (env->tmpdir, "lvtmp", NULL);
    g_autofree char *txml = NULL;
    g_autofree char *tpath = NULL;

    g_assert_cmpint (g_mkdir (tdir, 0755), ==, 0);
    txml = g_strdup_printf ("<pool type='dir'>\n  <name>lvtmp</name>\n"
                            "  <target>\n    <path>%s</path>\n  </target>\n</pool>\n",
                            tdir);
    tpath =
      lv_path (env, LV_QEMU, LV_CONNECT, "StoragePoolCreateXML", g_variant_new ("(su)", txml, 0));
    g_assert_true (lv_get_bool (env, tpath, LV_POOL, "Active"));
    g_assert_false (lv_get_bool (env, tpath, LV_POOL, "Persistent"));
    {
      g_autofree char *started = event_line (LV_QEMU, tpath, STARTED);
      g_autofree char *defined = event_line (LV_QEMU, tpath, DEFINED);

      wait_line (log, started);
      g_assert_cmpint (vb_signal_log_find (log, defined), <, 0);
    }
    lv_void (env, tpath, LV_POOL, "Destroy", NULL);
    {
      g_autofree char *stopped = event_line (LV_QEMU, tpath, STOPPED);

      wait_line (log, stopped);
    }
    lv_expect_error (env, tpath, LV_POOL, "GetInfo", NULL, "Storage pool not found: ...");
  }
}

static void
test_volumes (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *dir = g_build_filename (env->tmpdir, "lvimages", NULL);
  g_autofree char *xml = pool_xml (dir);
  g_autofree char *pool =
    lv_path (env, LV_QEMU, LV_CONNECT, "StoragePoolDefineXML", g_variant_new ("(su)", xml, 0));
  g_autofree char *file = g_build_filename (dir, "disk-1.img", NULL);
  g_autofree char *key_node = escaped (file);
  g_autofree char *expected_path = g_strconcat (LV_QEMU "/storagevol/", key_node, NULL);
  g_autofree char *vol_xml = volume_xml ("disk-1.img", 4 * MiB);
  g_autofree char *vol = NULL;

  lv_void (env, pool, LV_POOL, "Build", g_variant_new ("(u)", 0));
  lv_void (env, pool, LV_POOL, "Create", g_variant_new ("(u)", 0));
  vol = lv_path (env, pool, LV_POOL, "StorageVolCreateXML", g_variant_new ("(su)", vol_xml, 0));
  /* <connect>/storagevol/<escaped key>; the key is the file's path. */
  g_assert_cmpstr (vol, ==, expected_path);
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));

  {
    g_autoptr (GVariant) all = lv_get_all (env, vol, LV_VOL);
    const char *text = NULL;

    g_assert_cmpuint (g_variant_n_children (all), ==, 3);
    g_assert_true (g_variant_lookup (all, "Name", "&s", &text));
    g_assert_cmpstr (text, ==, "disk-1.img");
    g_assert_true (g_variant_lookup (all, "Key", "&s", &text));
    g_assert_cmpstr (text, ==, file);
    g_assert_true (g_variant_lookup (all, "Path", "&s", &text));
    g_assert_cmpstr (text, ==, file);
  }
  {
    g_autoptr (GVariant) info = lv_ok (env, vol, LV_VOL, "GetInfo", g_variant_new ("(u)", 0));
    g_autofree char *vxml = lv_string (env, vol, LV_VOL, "GetXMLDesc", g_variant_new ("(u)", 0));
    int type;
    guint64 capacity, allocation;

    g_variant_get (info, "((itt))", &type, &capacity, &allocation);
    g_assert_cmpint (type, ==, 0); /* VIR_STORAGE_VOL_FILE */
    g_assert_cmpuint (capacity, ==, 4 * MiB);
    g_assert_nonnull (strstr (vxml, "<name>disk-1.img</name>"));
    g_assert_nonnull (strstr (vxml, file));
  }
  lv_expect_error (env, vol, LV_VOL, "GetXMLDesc", g_variant_new ("(u)", 1),
                   "invalid argument: unsupported flags (0x1) in function virStorageVolGetXMLDesc");

  /* Lookups: in the pool by name, on the Connect by key and by path. */
  {
    g_auto (GStrv) listed =
      lv_paths (env, pool, LV_POOL, "ListStorageVolumes", g_variant_new ("(u)", 0));
    g_autofree char *by_name =
      lv_path (env, pool, LV_POOL, "StorageVolLookupByName", g_variant_new ("(s)", "disk-1.img"));
    g_autofree char *by_key =
      lv_path (env, LV_QEMU, LV_CONNECT, "StorageVolLookupByKey", g_variant_new ("(s)", file));
    g_autofree char *by_path =
      lv_path (env, LV_QEMU, LV_CONNECT, "StorageVolLookupByPath", g_variant_new ("(s)", file));
    g_autofree char *on_test =
      lv_path (env, LV_TEST, LV_CONNECT, "StorageVolLookupByPath", g_variant_new ("(s)", file));

    g_assert_cmpuint (g_strv_length (listed), ==, 1);
    g_assert_cmpstr (listed[0], ==, vol);
    g_assert_cmpstr (by_name, ==, vol);
    g_assert_cmpstr (by_key, ==, vol);
    g_assert_cmpstr (by_path, ==, vol);
    g_assert_true (g_str_has_prefix (on_test, LV_TEST "/storagevol/"));
    g_assert_true (g_str_has_suffix (on_test, key_node));
  }
  lv_expect_error (env, pool, LV_POOL, "ListStorageVolumes", g_variant_new ("(u)", 1),
                   "invalid argument: unsupported flags (0x1) in function "
                   "virStoragePoolListAllVolumes");
  lv_expect_error (env, pool, LV_POOL, "StorageVolLookupByName", g_variant_new ("(s)", "nope"),
                   "Storage volume not found: no storage vol with matching name 'nope'");
  lv_expect_error (env, LV_QEMU, LV_CONNECT, "StorageVolLookupByKey",
                   g_variant_new ("(s)", "/nowhere/x"),
                   "Storage volume not found: no storage vol with matching key /nowhere/x");
  /* The text Cockpit matches before it deletes a disk file itself. */
  lv_expect_error (env, LV_QEMU, LV_CONNECT, "StorageVolLookupByPath",
                   g_variant_new ("(s)", "/var/tmp/not-a-volume.qcow2"),
                   "Storage volume not found: no storage vol with matching path "
                   "'/var/tmp/not-a-volume.qcow2'");

  /* Resize, wipe, clone. */
  lv_void (env, vol, LV_VOL, "Resize", g_variant_new ("(tu)", 8 * MiB, 0));
  {
    g_autoptr (GVariant) info = lv_ok (env, vol, LV_VOL, "GetInfo", g_variant_new ("(u)", 0));
    int type;
    guint64 capacity, allocation;

    g_variant_get (info, "((itt))", &type, &capacity, &allocation);
    g_assert_cmpuint (capacity, ==, 8 * MiB);
  }
  lv_expect_error (env, vol, LV_VOL, "Resize", g_variant_new ("(tu)", 2 * MiB, 0),
                   "invalid argument: ...");
  g_assert_true (g_file_set_contents (file, "data", 4, NULL));
  lv_void (env, vol, LV_VOL, "Wipe", g_variant_new ("(uu)", 0, 0));
  lv_expect_error (env, vol, LV_VOL, "Wipe", g_variant_new ("(uu)", 1, 0),
                   "Operation not supported: ...");
  {
    g_autofree char *copy_xml = volume_xml ("copy.img", 8 * MiB);
    g_autofree char *copy = lv_path (env, pool, LV_POOL, "StorageVolCreateXMLFrom",
                                     g_variant_new ("(ssu)", copy_xml, file, 0));
    g_autofree char *copy_file = g_build_filename (dir, "copy.img", NULL);
    g_autofree char *copy_node = escaped (copy_file);

    g_assert_true (g_str_has_suffix (copy, copy_node));
    g_assert_true (g_file_test (copy_file, G_FILE_TEST_IS_REGULAR));
    lv_expect_error (env, pool, LV_POOL, "StorageVolCreateXMLFrom",
                     g_variant_new ("(ssu)", copy_xml, "/nowhere/x", 0),
                     "Storage volume not found: no storage vol with matching key /nowhere/x");
    lv_void (env, copy, LV_VOL, "Delete", g_variant_new ("(u)", 0));
    g_assert_false (g_file_test (copy_file, G_FILE_TEST_EXISTS));
  }

  /* Delete: the file and the object go. */
  lv_void (env, vol, LV_VOL, "Delete", g_variant_new ("(u)", 0));
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  {
    g_autofree char *message = g_strdup_printf ("Storage volume not found: no storage vol with "
                                                "matching key %s",
                                                file);

    lv_expect_error (env, vol, LV_VOL, "GetInfo", g_variant_new ("(u)", 0), message);
  }
  /* Volumes of an inactive pool are not known, as in libvirt. */
  vol = lv_path (env, pool, LV_POOL, "StorageVolCreateXML", g_variant_new ("(su)", vol_xml, 0));
  lv_void (env, pool, LV_POOL, "Destroy", NULL);
  lv_expect_error (env, LV_QEMU, LV_CONNECT, "StorageVolLookupByPath", g_variant_new ("(s)", file),
                   "Storage volume not found: ...");
  lv_expect_error (env, vol, LV_PROPERTIES, "Get", g_variant_new ("(ss)", LV_VOL, "Path"),
                   "Storage volume not found: ...");
}

/* ---- authorization ---- */

static void
child_unprivileged (void)
{
  g_autoptr (GDBusConnection) bus = lv_connect_as_user ();
  g_autofree char *pool = lv_handoff_get ("pool");
  g_autofree char *vol = lv_handoff_get ("volume");
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;

  /* Reads are open (org.virtbus.Virt1.read)... */
  reply = lv_call_on (bus, pool, LV_POOL, "GetXMLDesc", g_variant_new ("(u)", 0), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = lv_call_on (bus, vol, LV_VOL, "GetInfo", g_variant_new ("(u)", 0), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply =
    lv_call_on (bus, LV_QEMU, LV_CONNECT, "ListStoragePools", g_variant_new ("(u)", 0), &error);
  g_assert_no_error (error);
  /* ...changes need org.virtbus.Virt1.storage.manage. */
  lv_expect_error_on (bus, pool, LV_POOL, "Refresh", g_variant_new ("(u)", 0),
                      "access denied: ...");
  lv_expect_error_on (bus, pool, LV_POOL, "Destroy", NULL, "access denied: ...");
  lv_expect_error_on (bus, pool, LV_POOL, "StorageVolCreateXML",
                      g_variant_new ("(su)", "<volume><name>evil</name></volume>", 0),
                      "access denied: ...");
  lv_expect_error_on (bus, pool, LV_PROPERTIES, "Set",
                      g_variant_new ("(ssv)", LV_POOL, "Autostart", g_variant_new_boolean (TRUE)),
                      "access denied: ...");
  lv_expect_error_on (bus, vol, LV_VOL, "Delete", g_variant_new ("(u)", 0), "access denied: ...");
  lv_expect_error_on (bus, vol, LV_VOL, "Wipe", g_variant_new ("(uu)", 0, 0), "access denied: ...");
  lv_expect_error_on (bus, LV_QEMU, LV_CONNECT, "StoragePoolDefineXML",
                      g_variant_new ("(su)", "<pool type='dir'><name>evil</name></pool>", 0),
                      "access denied: ...");
}

static void
test_unprivileged_refused (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_POLKIT);
  g_autofree char *dir = g_build_filename (env->tmpdir, "lvimages", NULL);
  g_autofree char *xml = pool_xml (dir);
  g_autofree char *pool =
    lv_path (env, LV_QEMU, LV_CONNECT, "StoragePoolDefineXML", g_variant_new ("(su)", xml, 0));
  g_autofree char *vol_xml = volume_xml ("keep.img", MiB);
  g_autofree char *vol = NULL;

  lv_void (env, pool, LV_POOL, "Build", g_variant_new ("(u)", 0));
  lv_void (env, pool, LV_POOL, "Create", g_variant_new ("(u)", 0));
  vol = lv_path (env, pool, LV_POOL, "StorageVolCreateXML", g_variant_new ("(su)", vol_xml, 0));
  lv_handoff_set ("address", env->bus_address);
  lv_handoff_set ("pool", pool);
  lv_handoff_set ("volume", vol);
  vb_test_env_run_child (env, "/libvirt-storage/child/unprivileged", 30 * G_USEC_PER_SEC);
  g_assert_true (lv_get_bool (env, pool, LV_POOL, "Active"));
  g_assert_false (lv_get_bool (env, pool, LV_POOL, "Autostart"));
  {
    g_autofree char *kept = g_build_filename (dir, "keep.img", NULL);

    g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));
  }
}

int
main (int argc, char **argv)
{
  lv_test_init (&argc, &argv);
  g_test_add_func ("/libvirt-storage/pool", test_pool);
  g_test_add_func ("/libvirt-storage/volumes", test_volumes);
  g_test_add_func ("/libvirt-storage/unprivileged-refused", test_unprivileged_refused);
  g_test_add_data_func ("/libvirt-storage/child/unprivileged", child_unprivileged,
                        vb_test_run_as_child);
  return g_test_run ();
}
