/* Restarts: what was defined comes back exactly, what was transient is gone,
 * a corrupt file on disk is reported and skipped. */
#include <errno.h>
#include <glib/gstdio.h>
#include <utime.h>

#include "vb-test-env.h"


#define UUID_PLAIN "11111111-2222-4333-8444-555555555501"
#define UUID_AUTO "11111111-2222-4333-8444-555555555502"
#define UUID_TRANSIENT "11111111-2222-4333-8444-555555555503"
#define NET_UUID "11111111-2222-4333-8444-555555555504"
#define POOL_UUID "11111111-2222-4333-8444-555555555505"

static char *
define (VbTestEnv *env, const char *method, const char *xml)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, MANAGER, IFACE_MANAGER, method, g_variant_new ("(su)", xml, 0));
  char *path;

  g_variant_get (reply, "(o)", &path);
  return path;
}

static void
set_autostart (VbTestEnv *env, const char *path, const char *iface)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (
    env, path, "org.freedesktop.DBus.Properties", "Set",
    g_variant_new ("(ssv)", iface, "Autostart", g_variant_new_boolean (TRUE)));
}

static void
call_void (VbTestEnv *env, const char *path, const char *iface, const char *method,
           GVariant *args)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (env, path, iface, method, args);
}

static gint
compare_lines (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* Everything a client can see of the service, as one comparable string. */
static char *
snapshot (VbTestEnv *env)
{
  g_autoptr (GVariant) objects =
    vb_test_call_ok (env, MANAGER, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL);
  GString *text = g_string_new (NULL);
  g_autoptr (GVariant) dict = g_variant_get_child_value (objects, 0);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  const char *path;
  GVariant *ifaces;

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &ifaces))
    {
      g_autofree char *printed = g_variant_print (ifaces, FALSE);
      /* Ids are handed out anew by each start; the rest must match. */
      g_autoptr (GRegex) id = g_regex_new ("'Id': <-?[0-9]+>", 0, 0, NULL);
      g_autofree char *stable = g_regex_replace (id, printed, -1, 0, "'Id': <ID>", 0, NULL);
      g_ptr_array_add (paths, g_strdup_printf ("%s %s", path, stable));
      g_variant_unref (ifaces);
    }
  g_ptr_array_sort (paths, compare_lines);
  for (guint i = 0; i < paths->len; i++)
    g_string_append_printf (text, "%s\n", (char *) paths->pdata[i]);
  return g_string_free (text, FALSE);
}

static void
populate (VbTestEnv *env)
{
  g_autofree char *plain_xml = vb_test_domain_xml ("plain", UUID_PLAIN);
  g_autofree char *auto_xml = vb_test_domain_xml ("auto", UUID_AUTO);
  g_autofree char *transient_xml = vb_test_domain_xml ("transient", UUID_TRANSIENT);
  g_autofree char *plain = define (env, "DefineDomain", plain_xml);
  g_autofree char *autod = define (env, "DefineDomain", auto_xml);
  g_autofree char *transient = define (env, "CreateDomain", transient_xml);
  g_autofree char *net = define (env, "DefineNetwork",
                                 "<network>\n  <name>persist-net</name>\n"
                                 "  <uuid>" NET_UUID "</uuid>\n</network>\n");
  g_autofree char *pool = define (env, "DefineStoragePool",
                                  "<pool type='test'>\n  <name>persist-pool</name>\n"
                                  "  <uuid>" POOL_UUID "</uuid>\n</pool>\n");
  g_autofree char *volume = NULL;

  set_autostart (env, autod, IFACE_DOMAIN);
  set_autostart (env, net, IFACE_NETWORK);
  set_autostart (env, pool, IFACE_POOL);
  call_void (env, autod, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  call_void (env, net, IFACE_NETWORK, "Start", g_variant_new ("(u)", 0));
  call_void (env, pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
  {
    g_autoptr (GVariant) reply = vb_test_call_ok (
      env, pool, IFACE_POOL, "CreateVolume",
      g_variant_new ("(su)",
                     "<volume>\n  <name>v1</name>\n  <capacity>1048576</capacity>\n</volume>\n",
                     0));
  }
  g_assert_true (vb_test_wait_property (env, plain, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("shutoff"), 1000));
}

static void
test_restart (gconstpointer data)
{
  gboolean kill9 = GPOINTER_TO_INT (data);
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *transient = vb_test_domain_path (UUID_TRANSIENT);

  vb_test_env_start_daemon (env, NULL);
  populate (env);
  /* The transient domain is there now and must not be after the restart. */
  g_assert_true (vb_test_wait_property (env, transient, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 1000));
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GVariant) lost = NULL;

    vb_test_call_ok (env, transient, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
    lost = vb_test_call (env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                         g_variant_new ("(s)", "transient"), &error);
    /* Destroying a transient domain removes it at once (after the call returns). */
    g_assert_true (lost == NULL || error == NULL);
  }
  {
    g_autofree char *xml = vb_test_domain_xml ("transient", UUID_TRANSIENT);
    g_autofree char *again = define (env, "CreateDomain", xml);
  }
  before = snapshot (env);
  g_assert_nonnull (strstr (before, "transient"));

  vb_test_env_stop_daemon (env, kill9);
  vb_test_env_start_daemon (env, NULL);
  /* Autostart runs once the name is owned: wait for it to settle. */
  g_assert_true (vb_test_wait_property (env, vb_test_domain_path (UUID_AUTO), IFACE_DOMAIN,
                                        "State", g_variant_new_string ("running"), 3000));
  g_assert_true (vb_test_wait_property (env, "/org/virtbus/Virt1/pool/" "11111111_2222_4333_8444_555555555505",
                                        IFACE_POOL, "Active", g_variant_new_boolean (TRUE), 3000));
  after = snapshot (env);

  /* Everything but the transient domain is back exactly. */
  {
    g_auto (GStrv) lines = g_strsplit (before, "\n", -1);
    g_autoptr (GString) expected = g_string_new (NULL);

    for (guint i = 0; lines[i]; i++)
      if (lines[i][0] && !strstr (lines[i], "11111111_2222_4333_8444_555555555503"))
        g_string_append_printf (expected, "%s\n", lines[i]);
    g_assert_cmpstr (after, ==, expected->str);
  }
  g_assert_null (strstr (after, "'transient'"));
}

/* Manager.RejectedConfigs lists domains/rejected/@uuid.xml, which holds
 * @len bytes of @contents, the file as it was. */
static void
assert_rejected (VbTestEnv *env, const char *uuid, const char *contents, gsize len)
{
  g_autofree char *file = g_strconcat (uuid, ".xml", NULL);
  g_autofree char *kept = g_build_filename (env->state_dir, "domains", "rejected", file, NULL);
  g_autoptr (GVariant) rejected =
    vb_test_get_property (env, MANAGER, IFACE_MANAGER, "RejectedConfigs");
  g_autofree char *data = NULL;
  gsize data_len = 0;
  gboolean listed = FALSE;
  GVariantIter iter;
  const char *kind, *path, *reason;

  g_assert_true (g_file_get_contents (kept, &data, &data_len, NULL));
  g_assert_cmpmem (data, data_len, contents, len);
  g_variant_iter_init (&iter, rejected);
  while (g_variant_iter_next (&iter, "(&s&s&s)", &kind, &path, &reason))
    if (g_str_equal (path, kept))
      {
        g_assert_cmpstr (kind, ==, "domains");
        g_assert_cmpstr (reason, !=, "");
        listed = TRUE;
      }
  g_assert_true (listed);
}

static void
test_corrupt_config (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *good_xml = vb_test_domain_xml ("good", UUID_PLAIN);
  g_autofree char *bad_xml = vb_test_domain_xml ("bad", UUID_AUTO);
  g_autofree char *good = NULL;
  g_autofree char *bad = NULL;
  g_autofree char *bad_file = NULL;
  g_autofree char *garbage_file = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *log = NULL;

  vb_test_env_start_daemon (env, NULL);
  good = define (env, "DefineDomain", good_xml);
  bad = define (env, "DefineDomain", bad_xml);
  /* A clean stop empties the journal into the files: what is broken below
   * is then what the next start reads (after a kill the journal would
   * write the acknowledged definitions again, /persistence/journal-wins). */
  vb_test_env_stop_daemon (env, FALSE);

  /* Truncate one file in the middle, and drop binary garbage beside it. */
  bad_file = g_build_filename (env->state_dir, "domains", UUID_AUTO ".xml", NULL);
  g_assert_true (g_file_get_contents (bad_file, &contents, NULL, NULL));
  g_assert_true (g_file_set_contents (bad_file, contents, strlen (contents) / 2, NULL));
  garbage_file =
    g_build_filename (env->state_dir, "domains", "99999999-2222-4333-8444-555555555599.xml", NULL);
  g_assert_true (g_file_set_contents (garbage_file, "\xff\xfe\x00garbage<<<", 14, NULL));

  vb_test_env_start_daemon (env, NULL);
  {
    g_autoptr (GVariant) state = vb_test_get_property (env, good, IFACE_DOMAIN, "State");
    g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "shutoff");
  }
  vb_test_call_expect_error (env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", "bad"), "org.virtbus.Virt1.Error.NotFound");
  log = vb_test_env_daemon_log (env);
  g_assert_nonnull (strstr (log, UUID_AUTO ".xml"));
  g_assert_nonnull (strstr (log, "99999999-2222-4333-8444-555555555599.xml"));
  /* Neither file is lost: both are kept aside, and clients are told. */
  assert_rejected (env, UUID_AUTO, contents, strlen (contents) / 2);
  assert_rejected (env, "99999999-2222-4333-8444-555555555599", "\xff\xfe\x00garbage<<<", 14);
  g_assert_false (g_file_test (bad_file, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (garbage_file, G_FILE_TEST_EXISTS));
  /* The name and UUID are free: defined anew, the definition stays. */
  {
    g_autofree char *again = define (env, "DefineDomain", bad_xml);
    g_assert_cmpstr (again, ==, bad);
  }
  for (guint i = 0; i < 2; i++)
    {
      vb_test_env_stop_daemon (env, i == 0);
      vb_test_env_start_daemon (env, NULL);
      g_assert_true (
        vb_test_wait_property (env, bad, IFACE_DOMAIN, "Name", g_variant_new_string ("bad"), 1000));
      /* Still reported at later starts, until someone moves them back or away. */
      assert_rejected (env, UUID_AUTO, contents, strlen (contents) / 2);
      assert_rejected (env, "99999999-2222-4333-8444-555555555599", "\xff\xfe\x00garbage<<<", 14);
    }
  g_assert_true (vb_test_env_daemon_alive (env));
}

static void
test_interrupted_write_leftover (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *xml = vb_test_domain_xml ("survivor", UUID_PLAIN);
  g_autofree char *path = NULL;
  g_autofree char *leftover =
    g_build_filename (env->state_dir, "domains", UUID_PLAIN ".xml.vbtmp", NULL);

  vb_test_env_start_daemon (env, NULL);
  path = define (env, "DefineDomain", xml);
  vb_test_env_stop_daemon (env, TRUE);
  /* A crash between writing the temporary file and renaming it leaves this. */
  g_assert_true (g_file_set_contents (leftover, "<domain type='test'><na", -1, NULL));
  vb_test_env_start_daemon (env, NULL);
  g_assert_true (vb_test_wait_property (env, path, IFACE_DOMAIN, "Name",
                                        g_variant_new_string ("survivor"), 1000));
  g_assert_false (g_file_test (leftover, G_FILE_TEST_EXISTS));
}

/* Writes @xml as the stored definition of @uuid, as a define would have. */
static char *
plant_domain (VbTestEnv *env, const char *uuid, const char *xml)
{
  g_autofree char *file = g_strconcat (uuid, ".xml", NULL);
  char *path = g_build_filename (env->state_dir, "domains", file, NULL);

  g_assert_true (g_file_set_contents (path, xml, -1, NULL));
  return path;
}

/* A stored <vcpu> beyond 64 bits used to crash every start (a crash loop no
 * restart escapes): the service starts, and the other domains are there. */
static void
test_stored_huge_vcpus (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *good_xml = vb_test_domain_xml ("good", UUID_PLAIN);
  g_autofree char *good = NULL;
  g_autofree char *bad_file = NULL;
  const char *bad_xml = "<domain type='test'>\n  <name>many-cpus</name>\n"
                        "  <uuid>" UUID_AUTO "</uuid>\n"
                        "  <memory unit='KiB'>65536</memory>\n"
                        "  <vcpu>18446744073709551616</vcpu>\n</domain>\n";

  vb_test_env_start_daemon (env, NULL);
  good = define (env, "DefineDomain", good_xml);
  vb_test_env_stop_daemon (env, FALSE);
  bad_file = plant_domain (env, UUID_AUTO, bad_xml);

  vb_test_env_start_daemon (env, NULL);
  g_assert_true (vb_test_env_daemon_alive (env));
  g_assert_true (
    vb_test_wait_property (env, good, IFACE_DOMAIN, "Name", g_variant_new_string ("good"), 1000));
  vb_test_call_expect_error (env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", "many-cpus"), ERROR_PREFIX "NotFound");
  /* Kept aside and reported, as any file that does not load. */
  assert_rejected (env, UUID_AUTO, bad_xml, strlen (bad_xml));
  g_assert_false (g_file_test (bad_file, G_FILE_TEST_EXISTS));
  /* Its name is free: defined again under another UUID, it stays that way. */
  {
    g_autofree char *xml = vb_test_domain_xml ("many-cpus", UUID_TRANSIENT);
    g_autofree char *again = define (env, "DefineDomain", xml);

    for (guint i = 0; i < 2; i++)
      {
        vb_test_env_stop_daemon (env, i == 0);
        vb_test_env_start_daemon (env, NULL);
        g_assert_true (vb_test_wait_property (env, again, IFACE_DOMAIN, "Name",
                                              g_variant_new_string ("many-cpus"), 1000));
        assert_rejected (env, UUID_AUTO, bad_xml, strlen (bad_xml));
      }
  }
}

/* kill -9 between writing a temporary file and renaming it leaves the
 * temporary behind, in whichever directory the write was for: the next start
 * removes them all, and only them. */
static void
test_leftovers_everywhere (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *xml = vb_test_domain_xml ("survivor", UUID_PLAIN);
  g_autofree char *path = NULL;
  const char *const dirs[] = {
    "domains",
    "domains/autostart",
    "networks",
    "networks/autostart",
    "pools",
    "pools/autostart",
    "snapshots/" UUID_PLAIN,
    "snapshots/" UUID_PLAIN "/autostart",
    "snapshots/" UUID_AUTO,
    "test-storage/" POOL_UUID,
    "qemu/nvram",
  };
  g_autoptr (GPtrArray) planted = g_ptr_array_new_with_free_func (g_free);

  vb_test_env_start_daemon (env, NULL);
  path = define (env, "DefineDomain", xml);
  vb_test_env_stop_daemon (env, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *dir = g_build_filename (env->state_dir, dirs[i], NULL);

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_ptr_array_add (planted, g_build_filename (dir, UUID_PLAIN ".xml.vbtmp", NULL));
    }
  g_ptr_array_add (planted, g_build_filename (env->run_dir, "status.json.vbtmp", NULL));
  for (guint i = 0; i < planted->len; i++)
    g_assert_true (g_file_set_contents (planted->pdata[i], "<half", -1, NULL));

  vb_test_env_start_daemon (env, NULL);
  g_assert_true (vb_test_wait_property (env, path, IFACE_DOMAIN, "Name",
                                        g_variant_new_string ("survivor"), 1000));
  for (guint i = 0; i < planted->len; i++)
    if (g_file_test (planted->pdata[i], G_FILE_TEST_EXISTS))
      g_error ("%s survived the start", (char *) planted->pdata[i]);
}

/* Writes a definition of @name as @uuid.xml, last saved @age seconds ago. */
static void
plant_aged (VbTestEnv *env, const char *name, const char *uuid, gint64 age)
{
  g_autofree char *xml = g_strdup_printf ("<domain type='test'>\n  <name>%s</name>\n"
                                          "  <uuid>%s</uuid>\n"
                                          "  <memory unit='KiB'>65536</memory>\n"
                                          "  <currentMemory unit='KiB'>65536</currentMemory>\n"
                                          "  <vcpu>1</vcpu>\n</domain>\n",
                                          name, uuid);
  g_autofree char *path = plant_domain (env, uuid, xml);
  struct utimbuf times;

  times.actime = times.modtime = (time_t) (g_get_real_time () / G_USEC_PER_SEC - age);
  g_assert_cmpint (g_utime (path, &times), ==, 0);
}

/* Two stored files claim one name (one skipped once, and the name defined
 * again since, as an older service did): the last saved wins at every start,
 * whatever the directory order; the other is kept aside and reported. */
static void
test_newest_definition_wins (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  /* Creation order, UUID order and which of the two is newer all vary, so
   * that no directory order can make every pair come out right by chance. */
  const struct {
    const char *name, *old_uuid, *new_uuid;
    gboolean old_created_first;
  } pairs[] = {
#define TWIN(n) "33333333-2222-4333-8444-5555555555" n
    { "twin-a", TWIN ("01"), TWIN ("02"), TRUE },  { "twin-b", TWIN ("03"), TWIN ("04"), FALSE },
    { "twin-c", TWIN ("06"), TWIN ("05"), TRUE },  { "twin-d", TWIN ("08"), TWIN ("07"), FALSE },
    { "twin-e", TWIN ("09"), TWIN ("10"), FALSE }, { "twin-f", TWIN ("11"), TWIN ("12"), TRUE },
    { "twin-g", TWIN ("14"), TWIN ("13"), FALSE }, { "twin-h", TWIN ("16"), TWIN ("15"), TRUE },
#undef TWIN
  };

  vb_test_env_start_daemon (env, NULL);
  vb_test_env_stop_daemon (env, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      if (pairs[i].old_created_first)
        plant_aged (env, pairs[i].name, pairs[i].old_uuid, 3600);
      plant_aged (env, pairs[i].name, pairs[i].new_uuid, 60);
      if (!pairs[i].old_created_first)
        plant_aged (env, pairs[i].name, pairs[i].old_uuid, 3600);
    }

  for (guint start = 0; start < 2; start++)
    {
      vb_test_env_start_daemon (env, NULL);
      for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
        {
          g_autoptr (GVariant) reply =
            vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", pairs[i].name));
          g_autofree char *expected = vb_test_domain_path (pairs[i].new_uuid);
          const char *path;

          g_variant_get (reply, "(&o)", &path);
          g_assert_cmpstr (path, ==, expected);
        }
      for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
        {
          g_autofree char *file = g_strconcat (pairs[i].old_uuid, ".xml", NULL);
          g_autofree char *kept =
            g_build_filename (env->state_dir, "domains", "rejected", file, NULL);

          g_assert_true (g_file_test (kept, G_FILE_TEST_EXISTS));
        }
      vb_test_env_stop_daemon (env, start == 0);
    }
}

/* Snapshot metadata is read when its domain comes; metadata that does not
 * load then is kept aside like a definition, and clients are told with
 * PropertiesChanged on the Manager. */
static void
test_rejected_later_is_signalled (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *xml = vb_test_domain_xml ("late", UUID_PLAIN);
  g_autofree char *dir = g_build_filename (env->state_dir, "snapshots", UUID_PLAIN, NULL);
  g_autofree char *file = g_build_filename (dir, "snap1.xml", NULL);
  g_autofree char *kept = g_build_filename (dir, "rejected", "snap1.xml", NULL);
  g_autoptr (VbSignalLog) signals = NULL;
  g_autoptr (GVariant) rejected = NULL;
  g_autofree char *printed = NULL;
  g_autofree char *path = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, "<domainsnapshot><na", -1, NULL));
  vb_test_env_start_daemon (env, NULL);
  rejected = vb_test_get_property (env, MANAGER, IFACE_MANAGER, "RejectedConfigs");
  g_assert_cmpuint (g_variant_n_children (rejected), ==, 0);
  g_clear_pointer (&rejected, g_variant_unref);

  signals = vb_signal_log_new (env);
  path = define (env, "DefineDomain", xml);
  g_assert_true (vb_signal_log_wait (signals, "RejectedConfigs", 2000));
  rejected = vb_test_get_property (env, MANAGER, IFACE_MANAGER, "RejectedConfigs");
  printed = g_variant_print (rejected, FALSE);
  g_assert_cmpuint (g_variant_n_children (rejected), ==, 1);
  g_assert_nonnull (strstr (printed, "'snapshots'"));
  g_assert_nonnull (strstr (printed, kept));
  g_assert_true (g_file_test (kept, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  /* The domain itself is fine. */
  g_assert_true (
    vb_test_wait_property (env, path, IFACE_DOMAIN, "Name", g_variant_new_string ("late"), 1000));
}

/* A definition only this run's driver refuses (here the bridge network
 * driver, which has no <forward mode='bridge'>) is reported but left where
 * it is: it is back as soon as a start has a driver that takes it. */
static void
test_driver_refusal_left_in_place (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  const char *const bridge_driver[] = { "--network-driver=bridge", NULL };
  g_autofree char *file = g_build_filename (env->state_dir, "networks", NET_UUID ".xml", NULL);
  g_autofree char *path = NULL;
  g_autoptr (GVariant) rejected = NULL;
  g_autofree char *printed = NULL;

  vb_test_env_start_daemon (env, NULL);
  path = define (env, "DefineNetwork",
                 "<network>\n  <name>outside</name>\n  <uuid>" NET_UUID "</uuid>\n"
                 "  <forward mode='bridge'/>\n  <bridge name='br-outside'/>\n</network>\n");
  vb_test_env_stop_daemon (env, FALSE);

  vb_test_env_start_daemon (env, bridge_driver);
  vb_test_call_expect_error (env, MANAGER, IFACE_MANAGER, "LookupNetworkByName",
                             g_variant_new ("(s)", "outside"), ERROR_PREFIX "NotFound");
  rejected = vb_test_get_property (env, MANAGER, IFACE_MANAGER, "RejectedConfigs");
  printed = g_variant_print (rejected, FALSE);
  g_assert_nonnull (strstr (printed, "'networks'"));
  g_assert_nonnull (strstr (printed, file));
  g_assert_true (g_file_test (file, G_FILE_TEST_EXISTS));
  vb_test_env_stop_daemon (env, FALSE);

  vb_test_env_start_daemon (env, NULL);
  g_assert_true (vb_test_wait_property (env, path, IFACE_NETWORK, "Name",
                                        g_variant_new_string ("outside"), 1000));
  g_clear_pointer (&rejected, g_variant_unref);
  rejected = vb_test_get_property (env, MANAGER, IFACE_MANAGER, "RejectedConfigs");
  g_assert_cmpuint (g_variant_n_children (rejected), ==, 0);
}

static char *
xml_desc (VbTestEnv *env, const char *path)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, path, IFACE_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0));
  char *xml = NULL;

  g_variant_get (reply, "(s)", &xml);
  return xml;
}

/* Killed right after two defines, whose files may not be synced yet (the
 * journal made them durable). A power cut could then leave one file short
 * and the other missing: the next start writes both back from the journal. */
static void
test_journal_wins (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *one_xml = vb_test_domain_xml ("jw-one", UUID_PLAIN);
  g_autofree char *two_xml = vb_test_domain_xml ("jw-two", UUID_AUTO);
  g_autofree char *one = NULL, *two = NULL;
  g_autofree char *one_file = g_build_filename (env->state_dir, "domains", UUID_PLAIN ".xml", NULL);
  g_autofree char *two_file = g_build_filename (env->state_dir, "domains", UUID_AUTO ".xml", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *log = NULL;
  gint64 answered;

  vb_test_env_start_daemon (env, NULL);
  one = define (env, "DefineDomain", one_xml);
  two = define (env, "DefineDomain", two_xml);
  answered = g_get_monotonic_time ();
  vb_test_env_stop_daemon (env, TRUE);
  /* The writer syncs the files and empties the journal after 2 s idle. */
  if (g_get_monotonic_time () - answered > G_USEC_PER_SEC)
    {
      g_test_skip ("The kill came more than 1 s after the defines: the journal may be empty");
      return;
    }
  g_assert_true (g_file_get_contents (one_file, &contents, NULL, NULL));
  g_assert_true (g_file_set_contents (one_file, contents, strlen (contents) / 2, NULL));
  /* Answered from the journal, the second file may not have been written
   * before the kill: missing either way. (The first was: the writer takes
   * the second define only after writing it.) */
  g_assert_true (g_unlink (two_file) == 0 || errno == ENOENT);

  vb_test_env_start_daemon (env, NULL);
  log = vb_test_env_daemon_log (env);
  g_assert_nonnull (strstr (log, "Configuration journal: applying"));
  {
    g_autofree char *one_after = xml_desc (env, one);
    g_autofree char *two_after = xml_desc (env, two);
    g_autofree char *on_disk = NULL;

    g_assert_nonnull (strstr (one_after, "<name>jw-one</name>"));
    g_assert_nonnull (strstr (two_after, "<name>jw-two</name>"));
    g_assert_true (g_file_get_contents (one_file, &on_disk, NULL, NULL));
    g_assert_cmpstr (on_disk, ==, contents);
    g_assert_true (g_file_test (two_file, G_FILE_TEST_IS_REGULAR));
  }
  /* Nothing was kept aside as broken. */
  g_assert_null (strstr (log, "Rejected"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/persistence/restart-clean", GINT_TO_POINTER (FALSE), test_restart);
  g_test_add_data_func ("/persistence/restart-kill9", GINT_TO_POINTER (TRUE), test_restart);
  g_test_add_func ("/persistence/corrupt-config", test_corrupt_config);
  g_test_add_func ("/persistence/journal-wins", test_journal_wins);
  g_test_add_func ("/persistence/interrupted-write", test_interrupted_write_leftover);
  g_test_add_func ("/persistence/stored-huge-vcpus", test_stored_huge_vcpus);
  g_test_add_func ("/persistence/leftovers-everywhere", test_leftovers_everywhere);
  g_test_add_func ("/persistence/newest-definition-wins", test_newest_definition_wins);
  g_test_add_func ("/persistence/rejected-later-is-signalled", test_rejected_later_is_signalled);
  g_test_add_func ("/persistence/driver-refusal-left-in-place", test_driver_refusal_left_in_place);
  return g_test_run ();
}
