/* org.libvirt.Network and Connect's network members (docs/libvirt-dbus.md,
 * "Networks and storage") as a client of libvirt-dbus sees them: paths,
 * GetAll's double wrapping, lookups and their libvirt error texts, the
 * lifecycle, Update and DHCP leases, NetworkEvent with libvirt's numbers on
 * both Connects, and authorization. */
#include "vb-test-libvirt.h"

#define NET_UUID "0b9e7a8c-2222-4a2b-9c3d-5e6f7a8b9c0d"
#define NET_NODE "_0b9e7a8c_2222_4a2b_9c3d_5e6f7a8b9c0d"
#define NET_PATH LV_QEMU "/network/" NET_NODE
#define NET_XML                                                              \
  "<network>\n  <name>lvnet</name>\n  <uuid>" NET_UUID "</uuid>\n"           \
  "  <forward mode='nat'/>\n"                                                \
  "  <ip address='192.168.151.1' netmask='255.255.255.0'>\n"                 \
  "    <dhcp>\n      <range start='192.168.151.10' end='192.168.151.99'/>\n" \
  "    </dhcp>\n  </ip>\n</network>\n"

static gboolean
paths_contain (char **paths, const char *path)
{
  return g_strv_contains ((const char *const *) paths, path);
}

static void
test_connect_members (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *path = NULL;
  g_autofree char *test_path = NULL;
  g_autofree char *transient = NULL;

  path = lv_path (env, LV_QEMU, LV_CONNECT, "NetworkDefineXML", g_variant_new ("(s)", NET_XML));
  g_assert_cmpstr (path, ==, NET_PATH);
  /* Networks are not per driver: the Test Connect shows it under its prefix. */
  test_path =
    lv_path (env, LV_TEST, LV_CONNECT, "NetworkLookupByName", g_variant_new ("(s)", "lvnet"));
  g_assert_cmpstr (test_path, ==, LV_TEST "/network/" NET_NODE);
  {
    g_autofree char *by_name =
      lv_path (env, LV_QEMU, LV_CONNECT, "NetworkLookupByName", g_variant_new ("(s)", "lvnet"));
    g_autofree char *by_uuid =
      lv_path (env, LV_QEMU, LV_CONNECT, "NetworkLookupByUUID", g_variant_new ("(s)", NET_UUID));

    g_assert_cmpstr (by_name, ==, NET_PATH);
    g_assert_cmpstr (by_uuid, ==, NET_PATH);
  }
  lv_expect_error (env, LV_QEMU, LV_CONNECT, "NetworkLookupByName",
                   g_variant_new ("(s)", "nonesuch"),
                   "Network not found: no network with matching name 'nonesuch'");
  lv_expect_error (env, LV_QEMU, LV_CONNECT, "NetworkLookupByUUID",
                   g_variant_new ("(s)", "0b9e7a8c-2222-4a2b-9c3d-000000000000"),
                   "Network not found: no network with matching uuid "
                   "'0b9e7a8c-2222-4a2b-9c3d-000000000000'");
  lv_expect_error (env, LV_QEMU, LV_CONNECT, "NetworkDefineXML",
                   g_variant_new ("(s)", "<network><name>x</name>"), "XML error: ...");

  /* A transient network: created running. */
  transient = lv_path (env, LV_QEMU, LV_CONNECT, "NetworkCreateXML",
                       g_variant_new ("(s)", "<network>\n  <name>lvtmp</name>\n</network>\n"));
  g_assert_true (g_str_has_prefix (transient, LV_QEMU "/network/_"));
  g_assert_true (lv_get_bool (env, transient, LV_NETWORK, "Active"));
  g_assert_false (lv_get_bool (env, transient, LV_NETWORK, "Persistent"));

  /* ListNetworks with libvirt's filters (1 INACTIVE, 2 ACTIVE, 4 PERSISTENT,
   * 8 TRANSIENT). */
  {
    g_auto (GStrv) all =
      lv_paths (env, LV_QEMU, LV_CONNECT, "ListNetworks", g_variant_new ("(u)", 0));
    g_auto (GStrv) active =
      lv_paths (env, LV_QEMU, LV_CONNECT, "ListNetworks", g_variant_new ("(u)", 2));
    g_auto (GStrv) inactive =
      lv_paths (env, LV_QEMU, LV_CONNECT, "ListNetworks", g_variant_new ("(u)", 1));
    g_auto (GStrv) persistent =
      lv_paths (env, LV_QEMU, LV_CONNECT, "ListNetworks", g_variant_new ("(u)", 4));
    g_auto (GStrv) on_test =
      lv_paths (env, LV_TEST, LV_CONNECT, "ListNetworks", g_variant_new ("(u)", 0));

    g_assert_true (paths_contain (all, NET_PATH) && paths_contain (all, transient));
    g_assert_true (!paths_contain (active, NET_PATH) && paths_contain (active, transient));
    g_assert_true (paths_contain (inactive, NET_PATH) && !paths_contain (inactive, transient));
    g_assert_true (paths_contain (persistent, NET_PATH) && !paths_contain (persistent, transient));
    g_assert_true (paths_contain (on_test, test_path));
  }
  lv_expect_error (env, LV_QEMU, LV_CONNECT, "ListNetworks", g_variant_new ("(u)", 64),
                   "invalid argument: unsupported flags (0x40) in function "
                   "virConnectListAllNetworks");
  lv_void (env, transient, LV_NETWORK, "Destroy", NULL);
  lv_expect_error (env, transient, LV_NETWORK, "GetXMLDesc", g_variant_new ("(u)", 0),
                   "Network not found: no network with matching uuid '...");
}

static void
test_network_object (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *path =
    lv_path (env, LV_QEMU, LV_CONNECT, "NetworkDefineXML", g_variant_new ("(s)", NET_XML));
  g_autoptr (GVariant) all = lv_get_all (env, path, LV_NETWORK);
  gboolean flag = TRUE;
  const char *text = NULL;

  /* GetAll: every value a variant in a variant (lv_get_all checks), with
   * libvirt-dbus's five properties. */
  g_assert_cmpuint (g_variant_n_children (all), ==, 5);
  g_assert_true (g_variant_lookup (all, "Active", "b", &flag) && !flag);
  g_assert_true (g_variant_lookup (all, "Persistent", "b", &flag) && flag);
  g_assert_true (g_variant_lookup (all, "Autostart", "b", &flag) && !flag);
  g_assert_true (g_variant_lookup (all, "Name", "&s", &text));
  g_assert_cmpstr (text, ==, "lvnet");
  g_assert_true (g_variant_lookup (all, "UUID", "&s", &text));
  g_assert_cmpstr (text, ==, NET_UUID);

  /* Autostart is writable through Set, as Cockpit's switch does. */
  lv_set (env, path, LV_NETWORK, "Autostart", g_variant_new_boolean (TRUE));
  g_assert_true (lv_get_bool (env, path, LV_NETWORK, "Autostart"));
  lv_set (env, path, LV_NETWORK, "Autostart", g_variant_new_boolean (FALSE));
  g_assert_false (lv_get_bool (env, path, LV_NETWORK, "Autostart"));

  /* Update reaches Network.Update with libvirt's numbering (section 4
   * ip-dhcp-host, command 3 add-last, flags 2 CONFIG); the test network
   * driver keeps no DHCP hosts and says so as libvirt's "not supported"
   * kind (tests/test-network-bridge.c covers the bridge driver's Update). */
  lv_expect_error (env, path, LV_NETWORK, "Update",
                   g_variant_new ("(uuisu)", 3, 4, -1,
                                  "<host mac='52:54:00:aa:bb:cc' name='web' ip='192.168.151.20'/>",
                                  2),
                   "Operation not supported: The 'test' network driver cannot update networks");
  lv_expect_error (env, path, LV_NETWORK, "Update",
                   g_variant_new ("(uuisu)", 3, 4, -1, "<host mac='52:54:00:aa:bb:cc'/>", 1),
                   "...");
  lv_void (env, path, LV_NETWORK, "Create", NULL);
  g_assert_true (lv_get_bool (env, path, LV_NETWORK, "Active"));
  lv_expect_error (env, path, LV_NETWORK, "Create", NULL, "Requested operation is not valid: ...");
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GVariant) leases = lv_call_on (env->client, path, LV_NETWORK, "GetDHCPLeases",
                                              g_variant_new ("(su)", "", 0), &error);

    /* The test network driver has no DHCP server: libvirt's "not supported"
     * kind; a driver with one answers libvirt's records. */
    if (leases)
      g_assert_cmpstr (g_variant_get_type_string (leases), ==, "(a(sxisssuss))");
    else
      {
        g_autofree char *name = g_dbus_error_get_remote_error (error);

        g_assert_cmpstr (name, ==, LV_ERROR);
        g_assert_true (strstr (error->message, "Operation not supported: "));
      }
  }

  /* Undefining a running network leaves it running, transient (libvirt's
   * behaviour); stopping it then makes it go. */
  lv_void (env, path, LV_NETWORK, "Undefine", NULL);
  g_assert_true (lv_get_bool (env, path, LV_NETWORK, "Active"));
  g_assert_false (lv_get_bool (env, path, LV_NETWORK, "Persistent"));
  lv_void (env, path, LV_NETWORK, "Destroy", NULL);
  lv_expect_error (env, path, LV_NETWORK, "GetXMLDesc", g_variant_new ("(u)", 0),
                   "Network not found: no network with matching uuid '" NET_UUID "'");
  lv_expect_error (env, path, LV_PROPERTIES, "Get", g_variant_new ("(ss)", LV_NETWORK, "Name"),
                   "Network not found: ...");
  lv_expect_error (env, LV_QEMU "/network/nonsense", LV_NETWORK, "Create", NULL,
                   "Network not found: ...");
}

/* The signal line for NetworkEvent(@path, @event) on the Connect @connect. */
static char *
event_line (const char *connect, const char *path, int event)
{
  return g_strdup_printf ("org.libvirt.Connect.NetworkEvent %s ('%s', %d)", connect, path, event);
}

static void
assert_events (VbSignalLog *log, const char *path, const char *test_path, const int *events,
               guint n)
{
  int last = -1;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *line = event_line (LV_QEMU, path, events[i]);
      g_autofree char *on_test = event_line (LV_TEST, test_path, events[i]);
      int at;

      if (!vb_signal_log_wait (log, line, 5000) || !vb_signal_log_wait (log, on_test, 5000))
        {
          vb_signal_log_dump (log);
          g_error ("no %s", line);
        }
      at = vb_signal_log_find (log, line);
      g_assert_cmpint (at, >, last);
      last = at;
    }
}

static void
test_events (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autoptr (VbSignalLog) log = vb_signal_log_new (env);
  const char *test_path = LV_TEST "/network/" NET_NODE;
  /* libvirt's virNetworkEventLifecycleType: DEFINED 0, UNDEFINED 1,
   * STARTED 2, STOPPED 3. */
  static const int persistent[] = { 0, 2, 3, 1 };
  static const int transient[] = { 2, 3 };
  g_autofree char *path =
    lv_path (env, LV_QEMU, LV_CONNECT, "NetworkDefineXML", g_variant_new ("(s)", NET_XML));

  lv_void (env, path, LV_NETWORK, "Create", NULL);
  lv_void (env, path, LV_NETWORK, "Destroy", NULL);
  lv_void (env, path, LV_NETWORK, "Undefine", NULL);
  assert_events (log, path, test_path, persistent, G_N_ELEMENTS (persistent));
  {
    g_autofree char *line = event_line (LV_QEMU, path, 0);

    /* Each event once. */
    vb_signal_log_clear (log);
    lv_void (env, LV_QEMU, LV_CONNECT, "NetworkDefineXML", g_variant_new ("(s)", NET_XML));
    g_assert_true (vb_signal_log_wait (log, line, 5000));
    g_usleep (200000);
    g_main_context_iteration (NULL, FALSE);
    g_assert_cmpint (vb_signal_log_find (log, event_line (LV_QEMU, path, 2)), <, 0);
    lv_void (env, path, LV_NETWORK, "Undefine", NULL);
  }

  vb_signal_log_clear (log);
  {
    g_autofree char *tpath =
      lv_path (env, LV_QEMU, LV_CONNECT, "NetworkCreateXML",
               g_variant_new ("(s)", "<network>\n  <name>lvtmp</name>\n</network>\n"));
    g_autofree char *uuid_node = g_strdup (tpath + strlen (LV_QEMU "/network/"));
    g_autofree char *ttest = g_strconcat (LV_TEST "/network/", uuid_node, NULL);

    lv_void (env, tpath, LV_NETWORK, "Destroy", NULL);
    assert_events (log, tpath, ttest, transient, G_N_ELEMENTS (transient));
    g_assert_cmpint (vb_signal_log_find (log, event_line (LV_QEMU, tpath, 0)), <, 0);
    g_assert_cmpint (vb_signal_log_find (log, event_line (LV_QEMU, tpath, 1)), <, 0);
  }
}

/* ---- authorization ---- */

static void
child_unprivileged (void)
{
  g_autoptr (GDBusConnection) bus = lv_connect_as_user ();
  g_autofree char *path = lv_handoff_get ("network");
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;

  /* Reads are open (org.virtbus.Virt1.read)... */
  reply = lv_call_on (bus, path, LV_NETWORK, "GetXMLDesc", g_variant_new ("(u)", 0), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = lv_call_on (bus, LV_QEMU, LV_CONNECT, "ListNetworks", g_variant_new ("(u)", 0), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply =
    lv_call_on (bus, path, LV_PROPERTIES, "GetAll", g_variant_new ("(s)", LV_NETWORK), &error);
  g_assert_no_error (error);
  /* ...changes need org.virtbus.Virt1.network.manage. */
  lv_expect_error_on (bus, path, LV_NETWORK, "Create", NULL, "access denied: ...");
  lv_expect_error_on (bus, path, LV_NETWORK, "Undefine", NULL, "access denied: ...");
  lv_expect_error_on (bus, path, LV_NETWORK, "Update",
                      g_variant_new ("(uuisu)", 3, 4, -1, "<host mac='52:54:00:aa:bb:cd'/>", 0),
                      "access denied: ...");
  lv_expect_error_on (bus, path, LV_PROPERTIES, "Set",
                      g_variant_new ("(ssv)", LV_NETWORK, "Autostart",
                                     g_variant_new_boolean (TRUE)),
                      "access denied: ...");
  lv_expect_error_on (bus, LV_QEMU, LV_CONNECT, "NetworkDefineXML",
                      g_variant_new ("(s)", "<network><name>evil</name></network>"),
                      "access denied: ...");
  lv_expect_error_on (bus, LV_QEMU, LV_CONNECT, "NetworkCreateXML",
                      g_variant_new ("(s)", "<network><name>evil</name></network>"),
                      "access denied: ...");
}

static void
test_unprivileged_refused (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_POLKIT);
  g_autofree char *path =
    lv_path (env, LV_QEMU, LV_CONNECT, "NetworkDefineXML", g_variant_new ("(s)", NET_XML));

  lv_handoff_set ("address", env->bus_address);
  lv_handoff_set ("network", path);
  vb_test_env_run_child (env, "/libvirt-network/child/unprivileged", 30 * G_USEC_PER_SEC);
  g_assert_false (lv_get_bool (env, path, LV_NETWORK, "Active"));
  g_assert_false (lv_get_bool (env, path, LV_NETWORK, "Autostart"));
  lv_expect_error (env, LV_QEMU, LV_CONNECT, "NetworkLookupByName", g_variant_new ("(s)", "evil"),
                   "Network not found: no network with matching name 'evil'");
}

int
main (int argc, char **argv)
{
  lv_test_init (&argc, &argv);
  g_test_add_func ("/libvirt-network/connect-members", test_connect_members);
  g_test_add_func ("/libvirt-network/network-object", test_network_object);
  g_test_add_func ("/libvirt-network/events", test_events);
  g_test_add_func ("/libvirt-network/unprivileged-refused", test_unprivileged_refused);
  g_test_add_data_func ("/libvirt-network/child/unprivileged", child_unprivileged,
                        vb_test_run_as_child);
  return g_test_run ();
}
