/* What a client sees of the objects that object-table.c serves through one
 * subtree per kind (domains, pools, networks, jobs) rather than one GDBus
 * registration each: the ObjectManager's InterfacesAdded and
 * InterfacesRemoved with the object's own properties, one PropertiesChanged
 * per change with every property that changed, a domain's signals after the
 * properties they announce, and Introspect listing each object. */
#include <gio/gunixfdlist.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vb-test-env.h"

#define UUID_A "0e1c9a6d-52b4-4a61-8f0e-7c3d2b1a0e01"
#define UUID_B "0e1c9a6d-52b4-4a61-8f0e-7c3d2b1a0e02"
#define PROPERTIES "org.freedesktop.DBus.Properties"
#define OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"

typedef struct {
  VbTestEnv *env;
  guint subscription;
  GPtrArray *seen; /* "path Interface.Member args", in order */
} Fixture;

static void
on_signal (GDBusConnection *connection, const char *sender, const char *path, const char *interface,
           const char *member, GVariant *args, gpointer user_data)
{
  Fixture *f = user_data;
  g_autofree char *text = g_variant_print (args, FALSE);

  g_ptr_array_add (f->seen, g_strdup_printf ("%s %s.%s %s", path, interface, member, text));
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  f->seen = g_ptr_array_new_with_free_func (g_free);
  f->subscription =
    g_dbus_connection_signal_subscribe (f->env->client, BUS_NAME, NULL, NULL, NULL, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_signal, f, NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  g_dbus_connection_signal_unsubscribe (f->env->client, f->subscription);
  g_ptr_array_unref (f->seen);
  vb_test_env_free (f->env);
}

/* Every signal the service sent before it answers a call that its main
 * loop runs (GetManagedObjects: never answered from the reply cache) has
 * reached on_signal() when this returns. */
static void
sync_signals (Fixture *f)
{
  g_autoptr (GVariant) all =
    vb_test_call_ok (f->env, MANAGER, OBJECT_MANAGER, "GetManagedObjects", NULL);

  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The signals seen whose line starts with @prefix. */
static guint
count (Fixture *f, const char *prefix, int *first)
{
  guint n = 0;

  *first = -1;
  for (guint i = 0; i < f->seen->len; i++)
    if (g_str_has_prefix (f->seen->pdata[i], prefix))
      {
        if (*first < 0)
          *first = (int) i;
        n++;
      }
  return n;
}

static gboolean
timed_out (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits (5 s at most) for a signal whose line starts with @prefix, then
 * for anything sent with it; returns how many such lines were seen. */
static guint
wait_count (Fixture *f, const char *prefix, int *first)
{
  gboolean late = FALSE;
  guint timeout = g_timeout_add (5000, timed_out, &late);

  while (!late && count (f, prefix, first) == 0)
    g_main_context_iteration (NULL, TRUE);
  if (!late)
    g_source_remove (timeout);
  sync_signals (f);
  return count (f, prefix, first);
}

static GVariant *
get_all (Fixture *f, const char *path, const char *interface)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (f->env, path, PROPERTIES, "GetAll", g_variant_new ("(s)", interface));

  return g_variant_get_child_value (reply, 0);
}

/* GetManagedObjects' entry for @path, or NULL. */
static GVariant *
managed (Fixture *f, const char *path)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (f->env, MANAGER, OBJECT_MANAGER, "GetManagedObjects", NULL);
  g_autoptr (GVariant) objects = g_variant_get_child_value (reply, 0);

  return g_variant_lookup_value (objects, path, G_VARIANT_TYPE ("a{sa{sv}}"));
}

static void
test_object_manager (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("om-a", UUID_A);
  g_autofree char *path = NULL;
  g_autofree char *added_prefix = NULL;
  g_autofree char *removed = NULL;
  g_autoptr (GVariant) props = NULL;
  g_autoptr (GVariant) entry = NULL;
  int first;

  path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
  /* InterfacesAdded: once, with the properties GetAll gives. */
  added_prefix = g_strdup_printf ("%s %s.InterfacesAdded", MANAGER, OBJECT_MANAGER);
  g_assert_cmpuint (wait_count (f, added_prefix, &first), ==, 1);
  props = get_all (f, path, IFACE_DOMAIN);
  {
    g_autofree char *printed = g_variant_print (props, FALSE);

    g_assert_nonnull (strstr (f->seen->pdata[first], path));
    g_assert_nonnull (strstr (f->seen->pdata[first], printed));
  }
  /* GetManagedObjects: the same. */
  entry = managed (f, path);
  g_assert_nonnull (entry);
  g_assert_cmpuint (g_variant_n_children (entry), ==, 1);
  {
    g_autoptr (GVariant) listed = g_variant_lookup_value (entry, IFACE_DOMAIN, NULL);

    g_assert_nonnull (listed);
    g_assert_true (g_variant_equal (listed, props));
  }

  g_ptr_array_set_size (f->seen, 0);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  removed = g_strdup_printf ("%s %s.InterfacesRemoved ('%s', ['%s'])", MANAGER, OBJECT_MANAGER,
                             path, IFACE_DOMAIN);
  g_assert_cmpuint (wait_count (f, removed, &first), ==, 1);
  g_assert_null (managed (f, path));
  /* Its path now answers NotFound, before and after authorization alike. */
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "NotFound");
  vb_test_call_expect_error (f->env, path, PROPERTIES, "Get",
                             g_variant_new ("(ss)", IFACE_DOMAIN, "Name"), ERROR_PREFIX "NotFound");
}

/* A domain's transition: one PropertiesChanged with everything that
 * changed, sent before the LifecycleEvent that announces it. */
static void
test_domain_changes (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("om-b", UUID_B);
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0));
  g_autofree char *changed =
    g_strdup_printf ("%s %s.PropertiesChanged ('%s',", path, PROPERTIES, IFACE_DOMAIN);
  g_autofree char *event = g_strdup_printf ("%s %s.LifecycleEvent ('started'", path, IFACE_DOMAIN);
  int first_change, first_event;

  sync_signals (f);
  g_ptr_array_set_size (f->seen, 0);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_assert_cmpuint (wait_count (f, event, &first_event), ==, 1);
  g_assert_cmpuint (count (f, changed, &first_change), ==, 1);
  g_assert_cmpint (first_change, <, first_event);
  /* State and Id change together: both in the one signal. */
  g_assert_nonnull (strstr (f->seen->pdata[first_change], "'State': <'running'>"));
  g_assert_nonnull (strstr (f->seen->pdata[first_change], "'Id': <"));

  /* A property write: one signal with that property. */
  g_ptr_array_set_size (f->seen, 0);
  vb_test_call_void (f->env, path, PROPERTIES, "Set",
                     g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart",
                                    g_variant_new_boolean (TRUE)));
  g_assert_cmpuint (wait_count (f, changed, &first_change), ==, 1);
  g_assert_nonnull (strstr (f->seen->pdata[first_change], "'Autostart': <true>"));
  g_assert_null (strstr (f->seen->pdata[first_change], "'State'"));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* @path's entry in GetManagedObjects equals GetAll of @interface there, and
 * each of its values is what Properties.Get (the property's own getter, no
 * cache) says. */
static void
assert_managed_is_get_all (Fixture *f, const char *path, const char *interface)
{
  g_autoptr (GVariant) entry = managed (f, path);
  g_autoptr (GVariant) listed = NULL;
  g_autoptr (GVariant) props = get_all (f, path, interface);
  GVariantIter iter;
  const char *name;
  GVariant *value;

  g_assert_nonnull (entry);
  listed = g_variant_lookup_value (entry, interface, G_VARIANT_TYPE_VARDICT);
  g_assert_nonnull (listed);
  if (!g_variant_equal (listed, props))
    {
      g_autofree char *a = g_variant_print (listed, FALSE);
      g_autofree char *b = g_variant_print (props, FALSE);

      g_error ("%s: GetManagedObjects %s, GetAll %s", path, a, b);
    }
  g_assert_cmpuint (g_variant_n_children (props), >, 5);
  g_variant_iter_init (&iter, props);
  while (g_variant_iter_loop (&iter, "{&sv}", &name, &value))
    {
      g_autoptr (GVariant) reply =
        vb_test_call_ok (f->env, path, PROPERTIES, "Get", g_variant_new ("(ss)", interface, name));
      g_autoptr (GVariant) got = NULL;

      g_variant_get (reply, "(v)", &got);
      if (!g_variant_equal (got, value))
        {
          g_autofree char *a = g_variant_print (value, TRUE);
          g_autofree char *b = g_variant_print (got, TRUE);

          g_error ("%s %s: GetAll %s, Get %s", path, name, a, b);
        }
    }
}

/* GetManagedObjects keeps each object's part serialized between calls, and
 * GetAll answers the same kept a{sv} (object-table.c): after each change,
 * and with other objects' parts unchanged, both say what Get (each
 * property's getter) says. */
static void
test_managed_follows_changes (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("om-c", UUID_A);
  g_autofree char *other_xml = vb_test_domain_xml ("om-d", UUID_B);
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0));
  g_autofree char *other = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                              g_variant_new ("(su)", other_xml, 0));
  g_autofree char *changed =
    g_strdup_printf ("%s %s.PropertiesChanged ('%s',", path, PROPERTIES, IFACE_DOMAIN);
  g_autoptr (GVariant) other_before = NULL;
  g_autoptr (GVariant) state = NULL;
  int first;

  /* Twice: made, then kept. */
  assert_managed_is_get_all (f, path, IFACE_DOMAIN);
  assert_managed_is_get_all (f, path, IFACE_DOMAIN);
  other_before = managed (f, other);

  g_ptr_array_set_size (f->seen, 0);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_assert_cmpuint (wait_count (f, changed, &first), ==, 1);
  assert_managed_is_get_all (f, path, IFACE_DOMAIN);
  {
    g_autoptr (GVariant) entry = managed (f, path);
    g_autoptr (GVariant) props = g_variant_lookup_value (entry, IFACE_DOMAIN, NULL);
    const char *listed_state = NULL;

    g_assert_true (g_variant_lookup (props, "State", "&s", &listed_state));
    g_assert_cmpstr (listed_state, ==, "running");
  }
  /* A property read after the cache became part of the kept entry. */
  state = vb_test_call_ok (f->env, path, PROPERTIES, "Get",
                           g_variant_new ("(ss)", IFACE_DOMAIN, "State"));
  {
    g_autofree char *printed = g_variant_print (state, FALSE);

    g_assert_cmpstr (printed, ==, "(<'running'>,)");
  }

  g_ptr_array_set_size (f->seen, 0);
  vb_test_call_void (f->env, path, PROPERTIES, "Set",
                     g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart",
                                    g_variant_new_boolean (TRUE)));
  g_assert_cmpuint (wait_count (f, changed, &first), ==, 1);
  assert_managed_is_get_all (f, path, IFACE_DOMAIN);

  g_ptr_array_set_size (f->seen, 0);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_assert_cmpuint (wait_count (f, changed, &first), ==, 1);
  assert_managed_is_get_all (f, path, IFACE_DOMAIN);
  /* The other domain's part did not change, nor stop matching. */
  {
    g_autoptr (GVariant) other_after = managed (f, other);

    g_assert_true (g_variant_equal (other_before, other_after));
  }
  assert_managed_is_get_all (f, other, IFACE_DOMAIN);
}

/* A storage pool (another kind, another subtree): Start sends one
 * PropertiesChanged with Active and the sizes it learnt. */
static void
test_pool_changes (Fixture *f, gconstpointer data)
{
  const char *xml = "<pool type='test'>\n  <name>om-pool</name>\n"
                    "  <target>\n    <path>/virtbus-test/om-pool</path>\n  </target>\n</pool>\n";
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineStoragePool",
                                             g_variant_new ("(su)", xml, 0));
  g_autofree char *changed =
    g_strdup_printf ("%s %s.PropertiesChanged ('%s',", path, PROPERTIES, IFACE_POOL);
  int first;

  sync_signals (f);
  g_ptr_array_set_size (f->seen, 0);
  vb_test_call_void (f->env, path, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
  g_assert_cmpuint (wait_count (f, changed, &first), ==, 1);
  g_assert_nonnull (strstr (f->seen->pdata[first], "'Active': <true>"));
  g_assert_nonnull (strstr (f->seen->pdata[first], "'Capacity': <"));
  /* Only what changed. */
  g_assert_null (strstr (f->seen->pdata[first], "'Name'"));
}

/* A job (the fourth kind): announced by InterfacesAdded, its Phase changes
 * in PropertiesChanged, and Completed (success, '') sent once, after the
 * Phase that says so. */
static void
test_job_signals (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_build_filename (f->env->tmpdir, "om-dir", NULL);
  g_autofree char *pool_xml =
    g_strdup_printf ("<pool type='dir'>\n  <name>om-dir</name>\n  <target>\n    <path>%s</path>\n"
                     "  </target>\n</pool>\n",
                     dir);
  const char *volume_xml = "<volume>\n  <name>up.img</name>\n"
                           "  <capacity unit='bytes'>4096</capacity>\n"
                           "  <target>\n    <format type='raw'/>\n  </target>\n</volume>\n";
  g_autofree char *pool = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineStoragePool",
                                             g_variant_new ("(su)", pool_xml, 0));
  g_autofree char *volume = NULL;
  g_autofree char *job = NULL;
  g_autofree char *added = NULL;
  g_autofree char *completed = NULL;
  g_autoptr (GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  char bytes[4096] = { 0 };
  int p[2];
  int first_completed, first_phase;

  vb_test_call_void (f->env, pool, IFACE_POOL, "Build", g_variant_new ("(u)", 0));
  vb_test_call_void (f->env, pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
  volume = vb_test_call_path (f->env, pool, IFACE_POOL, "CreateVolume",
                              g_variant_new ("(su)", volume_xml, 0));
  sync_signals (f);
  g_ptr_array_set_size (f->seen, 0);

  g_assert_cmpint (pipe (p), ==, 0);
  g_unix_fd_list_append (fds, p[0], &error);
  g_assert_no_error (error);
  close (p[0]);
  reply = g_dbus_connection_call_with_unix_fd_list_sync (
    f->env->client, BUS_NAME, volume, IFACE_VOLUME, "Upload",
    g_variant_new ("(httu)", 0, (guint64) 0, (guint64) 0, 0), G_VARIANT_TYPE ("(o)"),
    G_DBUS_CALL_FLAGS_NONE, -1, fds, NULL, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &job);
  g_assert_cmpint (write (p[1], bytes, sizeof bytes), ==, (int) sizeof bytes);
  close (p[1]);

  completed = g_strdup_printf ("%s %s.Completed (true, '')", job, IFACE_JOB);
  g_assert_cmpuint (wait_count (f, completed, &first_completed), ==, 1);
  added = g_strdup_printf ("%s %s.InterfacesAdded ('%s', {'%s':", MANAGER, OBJECT_MANAGER, job,
                           IFACE_JOB);
  g_assert_cmpuint (count (f, added, &first_phase), ==, 1);
  {
    int found = -1;

    /* Phase may come with other properties: look for it in any order. */
    for (guint i = 0; i < f->seen->len; i++)
      if (g_str_has_prefix (f->seen->pdata[i], job)
          && strstr (f->seen->pdata[i], "PropertiesChanged")
          && strstr (f->seen->pdata[i], "'Phase': <'completed'>"))
        found = (int) i;
    g_assert_cmpint (found, >=, 0);
    g_assert_cmpint (found, <, first_completed);
  }
}

/* Each object is a node of its container, and a domain's node shows its
 * interface and the snapshot container below it. */
static void
test_introspect (Fixture *f, gconstpointer data)
{
  const char *uuids[] = { UUID_A, UUID_B };
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GDBusNodeInfo) container = NULL;
  g_autoptr (GDBusNodeInfo) domain = NULL;
  g_autofree char *path = NULL;
  const char *text;

  for (guint i = 0; i < G_N_ELEMENTS (uuids); i++)
    {
      g_autofree char *xml = vb_test_domain_xml (i ? "in-b" : "in-a", uuids[i]);

      g_free (vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                 g_variant_new ("(su)", xml, 0)));
    }
  reply = vb_test_call_ok (f->env, MANAGER "/domain", "org.freedesktop.DBus.Introspectable",
                           "Introspect", NULL);
  g_variant_get (reply, "(&s)", &text);
  container = g_dbus_node_info_new_for_xml (text, NULL);
  g_assert_nonnull (container);
  for (guint i = 0; i < G_N_ELEMENTS (uuids); i++)
    {
      g_autofree char *node_path = vb_test_domain_path (uuids[i]);
      const char *node = strrchr (node_path, '/') + 1;
      guint seen = 0;

      for (guint n = 0; container->nodes && container->nodes[n]; n++)
        seen += g_strcmp0 (container->nodes[n]->path, node) == 0;
      /* (GDBus lists it a second time for the snapshot container below it.) */
      g_assert_cmpuint (seen, >=, 1);
    }
  g_clear_pointer (&reply, g_variant_unref);

  path = vb_test_domain_path (UUID_A);
  reply = vb_test_call_ok (f->env, path, "org.freedesktop.DBus.Introspectable", "Introspect", NULL);
  g_variant_get (reply, "(&s)", &text);
  domain = g_dbus_node_info_new_for_xml (text, NULL);
  g_assert_nonnull (domain);
  g_assert_nonnull (g_dbus_node_info_lookup_interface (domain, IFACE_DOMAIN));
  g_assert_nonnull (g_dbus_node_info_lookup_interface (domain, PROPERTIES));
  g_assert_nonnull (domain->nodes);
  g_assert_cmpstr (domain->nodes[0]->path, ==, "snapshot");
}

/* VmRSS of the env's virtbusd, in KiB. */
static long
daemon_rss_kib (VbTestEnv *env)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) env->daemon_pid);
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return strtol (line + strlen ("VmRSS:"), NULL, 10);
}

/* Each turn changes the domain's properties twice, reading them after each
 * change (a GetAll the main loop answers, from properties made again), and
 * every fifth turn exports and unexports another domain. */
static void
change_and_read (VbTestEnv *env, const char *path, guint turns)
{
  for (guint i = 0; i < turns; i++)
    {
      g_autoptr (GVariant) all = NULL;
      g_autoptr (GVariant) again = NULL;

      g_variant_unref (
        vb_test_call_ok (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
      all = vb_test_call_ok (env, path, PROPERTIES, "GetAll", g_variant_new ("(s)", IFACE_DOMAIN));
      g_variant_unref (
        vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
      again =
        vb_test_call_ok (env, path, PROPERTIES, "GetAll", g_variant_new ("(s)", IFACE_DOMAIN));
      if (i % 5 == 0)
        {
          g_autofree char *xml = vb_test_domain_xml ("kept-b", UUID_B);
          g_autofree char *other = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                                      g_variant_new ("(su)", xml, 0));

          g_variant_unref (
            vb_test_call_ok (env, other, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0)));
        }
    }
}

/* Issue #17's "memory flat": what GetAll and InterfacesAdded send is not
 * kept once sent. Before, each of them kept the object's properties of the
 * moment (a reference too many), about 2 MiB over these 1,500 turns. */
static void
test_properties_not_kept (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *xml = vb_test_domain_xml ("kept-a", UUID_A);
  g_autofree char *path = NULL;
  long before, after;

  vb_test_env_start_daemon (env, NULL);
  path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  /* The heap and GDBus's buffers reach their working size. */
  change_and_read (env, path, 500);
  before = daemon_rss_kib (env);
  change_and_read (env, path, 1500);
  after = daemon_rss_kib (env);
  g_test_message ("virtbusd RSS %ld KiB, then %ld KiB", before, after);
  g_assert_cmpint (after - before, <, 768);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/virt1-exporter/object-manager", Fixture, NULL, fixture_set_up, test_object_manager,
              fixture_tear_down);
  g_test_add ("/virt1-exporter/domain-changes", Fixture, NULL, fixture_set_up, test_domain_changes,
              fixture_tear_down);
  g_test_add ("/virt1-exporter/managed-follows-changes", Fixture, NULL, fixture_set_up,
              test_managed_follows_changes, fixture_tear_down);
  g_test_add ("/virt1-exporter/pool-changes", Fixture, NULL, fixture_set_up, test_pool_changes,
              fixture_tear_down);
  g_test_add ("/virt1-exporter/job-signals", Fixture, NULL, fixture_set_up, test_job_signals,
              fixture_tear_down);
  g_test_add ("/virt1-exporter/introspect", Fixture, NULL, fixture_set_up, test_introspect,
              fixture_tear_down);
  g_test_add_func ("/virt1-exporter/properties-not-kept", test_properties_not_kept);
  return g_test_run ();
}
