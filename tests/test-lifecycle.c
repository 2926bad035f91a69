/* A client's story on the test driver: define, start, pause, stop and remove
 * domains, networks and pools, watching what a GUI would see. */
#include "vb-test-env.h"

#define UUID1 "6a3c3b5e-7d0c-4a9f-9f5d-0d3e2c1b4a01"

typedef struct {
  VbTestEnv *env;
  VbSignalLog *signals;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  f->signals = vb_signal_log_new (f->env);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_signal_log_free (f->signals);
  vb_test_env_free (f->env);
}

static void
test_manager_properties (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) version = vb_test_get_property (f->env, MANAGER, IFACE_MANAGER, "Version");
  g_autoptr (GVariant) drivers = vb_test_get_property (f->env, MANAGER, IFACE_MANAGER, "Drivers");
  g_autoptr (GVariant) cpus = vb_test_get_property (f->env, MANAGER, IFACE_MANAGER, "HostCpus");
  g_autoptr (GVariant) memory =
    vb_test_get_property (f->env, MANAGER, IFACE_MANAGER, "HostMemoryKiB");
  g_autoptr (GVariant) hostname =
    vb_test_get_property (f->env, MANAGER, IFACE_MANAGER, "Hostname");
  g_autoptr (GVariant) caps = NULL;
  g_autoptr (GVariant) introspection = NULL;
  g_autofree const char **names = g_variant_get_strv (drivers, NULL);
  const char *xml;

  g_assert_true (g_regex_match_simple ("^[0-9]+\\.[0-9]+\\.[0-9]+$",
                                       g_variant_get_string (version, NULL), 0, 0));
  g_assert_true (g_strv_contains (names, "test"));
  g_assert_cmpuint (g_variant_get_uint32 (cpus), ==, g_get_num_processors ());
  g_assert_cmpuint (g_variant_get_uint64 (memory), >, 1024);
  g_assert_cmpstr (g_variant_get_string (hostname, NULL), ==, g_get_host_name ());

  caps = vb_test_call_ok (f->env, MANAGER, IFACE_MANAGER, "GetCapabilities", NULL);
  g_variant_get (caps, "(&s)", &xml);
  g_assert_nonnull (strstr (xml, "<capabilities>"));
  g_assert_nonnull (strstr (xml, "<domain type='test'/>"));

  introspection = vb_test_call_ok (f->env, MANAGER, "org.freedesktop.DBus.Introspectable",
                                   "Introspect", NULL);
  g_variant_get (introspection, "(&s)", &xml);
  g_assert_nonnull (strstr (xml, "org.virtbus.Virt1.Manager"));
  g_assert_nonnull (strstr (xml, "org.freedesktop.DBus.ObjectManager"));
}

static void
test_domain_lifecycle (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("web1", UUID1);
  g_autofree char *expected_path = vb_test_domain_path (UUID1);
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0));
  g_autofree char *state = NULL;
  g_autoptr (GVariant) id = NULL;
  g_autoptr (GVariant) live = NULL;
  g_autoptr (GVariant) inactive = NULL;
  const char *live_xml, *inactive_xml;

  g_assert_cmpstr (path, ==, expected_path);
  g_assert_true (vb_signal_log_wait (f->signals, "InterfacesAdded", 2000));
  /* Introspection of the object and of its parent node shows what busctl tree needs. */
  {
    g_autoptr (GVariant) node = vb_test_call_ok (f->env, path, "org.freedesktop.DBus.Introspectable",
                                                 "Introspect", NULL);
    g_autoptr (GVariant) parent = vb_test_call_ok (f->env, "/org/virtbus/Virt1/domain",
                                                   "org.freedesktop.DBus.Introspectable",
                                                   "Introspect", NULL);
    const char *text;

    g_variant_get (node, "(&s)", &text);
    g_assert_nonnull (strstr (text, "<interface name=\"org.virtbus.Virt1.Domain\">"));
    g_assert_nonnull (strstr (text, "LifecycleEvent"));
    g_variant_get (parent, "(&s)", &text);
    g_assert_nonnull (strstr (text, "<node name=\"6a3c3b5e_7d0c_4a9f_9f5d_0d3e2c1b4a01\"/>"));
  }
  g_assert_true (vb_signal_log_wait (f->signals, "LifecycleEvent " , 2000));
  g_assert_cmpint (vb_signal_log_find (f->signals, "('defined', 'added')"), >=, 0);

  state = vb_test_get_string (f->env, path, IFACE_DOMAIN, "State");
  g_assert_cmpstr (state, ==, "shutoff");
  id = vb_test_get_property (f->env, path, IFACE_DOMAIN, "Id");
  g_assert_cmpint (g_variant_get_int32 (id), ==, -1);
  {
    g_autoptr (GVariant) vcpus = vb_test_get_property (f->env, path, IFACE_DOMAIN, "Vcpus");
    g_autoptr (GVariant) memory = vb_test_get_property (f->env, path, IFACE_DOMAIN, "MemoryKiB");
    g_autoptr (GVariant) persistent =
      vb_test_get_property (f->env, path, IFACE_DOMAIN, "Persistent");
    g_autofree char *driver = vb_test_get_string (f->env, path, IFACE_DOMAIN, "Driver");
    g_autofree char *uuid = vb_test_get_string (f->env, path, IFACE_DOMAIN, "UUID");
    g_autofree char *name = vb_test_get_string (f->env, path, IFACE_DOMAIN, "Name");

    g_assert_cmpuint (g_variant_get_uint32 (vcpus), ==, 2);
    g_assert_cmpuint (g_variant_get_uint64 (memory), ==, 128 * 1024);
    g_assert_true (g_variant_get_boolean (persistent));
    g_assert_cmpstr (driver, ==, "test");
    g_assert_cmpstr (uuid, ==, UUID1);
    g_assert_cmpstr (name, ==, "web1");
  }

  /* start */
  vb_signal_log_clear (f->signals);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 2000));
  g_assert_true (vb_signal_log_wait (f->signals, "('started', 'booted')", 2000));
  g_assert_true (vb_signal_log_wait (f->signals, "'State': <'running'>", 2000));
  /* PropertiesChanged comes before the event that announces the change. */
  g_assert_cmpint (vb_signal_log_find (f->signals, "'State': <'running'>"), <,
                   vb_signal_log_find (f->signals, "('started', 'booted')"));
  {
    g_autofree char *reason = vb_test_get_string (f->env, path, IFACE_DOMAIN, "StateReason");
    g_autoptr (GVariant) running_id = vb_test_get_property (f->env, path, IFACE_DOMAIN, "Id");
    g_assert_cmpstr (reason, ==, "booted");
    g_assert_cmpint (g_variant_get_int32 (running_id), >=, 1);
  }
  live = vb_test_call_ok (f->env, path, IFACE_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0));
  inactive = vb_test_call_ok (f->env, path, IFACE_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 2));
  g_variant_get (live, "(&s)", &live_xml);
  g_variant_get (inactive, "(&s)", &inactive_xml);
  g_assert_true (g_regex_match_simple ("<domain type='test' id='[0-9]+'>", live_xml, 0, 0));
  g_assert_null (strstr (inactive_xml, " id='"));
  g_assert_nonnull (strstr (inactive_xml, "<name>web1</name>"));

  /* suspend and resume */
  vb_signal_log_clear (f->signals);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Suspend", NULL);
  g_assert_true (vb_signal_log_wait (f->signals, "('suspended', 'paused')", 2000));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("paused"), 2000));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Resume", NULL);
  g_assert_true (vb_signal_log_wait (f->signals, "('resumed', 'unpaused')", 2000));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 2000));

  /* reboot keeps it running */
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Reboot", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 2000));

  /* graceful shutdown passes through "shutdown" */
  vb_signal_log_clear (f->signals);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Shutdown", g_variant_new ("(u)", 0));
  g_assert_true (vb_signal_log_wait (f->signals, "('stopped', 'shutdown')", 2000));
  g_assert_cmpint (vb_signal_log_find (f->signals, "'State': <'shutdown'>"), >=, 0);
  g_assert_cmpint (vb_signal_log_find (f->signals, "('shutdown', 'finished')"), >=, 0);
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("shutoff"), 2000));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "StateReason",
                                        g_variant_new_string ("shutdown"), 2000));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "Id",
                                        g_variant_new_int32 (-1), 2000));

  /* start paused, then destroy */
  vb_signal_log_clear (f->signals);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 1));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("paused"), 2000));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_assert_true (vb_signal_log_wait (f->signals, "('stopped', 'destroyed')", 2000));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "StateReason",
                                        g_variant_new_string ("destroyed"), 2000));

  /* undefine removes the object */
  vb_signal_log_clear (f->signals);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  g_assert_true (vb_signal_log_wait (f->signals, "('undefined', 'removed')", 2000));
  g_assert_true (vb_signal_log_wait (f->signals, "InterfacesRemoved", 2000));
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", "web1"), "org.virtbus.Virt1.Error.NotFound");
  /* A stale path answers NotFound. */
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                             "org.virtbus.Virt1.Error.NotFound");
}

static void
test_autostart_property (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("auto1", UUID1);
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0));
  g_autofree char *marker =
    g_build_filename (f->env->state_dir, "domains", "autostart", UUID1, NULL);

  vb_signal_log_clear (f->signals);
  vb_test_call_void (f->env, path, "org.freedesktop.DBus.Properties", "Set",
                     g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart",
                                    g_variant_new_boolean (TRUE)));
  g_assert_true (vb_signal_log_wait (f->signals, "'Autostart': <true>", 2000));
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));
  vb_test_call_void (f->env, path, "org.freedesktop.DBus.Properties", "Set",
                     g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart",
                                    g_variant_new_boolean (FALSE)));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "Autostart",
                                        g_variant_new_boolean (FALSE), 2000));
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  /* A wrongly typed value is refused by type, and read-only properties stay so. */
  vb_test_call_expect_error (f->env, path, "org.freedesktop.DBus.Properties", "Set",
                             g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart",
                                            g_variant_new_string ("yes")),
                             "org.freedesktop.DBus.Error.InvalidArgs");
  vb_test_call_expect_error (f->env, path, "org.freedesktop.DBus.Properties", "Set",
                             g_variant_new ("(ssv)", IFACE_DOMAIN, "Name",
                                            g_variant_new_string ("renamed")),
                             "org.freedesktop.DBus.Error.InvalidArgs");
}

static void
test_transient_domain (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("transient1", NULL);
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "CreateDomain",
                                             g_variant_new ("(su)", xml, 0));
  g_autoptr (GVariant) persistent = NULL;
  g_autofree char *state = vb_test_get_string (f->env, path, IFACE_DOMAIN, "State");
  g_autofree char *again = NULL;

  g_assert_cmpstr (state, ==, "running");
  persistent = vb_test_get_property (f->env, path, IFACE_DOMAIN, "Persistent");
  g_assert_false (g_variant_get_boolean (persistent));
  /* Autostart needs a persistent domain. */
  vb_test_call_expect_error (f->env, path, "org.freedesktop.DBus.Properties", "Set",
                             g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart",
                                            g_variant_new_boolean (TRUE)),
                             "org.virtbus.Virt1.Error.OperationInvalid");
  vb_signal_log_clear (f->signals);
  /* A Start queued behind the Destroy finds the domain gone, as it is. */
  {
    g_autoptr (GDBusMessage) destroy = g_dbus_message_new_method_call (
      "org.virtbus.Virt1", path, IFACE_DOMAIN, "Destroy");
    g_autoptr (GDBusMessage) start = g_dbus_message_new_method_call (
      "org.virtbus.Virt1", path, IFACE_DOMAIN, "Start");
    g_autoptr (GDBusMessage) destroyed = NULL;
    g_autoptr (GDBusMessage) started = NULL;
    guint32 serial = 0;
    g_autoptr (GError) error = NULL;

    g_dbus_message_set_body (destroy, g_variant_new ("(u)", 0));
    g_dbus_message_set_body (start, g_variant_new ("(u)", 0));
    g_assert_true (g_dbus_connection_send_message (f->env->client, destroy,
                                                   G_DBUS_SEND_MESSAGE_FLAGS_NONE, &serial, NULL));
    started = g_dbus_connection_send_message_with_reply_sync (
      f->env->client, start, G_DBUS_SEND_MESSAGE_FLAGS_NONE, 5000, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (g_dbus_message_get_message_type (started), ==, G_DBUS_MESSAGE_TYPE_ERROR);
    g_assert_cmpstr (g_dbus_message_get_error_name (started), ==,
                     "org.virtbus.Virt1.Error.NotFound");
  }
  g_assert_true (vb_signal_log_wait (f->signals, "InterfacesRemoved", 2000));
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", "transient1"),
                             "org.virtbus.Virt1.Error.NotFound");
}

static GPtrArray *
list_domains (VbTestEnv *env, guint flags)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "ListDomains",
                                                g_variant_new ("(u)", flags));
  g_autoptr (GVariantIter) iter = NULL;
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *path;

  g_variant_get (reply, "(ao)", &iter);
  while (g_variant_iter_next (iter, "&o", &path))
    g_ptr_array_add (paths, g_strdup (path));
  return paths;
}

static void
test_list_and_lookup (Fixture *f, gconstpointer data)
{
  const char *names[] = { "b-dom", "a-dom", "c-dom" };
  g_autofree char *paths[3] = { NULL };
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GPtrArray) active = NULL;
  g_autoptr (GPtrArray) inactive = NULL;
  g_autoptr (GPtrArray) transient = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *xml = vb_test_domain_xml (names[i], NULL);
      paths[i] = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                    g_variant_new ("(su)", xml, 0));
    }
  vb_test_call_void (f->env, paths[0], IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));

  all = list_domains (f->env, 0);
  g_assert_cmpuint (all->len, ==, 3);
  /* sorted by name */
  g_assert_cmpstr (all->pdata[0], ==, paths[1]);
  g_assert_cmpstr (all->pdata[1], ==, paths[0]);
  g_assert_cmpstr (all->pdata[2], ==, paths[2]);
  active = list_domains (f->env, 1);
  g_assert_cmpuint (active->len, ==, 1);
  g_assert_cmpstr (active->pdata[0], ==, paths[0]);
  inactive = list_domains (f->env, 2 | 64);
  g_assert_cmpuint (inactive->len, ==, 2);
  transient = list_domains (f->env, 8);
  g_assert_cmpuint (transient->len, ==, 0);

  {
    g_autofree char *by_name =
      vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                         g_variant_new ("(s)", "c-dom"));
    g_autofree char *uuid = vb_test_get_string (f->env, paths[2], IFACE_DOMAIN, "UUID");
    g_autofree char *upper = g_ascii_strup (uuid, -1);
    g_autofree char *by_uuid =
      vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByUUID",
                         g_variant_new ("(s)", upper));
    g_assert_cmpstr (by_name, ==, paths[2]);
    g_assert_cmpstr (by_uuid, ==, paths[2]);
  }
}

static void
test_managed_objects (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) objects = NULL;
  g_autoptr (GVariant) domain = NULL;
  g_autoptr (GVariant) props = NULL;
  g_autofree char *path = NULL;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("managed%u", i);
      g_autofree char *xml = vb_test_domain_xml (name, i == 0 ? UUID1 : NULL);
      g_autofree char *made = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                                 g_variant_new ("(su)", xml, 0));
    }
  path = vb_test_domain_path (UUID1);
  reply = vb_test_call_ok (f->env, MANAGER, "org.freedesktop.DBus.ObjectManager",
                           "GetManagedObjects", NULL);
  objects = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (objects), ==, 5);
  domain = g_variant_lookup_value (objects, path, NULL);
  g_assert_nonnull (domain);
  props = g_variant_lookup_value (domain, IFACE_DOMAIN, NULL);
  g_assert_nonnull (props);
  {
    const char *expected[] = { "Name", "UUID", "Id", "State", "StateReason", "Persistent",
                               "Autostart", "Vcpus", "MemoryKiB", "Driver" };
    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      {
        g_autoptr (GVariant) value = g_variant_lookup_value (props, expected[i], NULL);
        g_assert_nonnull (value);
      }
  }
}

static void
test_network_lifecycle (Fixture *f, gconstpointer data)
{
  const char *xml = "<network>\n  <name>lab</name>\n"
                    "  <uuid>0b9e7a8c-1111-4a2b-9c3d-5e6f7a8b9c0d</uuid>\n"
                    "  <forward mode='nat'/>\n"
                    "  <ip address='192.168.150.1' netmask='255.255.255.0'>\n"
                    "    <dhcp>\n      <range start='192.168.150.10' end='192.168.150.99'/>\n"
                    "    </dhcp>\n  </ip>\n</network>\n";
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineNetwork",
                                             g_variant_new ("(su)", xml, 0));
  g_autoptr (GVariant) live = NULL;
  const char *live_xml;

  g_assert_cmpstr (path, ==, "/org/virtbus/Virt1/network/0b9e7a8c_1111_4a2b_9c3d_5e6f7a8b9c0d");
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_NETWORK, "Active",
                                        g_variant_new_boolean (FALSE), 1000));
  vb_test_call_void (f->env, path, IFACE_NETWORK, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_NETWORK, "Active",
                                        g_variant_new_boolean (TRUE), 2000));
  {
    g_autofree char *bridge = vb_test_get_string (f->env, path, IFACE_NETWORK, "Bridge");
    g_assert_cmpstr (bridge, !=, "");
    live = vb_test_call_ok (f->env, path, IFACE_NETWORK, "GetXMLDesc", g_variant_new ("(u)", 0));
    g_variant_get (live, "(&s)", &live_xml);
    g_assert_nonnull (strstr (live_xml, bridge));
  }
  vb_test_call_expect_error (f->env, path, IFACE_NETWORK, "Start", g_variant_new ("(u)", 0),
                             "org.virtbus.Virt1.Error.OperationInvalid");
  vb_test_call_void (f->env, path, "org.freedesktop.DBus.Properties", "Set",
                     g_variant_new ("(ssv)", IFACE_NETWORK, "Autostart",
                                    g_variant_new_boolean (TRUE)));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_NETWORK, "Autostart",
                                        g_variant_new_boolean (TRUE), 2000));
  vb_test_call_void (f->env, path, IFACE_NETWORK, "Stop", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_NETWORK, "Active",
                                        g_variant_new_boolean (FALSE), 2000));
  {
    g_autofree char *by_name =
      vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "LookupNetworkByName",
                         g_variant_new ("(s)", "lab"));
    g_assert_cmpstr (by_name, ==, path);
  }
  vb_signal_log_clear (f->signals);
  vb_test_call_void (f->env, path, IFACE_NETWORK, "Undefine", g_variant_new ("(u)", 0));
  g_assert_true (vb_signal_log_wait (f->signals, "InterfacesRemoved", 2000));

  /* A transient network exists while it is active. */
  {
    const char *transient = "<network>\n  <name>tmpnet</name>\n</network>\n";
    g_autofree char *tpath = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "CreateNetwork",
                                                g_variant_new ("(su)", transient, 0));
    g_autoptr (GVariant) persistent =
      vb_test_get_property (f->env, tpath, IFACE_NETWORK, "Persistent");
    g_assert_false (g_variant_get_boolean (persistent));
    vb_signal_log_clear (f->signals);
    vb_test_call_void (f->env, tpath, IFACE_NETWORK, "Stop", g_variant_new ("(u)", 0));
    g_assert_true (vb_signal_log_wait (f->signals, "InterfacesRemoved", 2000));
  }
}

static void
test_pool_and_volumes (Fixture *f, gconstpointer data)
{
  const char *xml = "<pool type='test'>\n  <name>images</name>\n"
                    "  <target>\n    <path>/virtbus-test/images</path>\n  </target>\n</pool>\n";
  const char *vol_xml = "<volume>\n  <name>disk1.qcow2</name>\n"
                        "  <capacity unit='GiB'>2</capacity>\n"
                        "  <allocation unit='MiB'>10</allocation>\n"
                        "  <target>\n    <format type='qcow2'/>\n  </target>\n</volume>\n";
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineStoragePool",
                                             g_variant_new ("(su)", xml, 0));
  g_autofree char *vol_path = NULL;
  g_autoptr (GVariant) capacity = NULL;
  g_autoptr (GVariant) allocation = NULL;
  g_autoptr (GVariant) list = NULL;

  vb_test_call_expect_error (f->env, path, IFACE_POOL, "CreateVolume",
                             g_variant_new ("(su)", vol_xml, 0),
                             "org.virtbus.Virt1.Error.OperationInvalid");
  vb_test_call_void (f->env, path, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_POOL, "Active",
                                        g_variant_new_boolean (TRUE), 2000));
  capacity = vb_test_get_property (f->env, path, IFACE_POOL, "Capacity");
  g_assert_cmpuint (g_variant_get_uint64 (capacity), ==, G_GUINT64_CONSTANT (100) << 30);

  vb_signal_log_clear (f->signals);
  vol_path = vb_test_call_path (f->env, path, IFACE_POOL, "CreateVolume",
                                g_variant_new ("(su)", vol_xml, 0));
  g_assert_true (g_str_has_prefix (vol_path, path));
  g_assert_true (vb_signal_log_wait (f->signals, "InterfacesAdded", 2000));
  {
    g_autofree char *format = vb_test_get_string (f->env, vol_path, IFACE_VOLUME, "Format");
    g_autofree char *vpath = vb_test_get_string (f->env, vol_path, IFACE_VOLUME, "Path");
    g_autoptr (GVariant) vcap = vb_test_get_property (f->env, vol_path, IFACE_VOLUME, "Capacity");
    g_assert_cmpstr (format, ==, "qcow2");
    g_assert_cmpstr (vpath, ==, "/virtbus-test/images/disk1.qcow2");
    g_assert_cmpuint (g_variant_get_uint64 (vcap), ==, G_GUINT64_CONSTANT (2) << 30);
  }
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_POOL, "Allocation",
                                        g_variant_new_uint64 (10 << 20), 2000));
  allocation = vb_test_get_property (f->env, path, IFACE_POOL, "Available");
  g_assert_cmpuint (g_variant_get_uint64 (allocation), ==, (G_GUINT64_CONSTANT (100) << 30) - (10 << 20));
  vb_test_call_expect_error (f->env, path, IFACE_POOL, "CreateVolume",
                             g_variant_new ("(su)", vol_xml, 0),
                             "org.virtbus.Virt1.Error.OperationInvalid");
  list = vb_test_call_ok (f->env, path, IFACE_POOL, "ListVolumes", NULL);
  g_assert_cmpuint (g_variant_n_children (g_variant_get_child_value (list, 0)), ==, 1);
  {
    g_autofree char *found = vb_test_call_path (f->env, path, IFACE_POOL, "LookupVolumeByName",
                                                g_variant_new ("(s)", "disk1.qcow2"));
    g_assert_cmpstr (found, ==, vol_path);
  }
  vb_test_call_void (f->env, path, IFACE_POOL, "Refresh", g_variant_new ("(u)", 0));

  /* An active pool cannot be undefined; stopping it removes the volume objects. */
  vb_test_call_expect_error (f->env, path, IFACE_POOL, "Undefine", g_variant_new ("(u)", 0),
                             "org.virtbus.Virt1.Error.OperationInvalid");
  vb_signal_log_clear (f->signals);
  vb_test_call_void (f->env, path, IFACE_POOL, "Stop", g_variant_new ("(u)", 0));
  g_assert_true (vb_signal_log_wait (f->signals, "InterfacesRemoved", 2000));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_POOL, "Capacity",
                                        g_variant_new_uint64 (0), 2000));
  /* Started again, the volume is still there; delete it. */
  vb_test_call_void (f->env, path, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
  {
    g_autofree char *again = vb_test_call_path (f->env, path, IFACE_POOL, "LookupVolumeByName",
                                                g_variant_new ("(s)", "disk1.qcow2"));
    vb_test_call_void (f->env, again, IFACE_VOLUME, "Delete", g_variant_new ("(u)", 0));
  }
  vb_test_call_expect_error (f->env, path, IFACE_POOL, "LookupVolumeByName",
                             g_variant_new ("(s)", "disk1.qcow2"),
                             "org.virtbus.Virt1.Error.NotFound");
  vb_test_call_void (f->env, path, IFACE_POOL, "Stop", g_variant_new ("(u)", 0));
  vb_test_call_void (f->env, path, IFACE_POOL, "Undefine", g_variant_new ("(u)", 0));
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupStoragePoolByName",
                             g_variant_new ("(s)", "images"), "org.virtbus.Virt1.Error.NotFound");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) \
  g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/lifecycle/manager-properties", test_manager_properties);
  ADD ("/lifecycle/domain", test_domain_lifecycle);
  ADD ("/lifecycle/autostart-property", test_autostart_property);
  ADD ("/lifecycle/transient-domain", test_transient_domain);
  ADD ("/lifecycle/list-and-lookup", test_list_and_lookup);
  ADD ("/lifecycle/managed-objects", test_managed_objects);
  ADD ("/lifecycle/network", test_network_lifecycle);
  ADD ("/lifecycle/pool-and-volumes", test_pool_and_volumes);
  return g_test_run ();
}
