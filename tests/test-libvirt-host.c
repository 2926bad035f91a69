/* The host as the org.libvirt front end shows it (docs/libvirt-dbus.md):
 * Connect's GetDomainCapabilities, NodeGetMemoryStats, the host's network
 * interfaces (org.libvirt.Interface) and devices (org.libvirt.NodeDevice)
 * with libvirt-dbus's paths, libvirt's flags and error texts, each compared
 * with the kernel and with org.virtbus.Virt1's Manager; and
 * Domain.InterfaceAddresses. */
#include "vb-test-libvirt.h"

#include <net/if.h>
#include <string.h>

#define CONNECT "org.libvirt.Connect"
#define DOMAIN "org.libvirt.Domain"
#define INTERFACE "org.libvirt.Interface"
#define NODEDEV "org.libvirt.NodeDevice"
#define PROPERTIES "org.freedesktop.DBus.Properties"
#define TEST_PATH "/org/libvirt/Test"
#define QEMU_PATH "/org/libvirt/QEMU"

#define UUID "6b2d3f4e-1c5a-4d7b-9e0f-2a3b4c5d6e01"
#define NIC_MAC "52:54:00:6b:00:01"

/* ---- calling org.libvirt ---- */

/* What a Connect's list member (ListInterfaces, ...) answers with @flags. */
static GStrv
listed_paths (VbTestEnv *env, const char *path, const char *method, guint flags)
{
  return lv_paths (env, path, CONNECT, method, g_variant_new ("(u)", flags));
}

static void
expect_unsupported (VbTestEnv *env, const char *path, const char *iface, const char *method,
                    GVariant *args, const char *function)
{
  g_autofree char *message =
    g_strdup_printf ("this function is not supported by the connection driver: %s", function);

  lv_expect_error (env, path, iface, method, args, message);
}

static GVariant *
get_all (VbTestEnv *env, const char *path, const char *iface)
{
  g_autoptr (GVariant) reply =
    lv_ok (env, path, PROPERTIES, "GetAll", g_variant_new ("(s)", iface));

  return g_variant_get_child_value (reply, 0);
}

/* The value of @key in GetAll's answer, asserting libvirt-dbus's double wrapping. */
static GVariant *
unwrap_twice (GVariant *dict, const char *key)
{
  g_autoptr (GVariant) outer = g_variant_lookup_value (dict, key, G_VARIANT_TYPE_VARIANT);

  if (!outer)
    g_error ("%s is not a variant holding a variant", key);
  return g_variant_get_variant (outer);
}

static char *
all_string (GVariant *dict, const char *key)
{
  g_autoptr (GVariant) value = unwrap_twice (dict, key);

  return g_variant_dup_string (value, NULL);
}

static GVariant *
get_once (VbTestEnv *env, const char *path, const char *iface, const char *property)
{
  g_autoptr (GVariant) reply =
    lv_ok (env, path, PROPERTIES, "Get", g_variant_new ("(ss)", iface, property));
  GVariant *value;

  g_assert_cmpstr (g_variant_get_type_string (reply), ==, "(v)");
  g_variant_get (reply, "(v)", &value);
  return value;
}

/* libvirt-dbus's escape: A-Z a-z 0-9 stay, any other byte is _ and 2 hex digits. */
static char *
escape (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) text; *p; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (out, (char) *p);
    else
      g_string_append_printf (out, "_%02x", *p);
  return g_string_free (out, FALSE);
}

static guint64
meminfo (const char *key)
{
  g_autofree char *text = NULL;
  g_autofree char *label = g_strdup_printf ("\n%s:", key);
  g_autofree char *lines = NULL;
  const char *at;

  g_assert_true (g_file_get_contents ("/proc/meminfo", &text, NULL, NULL));
  lines = g_strconcat ("\n", text, NULL);
  at = strstr (lines, label);
  g_assert_nonnull (at);
  return g_ascii_strtoull (at + strlen (label), NULL, 10);
}

/* ---- Connect: the host's memory and what a domain may use ---- */

static void
test_host_connect (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) stats = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *caps = NULL;
  g_autofree char *path = NULL;
  g_autofree char *domain_xml = vb_test_domain_xml ("lv-caps", UUID);
  g_autoptr (GMatchInfo) match = NULL;
  g_autofree char *arch = NULL;
  g_autofree char *machine = NULL;
  guint64 total, free_kib, buffers, cached;

  /* libvirt's four keys in KiB, for the whole host. */
  reply = lv_ok (env, QEMU_PATH, CONNECT, "NodeGetMemoryStats", g_variant_new ("(iu)", -1, 0));
  stats = g_variant_get_child_value (reply, 0);
  g_assert_cmpstr (g_variant_get_type_string (stats), ==, "a{st}");
  g_assert_true (g_variant_lookup (stats, "total", "t", &total));
  g_assert_true (g_variant_lookup (stats, "free", "t", &free_kib));
  g_assert_true (g_variant_lookup (stats, "buffers", "t", &buffers));
  g_assert_true (g_variant_lookup (stats, "cached", "t", &cached));
  g_assert_cmpuint (total, ==, meminfo ("MemTotal"));
  g_assert_cmpuint (free_kib, <=, total);
  g_assert_cmpuint (cached, <=, total);
  lv_expect_error (env, QEMU_PATH, CONNECT, "NodeGetMemoryStats", g_variant_new ("(iu)", -1, 1),
                   "invalid argument: ...");
  lv_expect_error (env, QEMU_PATH, CONNECT, "NodeGetMemoryStats", g_variant_new ("(iu)", -7, 0),
                   "invalid argument: ...");

  /* What Cockpit asks for every VM: ('', the <os><type>'s arch and machine, '', 0). */
  path = lv_path (env, TEST_PATH, CONNECT, "DomainDefineXML", g_variant_new ("(s)", domain_xml));
  xml = lv_string (env, path, DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0));
  g_assert_true (g_regex_match_simple ("<type arch='[^']+' machine='[^']+'>hvm</type>", xml, 0, 0));
  {
    g_autoptr (GRegex) regex = g_regex_new ("<type arch='([^']+)' machine='([^']+)'", 0, 0, NULL);

    g_assert_true (g_regex_match (regex, xml, 0, &match));
    arch = g_match_info_fetch (match, 1);
    machine = g_match_info_fetch (match, 2);
  }
  caps = lv_string (env, TEST_PATH, CONNECT, "GetDomainCapabilities",
                    g_variant_new ("(ssssu)", "", arch, machine, "", 0));
  g_assert_true (g_str_has_prefix (caps, "<domainCapabilities>"));
  /* No virttype on the Test connection: its own driver answers. */
  g_assert_nonnull (strstr (caps, "<domain>test</domain>"));
  {
    g_autofree char *expected = g_strdup_printf ("<arch>%s</arch>", arch);

    g_assert_nonnull (strstr (caps, expected));
  }
  lv_expect_error (env, TEST_PATH, CONNECT, "GetDomainCapabilities",
                   g_variant_new ("(ssssu)", "", arch, machine, "", 1), "invalid argument: ...");
  lv_expect_error (env, TEST_PATH, CONNECT, "GetDomainCapabilities",
                   g_variant_new ("(ssssu)", "", "", "", "no-such-virttype", 0),
                   "invalid argument: ...");

  /* libvirt's name of a list function is virConnectListAll*. */
  expect_unsupported (env, QEMU_PATH, CONNECT, "ListSecrets", g_variant_new ("(u)", 0),
                      "virConnectListAllSecrets");
  expect_unsupported (env, QEMU_PATH, CONNECT, "NodeDeviceLookupSCSIHostByWWN",
                      g_variant_new ("(ssu)", "5001a4a0ab000001", "5001a4a0ab000002", 0),
                      "virNodeDeviceLookupSCSIHostByWWN");
}

/* ---- org.libvirt.Interface ---- */

typedef struct {
  char *name;
  char *mac;
  gboolean up;
} SysNetif;

static void
sys_netif_free (SysNetif *netif)
{
  g_free (netif->name);
  g_free (netif->mac);
  g_free (netif);
}

/* The kernel's interfaces, as /sys/class/net has them. */
static GPtrArray *
sys_netifs (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/sys/class/net", 0, NULL);
  GPtrArray *netifs = g_ptr_array_new_with_free_func ((GDestroyNotify) sys_netif_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    {
      SysNetif *netif = g_new0 (SysNetif, 1);
      g_autofree char *address = g_build_filename ("/sys/class/net", name, "address", NULL);
      g_autofree char *flags_file = g_build_filename ("/sys/class/net", name, "flags", NULL);
      g_autofree char *flags = NULL;

      netif->name = g_strdup (name);
      if (!g_file_get_contents (address, &netif->mac, NULL, NULL))
        netif->mac = g_strdup ("");
      g_strstrip (netif->mac);
      g_assert_true (g_file_get_contents (flags_file, &flags, NULL, NULL));
      netif->up = (g_ascii_strtoull (flags, NULL, 16) & IFF_UP) != 0;
      g_ptr_array_add (netifs, netif);
    }
  return netifs;
}

/* libvirt-dbus's path: the MAC; ours for one without a MAC of its own: the name. */
static char *
expected_interface_path (GPtrArray *netifs, const SysNetif *netif)
{
  guint same = 0;
  g_autofree char *key = NULL;

  for (guint i = 0; i < netifs->len; i++)
    if (g_ascii_strcasecmp (((SysNetif *) netifs->pdata[i])->mac, netif->mac) == 0)
      same++;
  key = escape (same == 1 && strchr (netif->mac, ':') ? netif->mac : netif->name);
  return g_strdup_printf (QEMU_PATH "/interface/%s", key);
}

static const SysNetif *
find_netif (GPtrArray *netifs, const char *name)
{
  for (guint i = 0; i < netifs->len; i++)
    if (g_str_equal (((SysNetif *) netifs->pdata[i])->name, name))
      return netifs->pdata[i];
  g_error ("no interface %s in /sys/class/net", name);
}

static GStrv
introspected_nodes (VbTestEnv *env, const char *path)
{
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (env->client, LV_NAME, path, "org.freedesktop.DBus.Introspectable",
                                 "Introspect", NULL, G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE,
                                 30000, NULL, NULL);
  const char *xml;
  g_autoptr (GDBusNodeInfo) node = NULL;
  GPtrArray *names = g_ptr_array_new ();

  g_assert_nonnull (reply);
  g_variant_get (reply, "(&s)", &xml);
  node = g_dbus_node_info_new_for_xml (xml, NULL);
  g_assert_nonnull (node);
  for (guint i = 0; node->nodes && node->nodes[i]; i++)
    g_ptr_array_add (names, g_strdup (node->nodes[i]->path));
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

static void
test_interfaces (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autoptr (GPtrArray) netifs = sys_netifs ();
  const SysNetif *lo = find_netif (netifs, "lo");
  g_auto (GStrv) all = listed_paths (env, QEMU_PATH, "ListInterfaces", 0);
  g_auto (GStrv) both = listed_paths (env, QEMU_PATH, "ListInterfaces", 3);
  g_auto (GStrv) active = listed_paths (env, QEMU_PATH, "ListInterfaces", 2);
  g_auto (GStrv) inactive = listed_paths (env, QEMU_PATH, "ListInterfaces", 1);
  g_autofree char *lo_path = expected_interface_path (netifs, lo);
  g_autofree char *by_name = NULL;
  g_autofree char *by_mac = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *name = NULL;
  g_autofree char *mac = NULL;
  g_autoptr (GVariant) props = NULL;
  g_autoptr (GVariant) up = NULL;
  g_autoptr (GVariant) once = NULL;
  g_auto (GStrv) nodes = NULL;

  /* Every interface of the kernel, at libvirt-dbus's path, in the list its
   * state puts it in (Cockpit asks with flags 3). */
  g_assert_cmpuint (g_strv_length (all), ==, netifs->len);
  g_assert_cmpuint (g_strv_length (both), ==, netifs->len);
  g_assert_cmpuint (g_strv_length (active) + g_strv_length (inactive), ==, netifs->len);
  for (guint i = 0; i < netifs->len; i++)
    {
      const SysNetif *netif = netifs->pdata[i];
      g_autofree char *expected = expected_interface_path (netifs, netif);
      g_autoptr (GVariant) each = NULL;
      g_autofree char *each_name = NULL;

      g_test_message ("%s (%s) at %s", netif->name, netif->mac, expected);
      g_assert_true (g_strv_contains ((const char *const *) all, expected));
      g_assert_true (
        g_strv_contains ((const char *const *) (netif->up ? active : inactive), expected));
      each = get_all (env, expected, INTERFACE);
      each_name = all_string (each, "Name");
      g_assert_cmpstr (each_name, ==, netif->name);
    }
  lv_expect_error (env, QEMU_PATH, CONNECT, "ListInterfaces", g_variant_new ("(u)", 4),
                   "invalid argument: ...");

  /* lo: its path by name and by MAC; GetAll double-wrapped, Get once. */
  by_name = lv_path (env, QEMU_PATH, CONNECT, "InterfaceLookupByName", g_variant_new ("(s)", "lo"));
  g_assert_cmpstr (by_name, ==, lo_path);
  props = get_all (env, lo_path, INTERFACE);
  name = all_string (props, "Name");
  mac = all_string (props, "MAC");
  up = unwrap_twice (props, "Active");
  g_assert_cmpstr (name, ==, "lo");
  g_assert_cmpstr (mac, ==, lo->mac);
  g_assert_true (g_variant_get_boolean (up) == lo->up);
  once = get_once (env, lo_path, INTERFACE, "MAC");
  g_assert_cmpstr (g_variant_get_string (once, NULL), ==, lo->mac);
  if (g_str_has_suffix (lo_path, "/interface/00_3a00_3a00_3a00_3a00_3a00"))
    {
      g_autofree char *upper = g_ascii_strup (lo->mac, -1);

      by_mac =
        lv_path (env, QEMU_PATH, CONNECT, "InterfaceLookupByMAC", g_variant_new ("(s)", upper));
      g_assert_cmpstr (by_mac, ==, lo_path);
    }

  xml = lv_string (env, lo_path, INTERFACE, "GetXMLDesc", g_variant_new ("(u)", 0));
  g_assert_true (g_str_has_prefix (xml, "<interface type='ethernet' name='lo'>\n"));
  g_clear_pointer (&xml, g_free);
  xml = lv_string (env, lo_path, INTERFACE, "GetXMLDesc", g_variant_new ("(u)", 1));
  g_assert_nonnull (strstr (xml, "name='lo'"));
  lv_expect_error (env, lo_path, INTERFACE, "GetXMLDesc", g_variant_new ("(u)", 2),
                   "invalid argument: ...");

  /* Read-only: libvirt's "not supported". */
  expect_unsupported (env, lo_path, INTERFACE, "Create", g_variant_new ("(u)", 0),
                      "virInterfaceCreate");
  expect_unsupported (env, lo_path, INTERFACE, "Destroy", g_variant_new ("(u)", 0),
                      "virInterfaceDestroy");
  expect_unsupported (env, lo_path, INTERFACE, "Undefine", NULL, "virInterfaceUndefine");

  /* Names and MACs the host does not have, hostile ones too: libvirt's texts. */
  for (const char *const *bad =
         (const char *const[]){ "vb-no-such-if", "", "../net/lo", "lo/", "/lo", "lo\n", ".", NULL };
       *bad; bad++)
    {
      g_autofree char *text = g_strdup_printf ("Interface not found: couldn't find interface "
                                               "named '%s'",
                                               *bad);

      lv_expect_error (env, QEMU_PATH, CONNECT, "InterfaceLookupByName",
                       g_variant_new ("(s)", *bad), text);
    }
  lv_expect_error (env, QEMU_PATH, CONNECT, "InterfaceLookupByMAC",
                   g_variant_new ("(s)", "52:54:00:ff:ff:fe"),
                   "Interface not found: couldn't find interface with MAC address "
                   "'52:54:00:ff:ff:fe'");
  lv_expect_error (env, QEMU_PATH, CONNECT, "InterfaceLookupByMAC", g_variant_new ("(s)", ""),
                   "Interface not found: couldn't find interface with MAC address ''");

  /* Paths that lead nowhere, or outside /sys/class/net: nothing is there. */
  lv_expect_error (env, QEMU_PATH "/interface/nope", INTERFACE, "GetXMLDesc",
                   g_variant_new ("(u)", 0),
                   "Interface not found: couldn't find interface named 'nope'");
  lv_expect_error (env, QEMU_PATH "/interface/_2e_2e_2fnet_2flo", PROPERTIES, "GetAll",
                   g_variant_new ("(s)", INTERFACE),
                   "Interface not found: couldn't find interface named '../net/lo'");
  lv_expect_error (env, QEMU_PATH "/interface/52_3a54_3a00_3aff_3aff_3afe", INTERFACE, "GetXMLDesc",
                   g_variant_new ("(u)", 0),
                   "Interface not found: couldn't find interface with MAC address "
                   "'52:54:00:ff:ff:fe'");
  lv_expect_error (env, QEMU_PATH "/interface/lo_", INTERFACE, "GetXMLDesc",
                   g_variant_new ("(u)", 0),
                   "Interface not found: no interface at " QEMU_PATH "/interface/lo_");
  lv_expect_error (env, QEMU_PATH "/interface/_ff", INTERFACE, "GetXMLDesc",
                   g_variant_new ("(u)", 0),
                   "Interface not found: no interface at " QEMU_PATH "/interface/_ff");

  /* The Test connection serves the same host, under its own path. */
  {
    g_autofree char *test_lo =
      lv_path (env, TEST_PATH, CONNECT, "InterfaceLookupByName", g_variant_new ("(s)", "lo"));

    g_assert_true (g_str_has_prefix (test_lo, TEST_PATH "/interface/"));
    g_assert_cmpstr (test_lo + strlen (TEST_PATH), ==, lo_path + strlen (QEMU_PATH));
  }

  /* Introspection lists the nodes of the latest listing. */
  nodes = introspected_nodes (env, QEMU_PATH "/interface");
  g_assert_true (
    g_strv_contains ((const char *const *) nodes, lo_path + strlen (QEMU_PATH "/interface/")));
}

/* ---- org.libvirt.NodeDevice ---- */

static GStrv
manager_node_devices (VbTestEnv *env, const char *capability)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "ListNodeDevices",
                                                g_variant_new ("(su)", capability, 0));
  GStrv names;

  g_variant_get (reply, "(^as)", &names);
  return names;
}

static char *
manager_string (VbTestEnv *env, const char *method, GVariant *args)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (env, MANAGER, IFACE_MANAGER, method, args);
  char *text;

  g_variant_get (reply, "(s)", &text);
  return text;
}

/* The paths libvirt-dbus gives the Manager's devices of @capabilities. */
static GStrv
expected_nodedev_paths (VbTestEnv *env, const char *const *capabilities)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new ();

  for (guint c = 0; capabilities[c]; c++)
    {
      g_auto (GStrv) names = manager_node_devices (env, capabilities[c]);

      for (guint i = 0; names[i]; i++)
        {
          g_autofree char *escaped = escape (names[i]);

          g_ptr_array_add (paths, g_strdup_printf (QEMU_PATH "/nodedev/%s", escaped));
        }
    }
  g_ptr_array_add (paths, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&paths), FALSE);
}

static void
assert_same_paths (GStrv got, GStrv expected)
{
  g_assert_cmpuint (g_strv_length (got), ==, g_strv_length (expected));
  for (guint i = 0; expected[i]; i++)
    if (!g_strv_contains ((const char *const *) got, expected[i]))
      g_error ("%s is missing", expected[i]);
}

static void
check_lists (VbTestEnv *env, guint flags, const char *const *capabilities)
{
  g_auto (GStrv) got = listed_paths (env, QEMU_PATH, "ListNodeDevices", flags);
  g_auto (GStrv) expected = expected_nodedev_paths (env, capabilities);

  g_test_message ("ListNodeDevices(0x%x): %u devices", flags, g_strv_length (got));
  assert_same_paths (got, expected);
}

/* The text of the first <@element> of @xml, "" when there is none. */
static char *
xml_element (const char *xml, const char *element)
{
  g_autofree char *pattern = g_strdup_printf ("<%s>([^<]*)</%s>", element, element);
  g_autoptr (GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;

  return g_regex_match (regex, xml, 0, &match) ? g_match_info_fetch (match, 1) : g_strdup ("");
}

static void
test_node_devices (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_auto (GStrv) net = manager_node_devices (env, "net");
  g_autofree char *computer = NULL;
  g_autoptr (GVariant) props = NULL;
  g_autofree char *name = NULL;
  g_autofree char *parent = NULL;
  g_autoptr (GVariant) caps_reply = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *manager_xml = NULL;
  g_auto (GStrv) nodes = NULL;

  /* libvirt's capability bits; none is all; ACTIVE is all (every device the
   * host lists is active), INACTIVE alone none; unknown bits refused. */
  check_lists (env, 0, (const char *const[]){ "", NULL });
  check_lists (env, 1u << 31, (const char *const[]){ "", NULL });
  check_lists (env, 1, (const char *const[]){ "system", NULL });
  check_lists (env, 2, (const char *const[]){ "pci", NULL });
  check_lists (env, 4, (const char *const[]){ "usb_device", NULL });
  check_lists (env, 16, (const char *const[]){ "net", NULL });
  check_lists (env, 2 | 16, (const char *const[]){ "pci", "net", NULL });
  check_lists (env, 1u << 8, (const char *const[]){ NULL });
  check_lists (env, 1u << 30, (const char *const[]){ NULL });
  lv_expect_error (env, QEMU_PATH, CONNECT, "ListNodeDevices", g_variant_new ("(u)", 1u << 25),
                   "invalid argument: ...");

  /* The machine. */
  computer =
    lv_path (env, QEMU_PATH, CONNECT, "NodeDeviceLookupByName", g_variant_new ("(s)", "computer"));
  g_assert_cmpstr (computer, ==, QEMU_PATH "/nodedev/computer");
  props = get_all (env, computer, NODEDEV);
  name = all_string (props, "Name");
  parent = all_string (props, "Parent");
  g_assert_cmpstr (name, ==, "computer");
  g_assert_cmpstr (parent, ==, "");
  caps_reply = lv_ok (env, computer, NODEDEV, "ListCaps", NULL);
  {
    g_autofree char *printed = g_variant_print (caps_reply, FALSE);

    g_assert_cmpstr (printed, ==, "(['system'],)");
  }
  xml = lv_string (env, computer, NODEDEV, "GetXMLDesc", g_variant_new ("(u)", 0));
  manager_xml = manager_string (env, "GetNodeDeviceXML", g_variant_new ("(su)", "computer", 0));
  g_assert_cmpstr (xml, ==, manager_xml);
  lv_expect_error (env, computer, NODEDEV, "GetXMLDesc", g_variant_new ("(u)", 1),
                   "invalid argument: ...");

  /* A network interface's device: its parent is its XML's; its capability net. */
  g_assert_nonnull (net[0]);
  {
    g_autofree char *escaped = escape (net[0]);
    g_autofree char *expected = g_strdup_printf (QEMU_PATH "/nodedev/%s", escaped);
    g_autofree char *path =
      lv_path (env, QEMU_PATH, CONNECT, "NodeDeviceLookupByName", g_variant_new ("(s)", net[0]));
    g_autofree char *net_xml =
      manager_string (env, "GetNodeDeviceXML", g_variant_new ("(su)", net[0], 0));
    g_autofree char *xml_parent = xml_element (net_xml, "parent");
    g_autoptr (GVariant) net_props = NULL;
    g_autofree char *net_parent = NULL;
    g_autofree char *net_name = NULL;
    g_autoptr (GVariant) once = NULL;
    g_autoptr (GVariant) net_caps = NULL;
    g_autofree char *printed = NULL;

    g_assert_cmpstr (path, ==, expected);
    net_props = get_all (env, path, NODEDEV);
    net_parent = all_string (net_props, "Parent");
    net_name = all_string (net_props, "Name");
    g_assert_cmpstr (net_name, ==, net[0]);
    g_assert_cmpstr (net_parent, ==, xml_parent);
    g_assert_cmpstr (net_parent, !=, "");
    once = get_once (env, path, NODEDEV, "Name");
    g_assert_cmpstr (g_variant_get_string (once, NULL), ==, net[0]);
    net_caps = lv_ok (env, path, NODEDEV, "ListCaps", NULL);
    printed = g_variant_print (net_caps, FALSE);
    g_assert_cmpstr (printed, ==, "(['net'],)");
  }

  /* Read-only: libvirt's "not supported". */
  expect_unsupported (env, computer, NODEDEV, "Destroy", NULL, "virNodeDeviceDestroy");
  expect_unsupported (env, computer, NODEDEV, "Detach", g_variant_new ("(su)", "vfio", 0),
                      "virNodeDeviceDetach");
  expect_unsupported (env, computer, NODEDEV, "ReAttach", NULL, "virNodeDeviceReAttach");
  expect_unsupported (env, computer, NODEDEV, "Reset", NULL, "virNodeDeviceReset");

  /* Names the host does not have, hostile ones too: libvirt's text. */
  for (const char *const *bad =
         (const char *const[]){ "nope", "", "../computer", "computer/", "/sys", ".", NULL };
       *bad; bad++)
    {
      g_autofree char *text =
        g_strdup_printf ("Node device not found: no node device with matching name '%s'", *bad);

      lv_expect_error (env, QEMU_PATH, CONNECT, "NodeDeviceLookupByName",
                       g_variant_new ("(s)", *bad), text);
    }
  lv_expect_error (env, QEMU_PATH "/nodedev/nope", NODEDEV, "ListCaps", NULL,
                   "Node device not found: no node device with matching name 'nope'");
  lv_expect_error (env, QEMU_PATH "/nodedev/_2e_2e_2fcomputer", PROPERTIES, "Get",
                   g_variant_new ("(ss)", NODEDEV, "Name"),
                   "Node device not found: no node device with matching name '../computer'");
  lv_expect_error (env, QEMU_PATH "/nodedev/_00", NODEDEV, "GetXMLDesc", g_variant_new ("(u)", 0),
                   "Node device not found: no node device at " QEMU_PATH "/nodedev/_00");

  nodes = introspected_nodes (env, QEMU_PATH "/nodedev");
  g_assert_true (g_strv_contains ((const char *const *) nodes, "computer"));
}

/* ---- Domain.InterfaceAddresses ---- */

static const char network_xml[] = "<network>\n"
                                  "  <name>lvaddrnet</name>\n"
                                  "  <bridge name='vblvaddr0'/>\n"
                                  "  <ip address='192.168.151.1' netmask='255.255.255.0'>\n"
                                  "    <dhcp>\n"
                                  "      <range start='192.168.151.20' end='192.168.151.30'/>\n"
                                  "    </dhcp>\n"
                                  "  </ip>\n"
                                  "</network>\n";

static const char addr_domain_xml[] = "<domain type='test'>\n"
                                      "  <name>lv-addr</name>\n"
                                      "  <uuid>" UUID "</uuid>\n"
                                      "  <memory unit='MiB'>128</memory>\n"
                                      "  <os><type arch='x86_64'>hvm</type></os>\n"
                                      "  <devices>\n"
                                      "    <interface type='network'>\n"
                                      "      <mac address='" NIC_MAC "'/>\n"
                                      "      <source network='lvaddrnet'/>\n"
                                      "    </interface>\n"
                                      "  </devices>\n"
                                      "</domain>\n";

static GVariant *
addresses (VbTestEnv *env, const char *path, guint source)
{
  g_autoptr (GVariant) reply =
    lv_ok (env, path, DOMAIN, "InterfaceAddresses", g_variant_new ("(uu)", source, 0));

  g_assert_cmpstr (g_variant_get_type_string (reply), ==, "(a(ssa(isu)))");
  return g_variant_get_child_value (reply, 0);
}

static void
test_interface_addresses (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *net = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineNetwork",
                                            g_variant_new ("(su)", network_xml, 0));
  g_autofree char *path =
    lv_path (env, TEST_PATH, CONNECT, "DomainDefineXML", g_variant_new ("(s)", addr_domain_xml));
  g_autoptr (GVariant) leases = NULL;
  g_autoptr (GVariant) arp = NULL;
  g_autofree char *printed = NULL;

  g_variant_unref (vb_test_call_ok (env, net, IFACE_NETWORK, "Start", g_variant_new ("(u)", 0)));
  /* Shut off: libvirt's "domain is not running" kind. */
  lv_expect_error (env, path, DOMAIN, "InterfaceAddresses", g_variant_new ("(uu)", 0, 0),
                   "Requested operation is not valid: ...");
  g_variant_unref (lv_ok (env, path, DOMAIN, "Create", g_variant_new ("(u)", 0)));

  /* Source 0 (lease): the simulated DHCP server's address for the NIC. */
  leases = addresses (env, path, 0);
  printed = g_variant_print (leases, FALSE);
  g_test_message ("leases: %s", printed);
  g_assert_cmpuint (g_variant_n_children (leases), ==, 1);
  g_assert_nonnull (strstr (printed, "'" NIC_MAC "', [(0, '192.168.151."));
  g_assert_nonnull (strstr (printed, ", 24)]"));
  /* Source 2 (arp): nobody on this host has the NIC's MAC. */
  arp = addresses (env, path, 2);
  g_assert_cmpuint (g_variant_n_children (arp), ==, 0);
  /* Source 1 (agent): none configured. */
  lv_expect_error (env, path, DOMAIN, "InterfaceAddresses", g_variant_new ("(uu)", 1, 0),
                   "Operation not supported: ...");
  lv_expect_error (env, path, DOMAIN, "InterfaceAddresses", g_variant_new ("(uu)", 3, 0),
                   "invalid argument: ...");
  lv_expect_error (env, path, DOMAIN, "InterfaceAddresses", g_variant_new ("(uu)", 0, 1),
                   "invalid argument: ...");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/libvirt-host/connect", test_host_connect);
  g_test_add_func ("/libvirt-host/interfaces", test_interfaces);
  g_test_add_func ("/libvirt-host/node-devices", test_node_devices);
  g_test_add_func ("/libvirt-host/interface-addresses", test_interface_addresses);
  return g_test_run ();
}
