/* QEMU's D-Bus display as a client of the service sees it: a guest with a
 * peer-to-peer display (p2p='yes'), its <audio type='dbus'>, a dbus
 * channel and a dbus usbredir; OpenGraphics (and org.libvirt's
 * OpenGraphicsFD) hands out a connection on which QEMU's own D-Bus objects
 * answer (the VM's Name and UUID are the domain's, the channel and the
 * usbredir are Chardev objects of their names, the audio backend is there).
 * Without p2p or address= the service runs a bus of the domain's own,
 * whose address the live XML gives, QEMU's objects on it, gone with the
 * domain (OpenGraphics refuses that display: its clients use the bus); a
 * managed save and restore give it a private bus again; with address=
 * QEMU joins that bus (the test's) as org.qemu. A bad address is refused
 * by define, by name; OpenGL without a render node at Start. */
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

#include "vb-test-calls.h"
#include "vb-test-domains.h"
#include "vb-test-guest-fixture.h"
#include "vb-test-jobs.h"
#include "vb-test-libvirt.h"
#include "vb-test-names.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
#define CHANNEL "org.example.vbtest.0"
#define DISPLAY_PATH "/org/qemu/Display1"
#define QEMU_NAME "org.qemu"
#define QEMU_USER "vbtest-qemu" /* tests/setup-test-users.sh makes it */
#define XML_INACTIVE 2u         /* GetXMLDesc: the stored definition */

typedef VbGuestFixture Fixture;

static const char p2p_devices[] =
  "    <graphics type='dbus' p2p='yes'>\n      <audio id='1'/>\n    </graphics>\n"
  "    <audio id='1' type='dbus'/>\n"
  "    <channel type='dbus'>\n      <source channel='" CHANNEL "'/>\n"
  "      <target type='virtio' name='" CHANNEL "'/>\n    </channel>\n"
  "    <controller type='usb' index='0' model='piix3-uhci'/>\n"
  "    <redirdev bus='usb' type='dbus'/>\n";

/* Domain.OpenGraphics(@index, 0) as root: a D-Bus connection (QEMU is the
 * server side of it, no bus in between). */
static GDBusConnection *
open_display (Fixture *f, guint index)
{
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketConnection) stream = NULL;
  g_autofree int *stolen = NULL;
  GDBusConnection *connection;

  reply =
    g_dbus_connection_call_with_unix_fd_list_sync (f->env->client, BUS_NAME, f->path, IFACE_DOMAIN,
                                                   "OpenGraphics", g_variant_new ("(uu)", index, 0),
                                                   G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE,
                                                   10000, NULL, &fds, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_unix_fd_list_get_length (fds), ==, 1);
  stolen = g_unix_fd_list_steal_fds (fds, NULL);
  socket = g_socket_new_from_fd (stolen[0], &error);
  g_assert_no_error (error);
  stream = g_socket_connection_factory_create_connection (socket);
  connection =
    g_dbus_connection_new_sync (G_IO_STREAM (stream), NULL,
                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

/* The same through org.libvirt's OpenGraphicsFD(@index, 0). */
static GDBusConnection *
open_display_libvirt (Fixture *f, guint index)
{
  g_autofree char *lv_domain = g_strconcat (LV_QEMU "/domain/_", strrchr (f->path, '/') + 1, NULL);
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketConnection) stream = NULL;
  g_autofree int *stolen = NULL;
  GDBusConnection *connection;

  lv_wait_for_name (f->env);
  reply = g_dbus_connection_call_with_unix_fd_list_sync (
    f->env->client, LV_NAME, lv_domain, "org.libvirt.Domain", "OpenGraphicsFD",
    g_variant_new ("(uu)", index, 0), G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
    &fds, NULL, &error);
  g_assert_no_error (error);
  stolen = g_unix_fd_list_steal_fds (fds, NULL);
  socket = g_socket_new_from_fd (stolen[0], &error);
  g_assert_no_error (error);
  stream = g_socket_connection_factory_create_connection (socket);
  connection =
    g_dbus_connection_new_sync (G_IO_STREAM (stream), NULL,
                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

/* The properties of @interface on @path, answered by QEMU. */
static GVariant *
qemu_properties (GDBusConnection *connection, const char *path, const char *interface)
{
  /* On a bus QEMU is "org.qemu"; on a peer connection there is no name. */
  const char *name = g_dbus_connection_get_unique_name (connection) ? QEMU_NAME : NULL;
  g_autoptr (GError) error = NULL;
  GVariant *all = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (connection, name, path, "org.freedesktop.DBus.Properties",
                                 "GetAll", g_variant_new ("(s)", interface),
                                 G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
                                 &error);

  g_assert_no_error (error);
  g_variant_get (reply, "(@a{sv})", &all);
  return all;
}

static void
assert_string_property (GVariant *all, const char *name, const char *want)
{
  const char *value = NULL;

  g_assert_true (g_variant_lookup (all, name, "&s", &value));
  g_assert_cmpstr (value, ==, want);
}

/* The object paths QEMU's object manager exports with @interface. */
static GPtrArray *
objects_with (GDBusConnection *connection, const char *interface)
{
  const char *name = g_dbus_connection_get_unique_name (connection) ? QEMU_NAME : NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
    connection, name, DISPLAY_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
    G_VARIANT_TYPE ("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_autoptr (GVariantIter) objects = NULL;
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);
  const char *path;
  GVariant *interfaces;

  g_assert_no_error (error);
  g_variant_get (reply, "(a{oa{sa{sv}}})", &objects);
  while (g_variant_iter_next (objects, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      if (g_variant_lookup_value (interfaces, interface, NULL))
        g_ptr_array_add (found, g_strdup (path));
      g_variant_unref (interfaces);
    }
  return found;
}

static void
test_p2p (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    vb_test_guest_xml_on ("dbus-p2p", GUEST_MIB, "pc", TRUE, NULL, p2p_devices);
  g_autoptr (GDBusConnection) display = NULL;
  g_autoptr (GVariant) vm = NULL;
  g_autoptr (GPtrArray) chardevs = NULL;
  g_autoptr (GPtrArray) audio = NULL;
  g_autofree char *name = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *live = NULL;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  name = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "Name");
  uuid = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "UUID");
  display = open_display (f, 0);
  vm = qemu_properties (display, DISPLAY_PATH "/VM", "org.qemu.Display1.VM");
  assert_string_property (vm, "Name", name);
  assert_string_property (vm, "UUID", uuid);
  /* The channel and the redirdev's usbredir stream, by their names. */
  chardevs = objects_with (display, "org.qemu.Display1.Chardev");
  g_assert_cmpuint (chardevs->len, ==, 2);
  {
    g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

    for (guint i = 0; i < chardevs->len; i++)
      {
        g_autoptr (GVariant) props =
          qemu_properties (display, chardevs->pdata[i], "org.qemu.Display1.Chardev");
        const char *value = NULL;

        g_assert_true (g_variant_lookup (props, "Name", "&s", &value));
        g_ptr_array_add (names, g_strdup (value));
      }
    g_assert_true (g_ptr_array_find_with_equal_func (names, CHANNEL, g_str_equal, NULL));
    g_assert_true (
      g_ptr_array_find_with_equal_func (names, "org.qemu.usbredir", g_str_equal, NULL));
  }
  /* The display's <audio id='1'/> is the dbus backend QEMU plays through. */
  audio = objects_with (display, "org.qemu.Display1.Audio");
  g_assert_cmpuint (audio->len, ==, 1);
  /* A second client gets a connection of its own, here through
   * org.libvirt's OpenGraphicsFD. */
  {
    g_autoptr (GDBusConnection) second = open_display_libvirt (f, 0);
    g_autoptr (GVariant) again =
      qemu_properties (second, DISPLAY_PATH "/VM", "org.qemu.Display1.VM");

    assert_string_property (again, "Name", name);
  }
  live = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (live, "<graphics type='dbus' p2p='yes'>"));
}

/* The address='…' of the first <graphics type='dbus'> in @xml, or NULL. */
static char *
bus_address_in (const char *xml)
{
  g_autoptr (GRegex) regex = g_regex_new ("<graphics type='dbus' address='([^']*)'", 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;

  if (!g_regex_match (regex, xml, 0, &match))
    return NULL;
  return g_match_info_fetch (match, 1);
}

/* The uid the dbus-daemon of the bus at @address runs as (it is started
 * with --config-file=<the socket's directory>/bus.conf). */
static guint
bus_daemon_uid (const char *address)
{
  g_autofree char *socket_dir = g_path_get_dirname (address + strlen ("unix:path="));
  g_autofree char *config_arg = g_strdup_printf ("--config-file=%s/bus.conf", socket_dir);
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *pid;

  while ((pid = g_dir_read_name (proc)))
    {
      g_autofree char *cmdline_path = g_build_filename ("/proc", pid, "cmdline", NULL);
      g_autofree char *cmdline = NULL;
      gsize length = 0;
      struct stat st;

      if (!g_file_get_contents (cmdline_path, &cmdline, &length, NULL)
          || !g_str_equal (cmdline, "/usr/bin/dbus-daemon") || strlen (cmdline) + 1 >= length
          || !g_str_equal (cmdline + strlen (cmdline) + 1, config_arg))
        continue;
      {
        g_autofree char *dir = g_build_filename ("/proc", pid, NULL);

        g_assert_cmpint (stat (dir, &st), ==, 0);
        return st.st_uid;
      }
    }
  g_error ("no dbus-daemon runs with %s", config_arg);
  return 0;
}

/* Without p2p and address, QEMU joins a bus of the domain's own, which the
 * live XML names, run by a dbus-daemon as QEMU's user (@data: that user's
 * name, NULL for the service's own); it ends with the domain. */
static void
test_private_bus (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    vb_test_guest_xml_on ("dbus-private", GUEST_MIB, "pc", TRUE, NULL,
                          "    <graphics type='dbus'/>\n"
                          "    <channel type='dbus'>\n      <source channel='" CHANNEL "'/>\n"
                          "      <target type='virtio' name='" CHANNEL "'/>\n    </channel>\n");
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GVariant) vm = NULL;
  g_autoptr (GVariant) chardev = NULL;
  g_autoptr (GPtrArray) chardevs = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *live = NULL;
  g_autofree char *inactive = NULL;
  g_autofree char *address = NULL;
  g_autoptr (GDBusConnection) after = NULL;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  name = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "Name");
  uuid = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "UUID");
  live = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
  address = bus_address_in (live);
  g_assert_nonnull (address);
  g_assert_true (g_str_has_prefix (address, "unix:path="));
  g_assert_nonnull (strstr (address, f->env->run_dir));
  {
    struct passwd *user = getpwnam (data ? (const char *) data : "root");

    g_assert_nonnull (user);
    g_assert_cmpuint (bus_daemon_uid (address), ==, user->pw_uid);
  }
  /* The stored definition stays without it: every start makes the bus anew. */
  inactive = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_null (bus_address_in (inactive));
  bus = g_dbus_connection_new_for_address_sync (address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                  | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  g_assert_no_error (error);
  vm = qemu_properties (bus, DISPLAY_PATH "/VM", "org.qemu.Display1.VM");
  assert_string_property (vm, "Name", name);
  assert_string_property (vm, "UUID", uuid);
  chardevs = objects_with (bus, "org.qemu.Display1.Chardev");
  g_assert_cmpuint (chardevs->len, ==, 1);
  chardev = qemu_properties (bus, chardevs->pdata[0], "org.qemu.Display1.Chardev");
  assert_string_property (chardev, "Name", CHANNEL);
  /* Its clients are on that bus: OpenGraphics has no connection to give. */
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "OpenGraphics",
                                    g_variant_new ("(uu)", 0, 0),
                                    "org.virtbus.Virt1.Error.NotSupported",
                                    "D-Bus display on the bus of its address");
  /* The bus ends with the domain. */
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_clear_pointer (&f->path, g_free);
  for (guint i = 0; i < 100 && !g_dbus_connection_is_closed (bus); i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (50000);
    }
  g_assert_true (g_dbus_connection_is_closed (bus));
  after =
    g_dbus_connection_new_for_address_sync (address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, NULL);
  g_assert_null (after);
}

static void
test_refusals (Fixture *f, gconstpointer data)
{
  g_autofree char *bad =
    vb_test_guest_xml_on ("dbus-bad-address", GUEST_MIB, "pc", TRUE, NULL,
                          "    <graphics type='dbus' address='unixexec:path=/bin/sh'/>\n");
  g_autofree char *chardev_alone =
    vb_test_guest_xml_on ("dbus-chardev-alone", GUEST_MIB, "pc", TRUE, NULL,
                          "    <channel type='dbus'>\n      <source channel='" CHANNEL "'/>\n"
                          "      <target type='virtio' name='" CHANNEL "'/>\n    </channel>\n");

  g_autofree char *gl =
    vb_test_guest_xml_on ("dbus-gl", GUEST_MIB, "pc", TRUE, NULL,
                          "    <graphics type='dbus' p2p='yes'>\n      <gl enable='yes'/>\n"
                          "    </graphics>\n");

  /* Defined (a host with a render node runs it), refused at Start here. */
  if (g_file_test ("/dev/dri", G_FILE_TEST_EXISTS))
    g_test_message ("this host has /dev/dri: no render node refusal");
  else
    vb_test_expect_start_refused (f->env, gl, "this host has none");
  vb_test_call_expect_error_saying (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                    g_variant_new ("(su)", bad, 0),
                                    "org.virtbus.Virt1.Error.NotSupported",
                                    "address 'unixexec:path=/bin/sh' is not a D-Bus address");
  vb_test_call_expect_error_saying (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                    g_variant_new ("(su)", chardev_alone, 0),
                                    "org.virtbus.Virt1.Error.NotSupported",
                                    "a dbus character device needs <graphics type='dbus'>");
}

/* With address=, QEMU joins that bus (here the test's own) as org.qemu. */
static void
test_address (Fixture *f, gconstpointer data)
{
  g_autofree char *graphics =
    g_markup_printf_escaped ("    <graphics type='dbus' address='%s'/>\n", f->env->bus_address);
  g_autofree char *xml =
    vb_test_guest_xml_on ("dbus-address", GUEST_MIB, "pc", TRUE, NULL, graphics);
  g_autoptr (GVariant) vm = NULL;
  g_autofree char *name = NULL;
  g_autofree char *live = NULL;
  g_autofree char *address = NULL;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  name = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "Name");
  live = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
  address = bus_address_in (live);
  g_assert_cmpstr (address, ==, f->env->bus_address);
  vm = qemu_properties (f->env->client, DISPLAY_PATH "/VM", "org.qemu.Display1.VM");
  assert_string_property (vm, "Name", name);
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "OpenGraphics",
                                    g_variant_new ("(uu)", 0, 0),
                                    "org.virtbus.Virt1.Error.NotSupported",
                                    "D-Bus display on the bus of its address");
}

/* A managed save and its restore (Start) give the guest a private bus
 * again, where QEMU answers. */
static void
test_private_bus_restore (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on ("dbus-restore", GUEST_MIB, "pc", TRUE, NULL,
                                               "    <graphics type='dbus'/>\n");
  g_autofree char *job = NULL;
  g_autofree char *live = NULL;
  g_autofree char *address = NULL;
  g_autofree char *name = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GVariant) vm = NULL;
  g_autoptr (GError) error = NULL;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  name = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "Name");
  job = vb_test_call_path (f->env, f->path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  vb_test_job_wait_completed (f->env, job, 120000);
  g_assert_true (vb_test_get_bool (f->env, f->path, IFACE_DOMAIN, "HasManagedSave"));
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_assert_false (vb_test_get_bool (f->env, f->path, IFACE_DOMAIN, "HasManagedSave"));
  live = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
  address = bus_address_in (live);
  g_assert_nonnull (address);
  bus = g_dbus_connection_new_for_address_sync (address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                  | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  g_assert_no_error (error);
  vm = qemu_properties (bus, DISPLAY_PATH "/VM", "org.qemu.Display1.VM");
  assert_string_property (vm, "Name", name);
}

/* The service with its org.libvirt front end. */
static void
set_up_libvirt (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--libvirt-dbus", NULL };

  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, args);
}

/* The service in system mode with QEMU (and its helpers) as @data. */
static void
set_up_confined (Fixture *f, gconstpointer data)
{
  g_autofree char *user_arg = g_strdup_printf ("--qemu-user=%s", (const char *) data);
  const char *args[] = { user_arg, "--network-driver=test", NULL };

  if (!getpwnam (data))
    g_error ("the user %s is missing: run tests/setup-test-users.sh as root", (const char *) data);
  f->env = vb_test_env_new (VB_TEST_ENV_POLKIT);
  vb_test_env_start_system_daemon (f->env, NULL, args);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-dbus/p2p", Fixture, NULL, set_up_libvirt, test_p2p, vb_guest_fixture_tear_down);
  g_test_add ("/xml-dbus/private-bus", Fixture, NULL, vb_guest_fixture_set_up, test_private_bus,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-dbus/address", Fixture, NULL, vb_guest_fixture_set_up, test_address,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-dbus/private-bus-restore", Fixture, NULL, vb_guest_fixture_set_up,
              test_private_bus_restore, vb_guest_fixture_tear_down);
  g_test_add ("/xml-dbus/private-bus-confined", Fixture, QEMU_USER, set_up_confined,
              test_private_bus, vb_guest_fixture_tear_down);
  g_test_add ("/xml-dbus/refusals", Fixture, NULL, vb_guest_fixture_set_up, test_refusals,
              vb_guest_fixture_tear_down);
  return g_test_run ();
}
