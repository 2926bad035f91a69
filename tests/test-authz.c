/* Who may do what, decided by a real polkitd on the test bus. An unprivileged
 * user is refused every member that changes something and allowed every read;
 * a member of the group "virtbus" is allowed everything by the rule we ship as
 * an example; the service's own user (root here) needs no polkit at all; and
 * when polkit is gone, nobody else gets anything. The members come from the
 * introspection XML, so a member added tomorrow is covered the day it lands.
 *
 * The calls as another user run in a subprocess of this test that drops to
 * that user and opens its own connection to the test bus. */
#include "vb-test-env.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#define PROPERTIES "org.freedesktop.DBus.Properties"
#define OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"
#define ANNOTATION "org.virtbus.Virt1.Authorization"
#define ACTION_READ "org.virtbus.Virt1.read"
#define NOT_AUTHORIZED "org.virtbus.Virt1.Error.NotAuthorized"
#define ACTION_HOST_FILES "org.virtbus.Virt1.domain.host-files"
#define ACTION_SECRETS "org.virtbus.Virt1.secret.manage"
#define ACTION_DEFINE "org.virtbus.Virt1.domain.define"
#define IFACE_MIGRATION_TARGET "org.virtbus.Virt1.MigrationTarget"
#define POOL_DIR "/virtbus-test/authz"

#define USER "vbtest-user"   /* not in the group: polkit's defaults apply */
#define ADMIN "vbtest-admin" /* in the group: the rule allows everything */
#define ADMIN_GROUP "virtbus"
#define INSTALLED_POLICY "/usr/share/polkit-1/actions/org.virtbus.Virt1.policy"
#define INSTALLED_RULES "/etc/polkit-1/rules.d/50-virtbus.rules"
#define INSTALLED_SAVER_RULES "/etc/polkit-1/rules.d/49-virtbus-test-saver.rules"
#define SETUP_HINT "run tests/setup-test-users.sh as root before the suite"

#define DOMAIN_UUID "3f1e2d4c-5b6a-4789-8a9b-0c1d2e3f4a01"
#define ADMIN_DOMAIN_UUID "3f1e2d4c-5b6a-4789-8a9b-0c1d2e3f4a02"
#define ROOT_DOMAIN_UUID "3f1e2d4c-5b6a-4789-8a9b-0c1d2e3f4a03"

/* The parent hands its world (bus address, object paths) to the subprocess
 * in a key file in this directory, named once in main() before any thread
 * runs: setenv() is not safe later. */
#define ENV_HANDOFF_DIR "VB_AUTHZ_HANDOFF_DIR"
#define HANDOFF_FILE "world.ini"

#define CHILD_TIMEOUT_US (30 * G_USEC_PER_SEC)
#define QUICK_US (5 * G_USEC_PER_SEC)

/* Interfaces the test world has no object of, and why; any other interface
 * without an object fails the test, so that its members get called. */
static const char *const no_object_in_test_world[] = {
  "org.virtbus.Virt1.Job", /* the test driver starts no long operations */
  NULL,
};

static const char network_xml[] = "<network>\n  <name>authz-net</name>\n"
                                  "  <uuid>3f1e2d4c-5b6a-4789-8a9b-0c1d2e3f4b01</uuid>\n"
                                  "  <forward mode='nat'/>\n"
                                  "  <ip address='192.168.151.1' netmask='255.255.255.0'/>\n"
                                  "</network>\n";
static const char pool_xml[] = "<pool type='test'>\n  <name>authz-pool</name>\n"
                               "  <target>\n    <path>" POOL_DIR "</path>\n  </target>\n"
                               "</pool>\n";
static const char secret_xml[] = "<secret ephemeral='no' private='yes'>\n"
                                 "  <uuid>3f1e2d4c-5b6a-4789-8a9b-0c1d2e3f4c01</uuid>\n"
                                 "  <usage type='iscsi'>\n    <target>authz-target</target>\n"
                                 "  </usage>\n</secret>\n";
static const char volume_xml[] = "<volume>\n  <name>authz.qcow2</name>\n"
                                 "  <capacity unit='GiB'>1</capacity>\n"
                                 "  <target>\n    <format type='qcow2'/>\n  </target>\n"
                                 "</volume>\n";

/* ---- the introspection XML ---- */

static char *
source_path (const char *relative)
{
  const char *root = g_getenv ("VB_SOURCE_ROOT");
  g_autofree char *from_tests = NULL;

  if (root)
    return g_build_filename (root, relative, NULL);
  from_tests = g_build_filename ("..", relative, NULL);
  return vb_test_source_path (from_tests);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* Every interface of org.virtbus.Virt1 in introspection/ (the org.libvirt
 * front end's, beside them, are checked by test-libvirt-dbus.c). */
static GPtrArray *
load_interfaces (void)
{
  g_autofree char *dir_path = source_path ("introspection");
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, &error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *interfaces =
    g_ptr_array_new_with_free_func ((GDestroyNotify) g_dbus_interface_info_unref);
  const char *name;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)))
    if (g_str_has_prefix (name, "org.virtbus.Virt1.") && g_str_has_suffix (name, ".xml"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir_path, names->pdata[i], NULL);
      g_autofree char *xml = NULL;
      g_autoptr (GDBusNodeInfo) node = NULL;

      g_assert_true (g_file_get_contents (path, &xml, NULL, &error));
      node = g_dbus_node_info_new_for_xml (xml, &error);
      if (!node)
        g_error ("%s does not parse: %s", path, error->message);
      for (guint j = 0; node->interfaces && node->interfaces[j]; j++)
        g_ptr_array_add (interfaces, g_dbus_interface_info_ref (node->interfaces[j]));
    }
  g_assert_cmpuint (interfaces->len, >, 0);
  return interfaces;
}

static const char *
action_of (GDBusAnnotationInfo **annotations)
{
  return g_dbus_annotation_info_lookup (annotations, ANNOTATION);
}

/* ---- values for any signature ---- */

/* A plain value of @type: zero, "", "/", empty containers; a handle gets
 * /dev/null appended to @fds. */
static GVariant *
value_of_type (const GVariantType *type, GUnixFDList *fds)
{
  if (g_variant_type_is_tuple (type) || g_variant_type_is_dict_entry (type))
    {
      g_autoptr (GPtrArray) items = g_ptr_array_new ();

      for (const GVariantType *item = g_variant_type_first (type); item;
           item = g_variant_type_next (item))
        g_ptr_array_add (items, value_of_type (item, fds));
      if (g_variant_type_is_dict_entry (type))
        return g_variant_new_dict_entry (items->pdata[0], items->pdata[1]);
      return g_variant_new_tuple ((GVariant **) items->pdata, items->len);
    }
  if (g_variant_type_is_array (type))
    return g_variant_new_array (g_variant_type_element (type), NULL, 0);
  if (g_variant_type_is_maybe (type))
    return g_variant_new_maybe (g_variant_type_element (type), NULL);
  if (g_variant_type_is_variant (type))
    return g_variant_new_variant (g_variant_new_string (""));

  switch (g_variant_type_peek_string (type)[0])
    {
    case 'b':
      return g_variant_new_boolean (FALSE);
    case 'y':
      return g_variant_new_byte (0);
    case 'n':
      return g_variant_new_int16 (0);
    case 'q':
      return g_variant_new_uint16 (0);
    case 'i':
      return g_variant_new_int32 (0);
    case 'u':
      return g_variant_new_uint32 (0);
    case 'x':
      return g_variant_new_int64 (0);
    case 't':
      return g_variant_new_uint64 (0);
    case 'd':
      return g_variant_new_double (0);
    case 's':
      return g_variant_new_string ("");
    case 'o':
      return g_variant_new_object_path ("/");
    case 'g':
      return g_variant_new_signature ("");
    case 'h':
      {
        g_autoptr (GError) error = NULL;
        int fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
        int index;

        g_assert_cmpint (fd, >=, 0);
        index = g_unix_fd_list_append (fds, fd, &error);
        g_assert_no_error (error);
        close (fd);
        return g_variant_new_handle (index);
      }
    default:
      g_error ("no value for type %s", g_variant_type_peek_string (type));
    }
}

static GVariant *
method_arguments (const GDBusMethodInfo *method, GUnixFDList *fds)
{
  g_autoptr (GString) signature = g_string_new ("(");
  g_autoptr (GVariantType) type = NULL;

  for (guint i = 0; method->in_args && method->in_args[i]; i++)
    g_string_append (signature, method->in_args[i]->signature);
  g_string_append_c (signature, ')');
  type = g_variant_type_new (signature->str);
  return value_of_type (type, fds);
}

/* ---- calls ---- */

static GVariant *
call (GDBusConnection *bus, const char *path, const char *interface, const char *method,
      GVariant *args, GUnixFDList *fds, GDBusCallFlags flags, GError **error)
{
  return g_dbus_connection_call_with_unix_fd_list_sync (bus, BUS_NAME, path, interface, method,
                                                        args, NULL, flags, 20000, fds, NULL,
                                                        NULL, error);
}

/* The D-Bus error name of @error, or a description of a local failure. */
static char *
error_name (const GError *error)
{
  char *remote = g_dbus_error_get_remote_error (error);

  return remote ? remote : g_strdup_printf ("(local: %s)", error->message);
}

static void
expect_not_authorized (GDBusConnection *bus, const char *path, const char *interface,
                       const char *method, GVariant *args, GDBusCallFlags flags)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = call (bus, path, interface, method, args, NULL, flags, &error);
  g_autofree char *name = NULL;

  if (reply)
    g_error ("%s.%s on %s was allowed; expected %s", interface, method, path, NOT_AUTHORIZED);
  name = error_name (error);
  if (!g_str_equal (name, NOT_AUTHORIZED))
    g_error ("%s.%s on %s: expected %s, got %s (%s)", interface, method, path, NOT_AUTHORIZED,
             name, error->message);
  g_test_message ("%s.%s refused: %s", interface, method, error->message);
}

/* Expects NotAuthorized with a message that names @action and @what. */
static void
expect_refused_naming (GDBusConnection *bus, const char *path, const char *interface,
                       const char *method, GVariant *args, const char *action, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    call (bus, path, interface, method, args, NULL, G_DBUS_CALL_FLAGS_NONE, &error);
  g_autofree char *name = NULL;

  if (reply)
    g_error ("%s.%s naming %s was allowed; expected %s", interface, method, what,
             NOT_AUTHORIZED);
  name = error_name (error);
  if (!g_str_equal (name, NOT_AUTHORIZED) || !strstr (error->message, action)
      || !strstr (error->message, what))
    g_error ("%s.%s naming %s: expected %s naming %s and %s, got %s (%s)", interface, method,
             what, NOT_AUTHORIZED, action, what, name, error->message);
  g_test_message ("%s.%s refused: %s", interface, method, error->message);
}

static GVariant *
expect_ok (GDBusConnection *bus, const char *path, const char *interface, const char *method,
           GVariant *args)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply = call (bus, path, interface, method, args, NULL, G_DBUS_CALL_FLAGS_NONE, &error);

  if (!reply)
    g_error ("%s.%s on %s failed: %s", interface, method, path, error->message);
  return reply;
}

/* What a client sees of the whole service, to compare before and after. */
static GVariant *
snapshot (GDBusConnection *bus)
{
  g_autoptr (GVariant) objects = expect_ok (bus, MANAGER, OBJECT_MANAGER, "GetManagedObjects", NULL);
  g_autoptr (GVariant) manager = expect_ok (bus, MANAGER, PROPERTIES, "GetAll",
                                            g_variant_new ("(s)", IFACE_MANAGER));
  GVariant *pair[] = { objects, manager };

  return g_variant_ref_sink (g_variant_new_tuple (pair, 2));
}

/* ---- the subprocess: another user with its own connection ---- */

static char *
handoff_path (void)
{
  const char *dir = g_getenv (ENV_HANDOFF_DIR);

  g_assert_nonnull (dir);
  return g_build_filename (dir, HANDOFF_FILE, NULL);
}

/* Drops to @user as a login would (its own groups, nothing of root's) and
 * connects to the parent's test bus. @objects (may be NULL) gets interface
 * name → object path, as the parent found them. */
static GDBusConnection *
connect_as (const char *user, GHashTable **objects)
{
  g_autofree char *path = handoff_path ();
  g_autoptr (GKeyFile) world = g_key_file_new ();
  g_autofree char *address = NULL;
  struct passwd *pw = getpwnam (user);
  g_autoptr (GError) error = NULL;
  GDBusConnection *bus;

  g_key_file_load_from_file (world, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  address = g_key_file_get_string (world, "bus", "address", &error);
  g_assert_no_error (error);
  if (objects)
    {
      g_auto (GStrv) names = g_key_file_get_keys (world, "objects", NULL, &error);

      g_assert_no_error (error);
      *objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      for (guint i = 0; names[i]; i++)
        g_hash_table_insert (*objects, g_strdup (names[i]),
                             g_key_file_get_string (world, "objects", names[i], NULL));
    }
  if (!pw)
    g_error ("user %s is missing: %s", user, SETUP_HINT);
  if (initgroups (pw->pw_name, pw->pw_gid) < 0 || setgid (pw->pw_gid) < 0
      || setuid (pw->pw_uid) < 0)
    g_error ("cannot become %s: %s", user, g_strerror (errno));
  g_assert_cmpuint (getuid (), ==, pw->pw_uid);
  g_assert_cmpuint (geteuid (), ==, pw->pw_uid);

  bus = g_dbus_connection_new_for_address_sync (
    address,
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (bus, FALSE);
  return bus;
}

static void
call_every_method (GDBusConnection *bus, const GDBusInterfaceInfo *iface, const char *path,
                   GString *problems)
{
  for (guint i = 0; iface->methods && iface->methods[i]; i++)
    {
      const GDBusMethodInfo *method = iface->methods[i];
      const char *action = action_of (method->annotations);
      g_autoptr (GUnixFDList) fds = g_unix_fd_list_new ();
      GVariant *args = method_arguments (method, fds);
      g_autoptr (GError) error = NULL;
      g_autoptr (GVariant) reply = NULL;
      g_autofree char *name = NULL;

      reply = call (bus, path, iface->name, method->name, args, fds, G_DBUS_CALL_FLAGS_NONE,
                    &error);
      name = reply ? g_strdup ("success") : error_name (error);
      g_test_message ("%s.%s (%s) as " USER ": %s", iface->name, method->name,
                      action ? action : "no action", name);
      if (g_strcmp0 (action, ACTION_READ) == 0)
        {
          if (g_str_equal (name, NOT_AUTHORIZED)
              || g_str_equal (name, "org.freedesktop.DBus.Error.AccessDenied"))
            g_string_append_printf (problems, "  read %s.%s was refused: %s\n", iface->name,
                                    method->name, error->message);
        }
      else if (!g_str_equal (name, NOT_AUTHORIZED))
        g_string_append_printf (problems, "  %s.%s (%s) was not refused: %s%s%s\n", iface->name,
                                method->name, action ? action : "no action", name,
                                error ? ": " : "", error ? error->message : "");
    }
}

static void
touch_every_property (GDBusConnection *bus, const GDBusInterfaceInfo *iface, const char *path,
                      GString *problems)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) all = call (bus, path, PROPERTIES, "GetAll",
                                   g_variant_new ("(s)", iface->name), NULL,
                                   G_DBUS_CALL_FLAGS_NONE, &error);

  if (!all)
    g_string_append_printf (problems, "  GetAll(%s) failed: %s\n", iface->name, error->message);
  g_clear_error (&error);

  for (guint i = 0; iface->properties && iface->properties[i]; i++)
    {
      const GDBusPropertyInfo *property = iface->properties[i];
      g_autoptr (GVariant) current = NULL;
      g_autoptr (GVariant) reply = NULL;
      g_autoptr (GVariantType) type = g_variant_type_new (property->signature);
      g_autoptr (GUnixFDList) fds = g_unix_fd_list_new ();
      GVariant *value;
      g_autofree char *name = NULL;

      if (property->flags & G_DBUS_PROPERTY_INFO_FLAGS_READABLE)
        {
          current = call (bus, path, PROPERTIES, "Get",
                          g_variant_new ("(ss)", iface->name, property->name), NULL,
                          G_DBUS_CALL_FLAGS_NONE, &error);
          if (!current)
            g_string_append_printf (problems, "  Get %s.%s failed: %s\n", iface->name,
                                    property->name, error->message);
          g_clear_error (&error);
        }
      if (!(property->flags & G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE))
        continue;

      /* A value that would change something, were it allowed. */
      value = value_of_type (type, fds);
      if (current && g_variant_type_equal (type, G_VARIANT_TYPE_BOOLEAN))
        {
          g_autoptr (GVariant) inner = g_variant_get_child_value (current, 0);
          g_autoptr (GVariant) old = g_variant_get_variant (inner);

          g_variant_unref (g_variant_ref_sink (value));
          value = g_variant_new_boolean (!g_variant_get_boolean (old));
        }
      reply = call (bus, path, PROPERTIES, "Set",
                    g_variant_new ("(ssv)", iface->name, property->name, value), fds,
                    G_DBUS_CALL_FLAGS_NONE, &error);
      name = reply ? g_strdup ("success") : error_name (error);
      g_test_message ("Set %s.%s as " USER ": %s", iface->name, property->name, name);
      if (!g_str_equal (name, NOT_AUTHORIZED))
        g_string_append_printf (problems, "  Set %s.%s was not refused: %s\n", iface->name,
                                property->name, name);
      g_clear_error (&error);
    }
}

/* As vbtest-user: every member of every interface, on an object of it. */
static void
child_unprivileged_sweep (void)
{
  g_autoptr (GHashTable) objects = NULL;
  g_autoptr (GDBusConnection) bus = connect_as (USER, &objects);
  g_autoptr (GPtrArray) interfaces = load_interfaces ();
  g_autoptr (GString) problems = g_string_new (NULL);
  g_autoptr (GVariant) managed = NULL;
  g_autoptr (GVariant) listed = NULL;
  g_autoptr (GVariant) domain = NULL;

  for (guint i = 0; i < interfaces->len; i++)
    {
      const GDBusInterfaceInfo *iface = interfaces->pdata[i];
      const char *path = g_hash_table_lookup (objects, iface->name);

      if (!path)
        continue; /* the parent has checked that this is expected */
      /* Properties first: were a method allowed, it might remove the object. */
      touch_every_property (bus, iface, path, problems);
      call_every_method (bus, iface, path, problems);
    }
  if (problems->len)
    g_error ("as %s (not in group %s):\n%s", USER, ADMIN_GROUP, problems->str);

  /* The bus policy, not polkit, governs listing everything. */
  managed = expect_ok (bus, MANAGER, OBJECT_MANAGER, "GetManagedObjects", NULL);
  listed = g_variant_get_child_value (managed, 0);
  domain = g_variant_lookup_value (listed, g_hash_table_lookup (objects, IFACE_DOMAIN), NULL);
  g_assert_nonnull (domain);
}

/* As vbtest-admin (group virtbus): changes are allowed by the group rule. */
static void
child_admin_changes (void)
{
  g_autoptr (GHashTable) objects = NULL;
  g_autoptr (GDBusConnection) bus = connect_as (ADMIN, &objects);
  g_autofree char *xml = vb_test_domain_xml ("authz-admin", ADMIN_DOMAIN_UUID);
  g_autoptr (GVariant) defined = expect_ok (bus, MANAGER, IFACE_MANAGER, "DefineDomain",
                                            g_variant_new ("(su)", xml, 0));
  g_autofree char *expected = vb_test_domain_path (ADMIN_DOMAIN_UUID);
  const char *path;

  g_variant_get (defined, "(&o)", &path);
  g_assert_cmpstr (path, ==, expected);
  g_variant_unref (expect_ok (bus, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
  /* A property write goes through the same check, then its own handler. */
  g_variant_unref (expect_ok (bus, g_hash_table_lookup (objects, IFACE_NETWORK), PROPERTIES,
                              "Set",
                              g_variant_new ("(ssv)", IFACE_NETWORK, "Autostart",
                                             g_variant_new_boolean (TRUE))));
}

/* A test-driver domain whose <devices> are @devices and whose <os> holds
 * @os (either may be empty). */
static char *
domain_with (const char *name, const char *os, const char *devices)
{
  return g_strdup_printf ("<domain type='test'>\n  <name>%s</name>\n"
                          "  <memory unit='MiB'>64</memory>\n"
                          "  <os>\n    <type>hvm</type>\n%s  </os>\n"
                          "  <devices>\n%s  </devices>\n</domain>\n",
                          name, os, devices);
}

static char *
disk_of (const char *file, const char *target)
{
  return g_strdup_printf ("    <disk type='file' device='disk'>\n"
                          "      <source file='%s'/>\n"
                          "      <target dev='%s' bus='virtio'/>\n"
                          "    </disk>\n",
                          file, target);
}

/* As vbtest-admin (group virtbus, granted domain.define and the rest by the
 * group rule, but not domain.host-files): a disk in the pool is fine; host
 * files outside every pool are refused, whichever member brings them. */
static void
child_admin_host_files (void)
{
  g_autoptr (GHashTable) objects = NULL;
  g_autoptr (GDBusConnection) bus = connect_as (ADMIN, &objects);
  g_autofree char *in_pool_disk = disk_of (POOL_DIR "/authz.qcow2", "vda");
  g_autofree char *shadow_disk = disk_of ("/etc/shadow", "vdb");
  g_autofree char *sneaky_disk = disk_of (POOL_DIR "/../../etc/shadow", "vdb");
  g_autofree char *in_pool = domain_with ("authz-in-pool", "", in_pool_disk);
  g_autofree char *shadow = domain_with ("authz-shadow", "", shadow_disk);
  g_autofree char *sneaky = domain_with ("authz-sneaky", "", sneaky_disk);
  g_autofree char *kernel = domain_with ("authz-kernel", "    <kernel>/root/vmlinuz</kernel>\n", "");
  g_autofree char *serial_log =
    domain_with ("authz-log", "",
                 "    <serial type='pty'>\n      <log file='/etc/cron.d/authz'/>\n"
                 "    </serial>\n");
  g_autofree char *shadow_cdrom = g_strdup (
    "<disk type='block' device='cdrom'>\n  <source dev='/etc/shadow'/>\n"
    "  <target dev='sdc' bus='sata'/>\n</disk>\n");
  g_autoptr (GVariant) defined = expect_ok (bus, MANAGER, IFACE_MANAGER, "DefineDomain",
                                            g_variant_new ("(su)", in_pool, 0));
  const char *path;

  g_variant_get (defined, "(&o)", &path);
  expect_refused_naming (bus, MANAGER, IFACE_MANAGER, "DefineDomain",
                         g_variant_new ("(su)", shadow, 0), ACTION_HOST_FILES, "/etc/shadow");
  expect_refused_naming (bus, MANAGER, IFACE_MANAGER, "DefineDomain",
                         g_variant_new ("(su)", sneaky, 0), ACTION_HOST_FILES, "/etc/shadow");
  expect_refused_naming (bus, MANAGER, IFACE_MANAGER, "DefineDomain",
                         g_variant_new ("(su)", kernel, 0), ACTION_HOST_FILES, "/root/vmlinuz");
  expect_refused_naming (bus, MANAGER, IFACE_MANAGER, "DefineDomain",
                         g_variant_new ("(su)", serial_log, 0), ACTION_HOST_FILES,
                         "/etc/cron.d/authz");
  expect_refused_naming (bus, MANAGER, IFACE_MANAGER, "CreateDomain",
                         g_variant_new ("(su)", shadow, 0), ACTION_HOST_FILES, "/etc/shadow");
  expect_refused_naming (bus, path, IFACE_DOMAIN, "AttachDevice",
                         g_variant_new ("(su)", shadow_cdrom, 2), ACTION_HOST_FILES,
                         "/etc/shadow");
  /* A CD-ROM's new medium (Domain.UpdateDevice) is opened by QEMU as an attached disk is. */
  expect_refused_naming (bus, path, IFACE_DOMAIN, "UpdateDevice",
                         g_variant_new ("(su)", shadow_cdrom, 2), ACTION_HOST_FILES, "/etc/shadow");
  /* An external snapshot's overlay is created by QEMU where the XML says. */
  expect_refused_naming (bus, path, IFACE_DOMAIN, "CreateSnapshot",
                         g_variant_new ("(su)",
                                        "<domainsnapshot><disks><disk name='vda' "
                                        "snapshot='external'><source file='/etc/authz.snap'/>"
                                        "</disk></disks></domainsnapshot>",
                                        0),
                         ACTION_HOST_FILES, "/etc/authz.snap");
  /* The service would create the image as root, where cron reads it. */
  expect_refused_naming (bus, path, IFACE_DOMAIN, "Save",
                         g_variant_new ("(su)", "/etc/cron.d/authz-save", 0), ACTION_HOST_FILES,
                         "/etc/cron.d/authz-save");
  /* A migration's arriving guest is defined here: the same check. */
  expect_refused_naming (bus, MANAGER, IFACE_MIGRATION_TARGET, "Prepare",
                         g_variant_new ("(s@a{sv}u)", shadow, g_variant_new ("a{sv}", NULL), 0),
                         ACTION_HOST_FILES, "/etc/shadow");
  /* A disk naming a secret needs secret.manage too, asked with the secret
   * as the detail "secret": the test rule denies one usage. */
  {
    const char *secret_disk = "    <disk type='network' device='disk'>\n"
                              "      <source protocol='iscsi' name='iqn.2000-01.org.x:t/0'>\n"
                              "        <host name='192.0.2.1'/>\n"
                              "        <auth username='u'>\n"
                              "          <secret type='iscsi' usage='%s'/>\n"
                              "        </auth>\n"
                              "      </source>\n"
                              "      <target dev='vdc' bus='virtio'/>\n"
                              "    </disk>\n";
    g_autofree char *denied_disk = g_strdup_printf (secret_disk, "vbtest-denied");
    g_autofree char *allowed_disk = g_strdup_printf (secret_disk, "authz-target");
    g_autofree char *denied = domain_with ("authz-secret-denied", "", denied_disk);
    g_autofree char *allowed = domain_with ("authz-secret-allowed", "", allowed_disk);

    expect_refused_naming (bus, MANAGER, IFACE_MANAGER, "DefineDomain",
                           g_variant_new ("(su)", denied, 0), ACTION_SECRETS,
                           "usage=vbtest-denied");
    expect_refused_naming (bus, path, IFACE_DOMAIN, "AttachDevice",
                           g_variant_new ("(su)", denied_disk, 2), ACTION_SECRETS,
                           "usage=vbtest-denied");
    g_variant_unref (expect_ok (bus, MANAGER, IFACE_MANAGER, "DefineDomain",
                                g_variant_new ("(su)", allowed, 0)));
    /* Every secret is asked for, not only the first: an allowed one ahead
     * does not let a denied one through. */
    {
      g_autofree char *denied_vdd = g_strdup_printf (secret_disk, "vbtest-denied");
      g_autofree char *both_disks = NULL;
      g_autofree char *both = NULL;

      memcpy (strstr (denied_vdd, "vdc"), "vdd", 3);
      both_disks = g_strconcat (allowed_disk, denied_vdd, NULL);
      both = domain_with ("authz-secret-second", "", both_disks);
      expect_refused_naming (bus, MANAGER, IFACE_MANAGER, "DefineDomain",
                             g_variant_new ("(su)", both, 0), ACTION_SECRETS,
                             "usage=vbtest-denied");
    }
  }
}

/* ---- backing chains of qcow2 images ---- */

#define ENV_CHAIN_DIR "VB_TEST_CHAIN_DIR" /* the dir pool of the chain tests */
#define CHAIN_OUTSIDE "/etc/shadow"       /* what a crafted header names */

static char *
qcow2_disk_domain (const char *name, const char *file)
{
  g_autofree char *disk = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                                           "      <driver name='qemu' type='qcow2'/>\n"
                                           "      <source file='%s'/>\n"
                                           "      <target dev='vda' bus='virtio'/>\n"
                                           "    </disk>\n",
                                           file);

  return domain_with (name, "", disk);
}

static char *
chain_image (const char *name)
{
  return g_build_filename (g_getenv (ENV_CHAIN_DIR), name, NULL);
}

/* As vbtest-admin (domain.define, no host-files): an image inside a pool
 * whose header names a backing file outside every pool brings that file
 * in as a host path; a json: backing name is refused outright. */
static void
child_admin_backing_chain (void)
{
  g_autoptr (GDBusConnection) bus = connect_as (ADMIN, NULL);
  g_autofree char *out = chain_image ("out.qcow2");
  g_autofree char *json = chain_image ("json.qcow2");
  g_autofree char *clean = chain_image ("clean.qcow2");
  g_autofree char *out_xml = qcow2_disk_domain ("authz-chain-out", out);
  g_autofree char *json_xml = qcow2_disk_domain ("authz-chain-json", json);
  g_autofree char *clean_xml = qcow2_disk_domain ("authz-chain-clean", clean);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) defined = NULL;
  g_autofree char *name = NULL;
  g_autofree char *out_disk = g_strdup_printf ("<disk type='file'>\n"
                                               "  <driver name='qemu' type='qcow2'/>\n"
                                               "  <source file='%s'/>\n"
                                               "  <target dev='vdb' bus='virtio'/>\n</disk>\n",
                                               out);
  const char *path;

  expect_refused_naming (bus, MANAGER, IFACE_MANAGER, "DefineDomain",
                         g_variant_new ("(su)", out_xml, 0), ACTION_HOST_FILES, CHAIN_OUTSIDE);
  reply = call (bus, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", json_xml, 0),
                NULL, G_DBUS_CALL_FLAGS_NONE, &error);
  g_assert_null (reply);
  name = error_name (error);
  if (!g_str_equal (name, "org.virtbus.Virt1.Error.InvalidArgument")
      || !strstr (error->message, "disk 'vda'") || !strstr (error->message, "json:"))
    g_error ("a json: backing name: expected InvalidArgument naming disk 'vda', got %s (%s)",
             name, error->message);
  defined = expect_ok (bus, MANAGER, IFACE_MANAGER, "DefineDomain",
                       g_variant_new ("(su)", clean_xml, 0));
  g_variant_get (defined, "(&o)", &path);
  /* The same image as a device added to the definition. */
  expect_refused_naming (bus, path, IFACE_DOMAIN, "AttachDevice",
                         g_variant_new ("(su)", out_disk, 2), ACTION_HOST_FILES, CHAIN_OUTSIDE);
}

/* ---- restoring images ---- */

#define SAVER "vbtest-saver" /* a test-only rule grants domain.save, nothing more */
#define IMAGE_PLAIN "plain.save"   /* no authenticator: made by anyone */
#define IMAGE_SHADOW "shadow.save" /* the same, naming /etc/shadow as a disk */
#define IMAGE_FORGED "forged.save" /* claims an authenticator that is wrong */
#define IMAGE_SIGNED "signed.save" /* with the service's authenticator */

static char *
image_path (const char *name)
{
  return g_build_filename (g_getenv (ENV_HANDOFF_DIR), name, NULL);
}

/* A whole save image of @xml, as tests/test-save.c writes them; with @key
 * an authenticator computed with it (flag 4). */
static void
write_image (const char *name, const char *xml, GBytes *key)
{
  g_autofree char *file = image_path (name);
  gsize xml_length = strlen (xml);
  guint32 flags = 1 | (key ? 4 : 0);
  gsize offset = (40 + xml_length + (key ? 32 : 0) + 4095) / 4096 * 4096;
  gsize stream = 4096;
  g_autofree guint8 *data = g_malloc0 (offset + stream);
  guint32 u32;
  guint64 u64;

  memcpy (data, "VBSAVIMG", 8);
  u32 = GUINT32_TO_LE (1);
  memcpy (data + 8, &u32, 4);
  u32 = GUINT32_TO_LE (flags);
  memcpy (data + 12, &u32, 4);
  u32 = GUINT32_TO_LE ((guint32) xml_length);
  memcpy (data + 16, &u32, 4);
  u64 = GUINT64_TO_LE ((guint64) offset);
  memcpy (data + 24, &u64, 8);
  u64 = GUINT64_TO_LE ((guint64) stream);
  memcpy (data + 32, &u64, 8);
  memcpy (data + 40, xml, xml_length);
  if (key)
    {
      g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, g_bytes_get_data (key, NULL),
                                           g_bytes_get_size (key));
      gsize length = 32;

      g_hmac_update (hmac, data, 40);
      g_hmac_update (hmac, (const guchar *) xml, (gssize) xml_length);
      g_hmac_get_digest (hmac, data + 40 + xml_length, &length);
    }
  g_assert_true (g_file_set_contents (file, (const char *) data, (gssize) (offset + stream), NULL));
}

/* As vbtest-saver (domain.save only): an image it could have made itself
 * holds its own XML, which needs domain.define as a definition would; only
 * one the service wrote (authenticated) gets past authorization (and then
 * fails in the test driver, which cannot restore). */
static void
child_saver_restore (void)
{
  g_autoptr (GDBusConnection) bus = connect_as (SAVER, NULL);
  g_autofree char *plain = image_path (IMAGE_PLAIN);
  g_autofree char *shadow = image_path (IMAGE_SHADOW);
  g_autofree char *forged = image_path (IMAGE_FORGED);
  g_autofree char *signed_image = image_path (IMAGE_SIGNED);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree char *name = NULL;

  expect_refused_naming (bus, MANAGER, IFACE_MANAGER, "Restore", g_variant_new ("(su)", plain, 0),
                         ACTION_DEFINE, "not written by this service");
  expect_refused_naming (bus, MANAGER, IFACE_MANAGER, "Restore", g_variant_new ("(su)", shadow, 0),
                         ACTION_DEFINE, "not written by this service");
  expect_refused_naming (bus, MANAGER, IFACE_MANAGER, "Restore", g_variant_new ("(su)", forged, 0),
                         ACTION_DEFINE, "not written by this service");
  reply = call (bus, MANAGER, IFACE_MANAGER, "Restore", g_variant_new ("(su)", signed_image, 0),
                NULL, G_DBUS_CALL_FLAGS_NONE, &error);
  g_assert_null (reply);
  name = error_name (error);
  if (!g_str_equal (name, "org.virtbus.Virt1.Error.NotSupported"))
    g_error ("restoring the service's own image: expected NotSupported from the test driver, "
             "got %s (%s)",
             name, error->message);
}

/* As vbtest-admin (domain.define, no host-files): the crafted image's host
 * path is refused as DefineDomain would refuse it. */
static void
child_admin_restore (void)
{
  g_autoptr (GDBusConnection) bus = connect_as (ADMIN, NULL);
  g_autofree char *shadow = image_path (IMAGE_SHADOW);

  expect_refused_naming (bus, MANAGER, IFACE_MANAGER, "Restore", g_variant_new ("(su)", shadow, 0),
                         ACTION_HOST_FILES, "/etc/shadow");
}

/* As vbtest-user, asking for interaction: there is no agent to ask, so the
 * answer is still no, and it comes at once. */
static void
child_interactive (void)
{
  g_autoptr (GHashTable) objects = NULL;
  g_autoptr (GDBusConnection) bus = connect_as (USER, &objects);
  g_autofree char *xml = vb_test_domain_xml ("authz-interactive", NULL);
  gint64 start = g_get_monotonic_time ();

  expect_not_authorized (bus, MANAGER, IFACE_MANAGER, "DefineDomain",
                         g_variant_new ("(su)", xml, 0),
                         G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION);
  expect_not_authorized (bus, g_hash_table_lookup (objects, IFACE_DOMAIN), IFACE_DOMAIN, "Start",
                         g_variant_new ("(u)", 0),
                         G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION);
  expect_not_authorized (bus, g_hash_table_lookup (objects, IFACE_DOMAIN), PROPERTIES, "Set",
                         g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart",
                                        g_variant_new_boolean (TRUE)),
                         G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION);
  g_assert_cmpint (g_get_monotonic_time () - start, <, QUICK_US);
}

/* As vbtest-user while polkit answers: one read, so that the service has
 * reached polkit before it goes away. */
static void
child_read (void)
{
  g_autoptr (GDBusConnection) bus = connect_as (USER, NULL);

  g_variant_unref (expect_ok (bus, MANAGER, IFACE_MANAGER, "GetCapabilities", NULL));
}

/* As vbtest-user on a new connection after polkitd died. */
static void
child_polkit_gone (void)
{
  g_autoptr (GHashTable) objects = NULL;
  g_autoptr (GDBusConnection) bus = connect_as (USER, &objects);
  const char *domain = g_hash_table_lookup (objects, IFACE_DOMAIN);
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GVariant) state = NULL;

  /* Nobody can vouch for the caller: a change is refused, never allowed... */
  expect_not_authorized (bus, domain, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                         G_DBUS_CALL_FLAGS_NONE);
  expect_not_authorized (bus, domain, PROPERTIES, "Set",
                         g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart",
                                        g_variant_new_boolean (TRUE)),
                         G_DBUS_CALL_FLAGS_NONE);
  /* ...and so is a read this connection never had allowed. */
  expect_not_authorized (bus, MANAGER, IFACE_MANAGER, "GetCapabilities", NULL,
                         G_DBUS_CALL_FLAGS_NONE);
  /* Nor can the caller take polkit's free name and answer for it. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GVariant) owned = g_dbus_connection_call_sync (
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName",
      g_variant_new ("(su)", "org.freedesktop.PolicyKit1", 4), G_VARIANT_TYPE ("(u)"),
      G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

    g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED);
  }
  expect_not_authorized (bus, domain, IFACE_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0),
                         G_DBUS_CALL_FLAGS_NONE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, QUICK_US);
  /* Properties are not polkit's business: they still read. */
  state = expect_ok (bus, domain, PROPERTIES, "Get", g_variant_new ("(ss)", IFACE_DOMAIN, "State"));
  g_variant_unref (expect_ok (bus, MANAGER, OBJECT_MANAGER, "GetManagedObjects", NULL));
}

/* ---- the parent: root, the test world ---- */

static gboolean
user_in_group (const char *user, const char *group)
{
  struct passwd *pw = getpwnam (user);
  struct group *gr = getgrnam (group);
  gid_t groups[256];
  int count = G_N_ELEMENTS (groups);

  if (!pw || !gr || getgrouplist (user, pw->pw_gid, groups, &count) < 0)
    return FALSE;
  for (int i = 0; i < count; i++)
    if (groups[i] == gr->gr_gid)
      return TRUE;
  return FALSE;
}

/* Fails, saying what to do, when the machine was not prepared. */
static void
require_setup (void)
{
  g_autofree char *policy_path = source_path ("policy/org.virtbus.Virt1.policy");
  g_autofree char *source = NULL;
  g_autofree char *installed = NULL;

  if (getuid () != 0)
    g_error ("test-authz runs polkitd and calls as other users: run it as root (%s)",
             SETUP_HINT);
  if (!getpwnam (USER) || !getpwnam (ADMIN) || !getpwnam (SAVER) || !getgrnam (ADMIN_GROUP))
    g_error ("users %s, %s, %s or group %s missing: %s", USER, ADMIN, SAVER, ADMIN_GROUP,
             SETUP_HINT);
  if (!g_file_test (INSTALLED_SAVER_RULES, G_FILE_TEST_IS_REGULAR))
    g_error ("%s is missing: %s", INSTALLED_SAVER_RULES, SETUP_HINT);
  if (!user_in_group (ADMIN, ADMIN_GROUP) || user_in_group (USER, ADMIN_GROUP))
    g_error ("%s must be in group %s and %s not: %s", ADMIN, ADMIN_GROUP, USER, SETUP_HINT);
  g_assert_true (g_file_get_contents (policy_path, &source, NULL, NULL));
  if (!g_file_get_contents (INSTALLED_POLICY, &installed, NULL, NULL)
      || !g_str_equal (source, installed))
    g_error ("%s is missing or out of date: %s", INSTALLED_POLICY, SETUP_HINT);
  if (!g_file_test (INSTALLED_RULES, G_FILE_TEST_IS_REGULAR))
    g_error ("%s is missing: %s", INSTALLED_RULES, SETUP_HINT);
}

typedef struct {
  VbTestEnv *env;
  GHashTable *objects; /* interface name → the path of one object with it */
  char *domain_path;
} Fixture;

static char *
define (VbTestEnv *env, const char *path, const char *interface, const char *method,
        const char *xml)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, path, interface, method, g_variant_new ("(su)", xml, 0));
  char *result = NULL;

  g_variant_get (reply, "(o)", &result);
  return result;
}

static GHashTable *
find_objects (VbTestEnv *env)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, MANAGER, OBJECT_MANAGER, "GetManagedObjects", NULL);
  g_autoptr (GVariant) objects = g_variant_get_child_value (reply, 0);
  GHashTable *found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;

  g_hash_table_insert (found, g_strdup (IFACE_MANAGER), g_strdup (MANAGER));
  /* The destination's side of migrations sits beside the Manager. */
  g_hash_table_insert (found, g_strdup ("org.virtbus.Virt1.MigrationTarget"), g_strdup (MANAGER));
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      GVariantIter names;
      const char *name;

      g_variant_iter_init (&names, interfaces);
      while (g_variant_iter_next (&names, "{&s@a{sv}}", &name, NULL))
        if (g_str_has_prefix (name, "org.virtbus.") && !g_hash_table_contains (found, name))
          g_hash_table_insert (found, g_strdup (name), g_strdup (path));
      g_variant_unref (interfaces);
    }
  return found;
}

/* A domain with a snapshot, a network, an active pool with a volume and a
 * secret: as root, who needs no polkit. */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *domain_xml = vb_test_domain_xml ("authz-dom", DOMAIN_UUID);
  g_autofree char *network = NULL;
  g_autofree char *pool = NULL;
  g_autofree char *volume = NULL;
  g_autoptr (GKeyFile) world = g_key_file_new ();
  g_autofree char *world_path = handoff_path ();
  g_autoptr (GError) error = NULL;
  GHashTableIter iter;
  gpointer name, path;

  require_setup ();
  f->env = vb_test_env_new (VB_TEST_ENV_POLKIT);
  vb_test_env_start_daemon (f->env, NULL);
  f->domain_path = define (f->env, MANAGER, IFACE_MANAGER, "DefineDomain", domain_xml);
  network = define (f->env, MANAGER, IFACE_MANAGER, "DefineNetwork", network_xml);
  pool = define (f->env, MANAGER, IFACE_MANAGER, "DefineStoragePool", pool_xml);
  g_variant_unref (vb_test_call_ok (f->env, pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0)));
  volume = define (f->env, pool, IFACE_POOL, "CreateVolume", volume_xml);
  g_free (define (f->env, MANAGER, IFACE_MANAGER, "DefineSecret", secret_xml));
  /* The test driver keeps snapshot metadata: one Snapshot object to call. */
  g_free (define (f->env, f->domain_path, IFACE_DOMAIN, "CreateSnapshot",
                  "<domainsnapshot><name>authz-snap</name></domainsnapshot>"));
  f->objects = find_objects (f->env);

  g_key_file_set_string (world, "bus", "address", f->env->bus_address);
  g_hash_table_iter_init (&iter, f->objects);
  while (g_hash_table_iter_next (&iter, &name, &path))
    g_key_file_set_string (world, "objects", name, path);
  g_key_file_save_to_file (world, world_path, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *world_path = handoff_path ();

  g_unlink (world_path);
  g_assert_true (vb_test_env_daemon_alive (f->env));
  g_clear_pointer (&f->objects, g_hash_table_unref);
  g_free (f->domain_path);
  vb_test_env_free (f->env);
}


static void
run_child (Fixture *f, const char *child_path)
{
  vb_test_env_run_child (f->env, child_path, CHILD_TIMEOUT_US);
}

static void
assert_unchanged (Fixture *f, GVariant *before)
{
  g_autoptr (GVariant) after = snapshot (f->env->client);

  if (!g_variant_equal (before, after))
    {
      g_autofree char *was = g_variant_print (before, FALSE);
      g_autofree char *is = g_variant_print (after, FALSE);
      g_error ("refused calls changed the service:\nbefore: %s\nafter:  %s", was, is);
    }
}

/* Notes in @problems when a member names no action, or one the policy lacks. */
static void
check_declared (GString *problems, const char *policy, const char *what,
                const GDBusInterfaceInfo *iface, const char *member,
                GDBusAnnotationInfo **annotations)
{
  const char *action = action_of (annotations);
  const char *also;
  g_autofree char *declared = NULL;

  if (!action)
    {
      g_string_append_printf (problems, "  %s %s.%s has no %s annotation\n", what, iface->name,
                              member, ANNOTATION);
      return;
    }
  declared = g_strdup_printf ("<action id=\"%s\">", action);
  if (!strstr (policy, declared))
    g_string_append_printf (problems, "  %s %s.%s names %s, which the policy does not declare\n",
                            what, iface->name, member, action);
  also = g_dbus_annotation_info_lookup (annotations, ANNOTATION ".Also");
  if (also)
    {
      g_auto (GStrv) actions = g_strsplit (also, " ", -1);

      for (guint i = 0; actions[i]; i++)
        {
          g_autofree char *also_declared = g_strdup_printf ("<action id=\"%s\">", actions[i]);
          if (!strstr (policy, also_declared))
            g_string_append_printf (problems,
                                    "  %s %s.%s also needs %s, which the policy does not declare\n",
                                    what, iface->name, member, actions[i]);
        }
    }
}

static void
test_every_member_declares_an_action (void)
{
  g_autoptr (GPtrArray) interfaces = load_interfaces ();
  g_autofree char *policy_path = source_path ("policy/org.virtbus.Virt1.policy");
  g_autofree char *policy = NULL;
  g_autoptr (GString) problems = g_string_new (NULL);
  guint checked = 0;

  g_assert_true (g_file_get_contents (policy_path, &policy, NULL, NULL));
  for (guint i = 0; i < interfaces->len; i++)
    {
      const GDBusInterfaceInfo *iface = interfaces->pdata[i];

      for (guint j = 0; iface->methods && iface->methods[j]; j++, checked++)
        check_declared (problems, policy, "method", iface, iface->methods[j]->name,
                        iface->methods[j]->annotations);
      for (guint j = 0; iface->properties && iface->properties[j]; j++)
        if (iface->properties[j]->flags & G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE)
          {
            check_declared (problems, policy, "writable property", iface,
                            iface->properties[j]->name, iface->properties[j]->annotations);
            checked++;
          }
    }
  g_test_message ("%u members checked", checked);
  if (problems->len)
    g_test_fail_printf ("members without a valid authorization:\n%s", problems->str);
}

static void
test_unprivileged_user (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) interfaces = load_interfaces ();
  g_autoptr (GVariant) before = snapshot (f->env->client);

  for (guint i = 0; i < interfaces->len; i++)
    {
      const char *name = ((GDBusInterfaceInfo *) interfaces->pdata[i])->name;

      if (!g_hash_table_contains (f->objects, name)
          && !g_strv_contains (no_object_in_test_world, name))
        g_error ("the test world has no object with %s: add one to fixture_set_up", name);
    }
  run_child (f, "/authz/child/unprivileged-sweep");
  assert_unchanged (f, before);
  {
    g_autoptr (GVariant) state =
      vb_test_get_property (f->env, f->domain_path, IFACE_DOMAIN, "State");
    g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "shutoff");
  }
}

static void
test_admin_group (Fixture *f, gconstpointer data)
{
  g_autofree char *path = vb_test_domain_path (ADMIN_DOMAIN_UUID);

  run_child (f, "/authz/child/admin-changes");
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 2000));
  g_assert_true (vb_test_wait_property (f->env, g_hash_table_lookup (f->objects, IFACE_NETWORK),
                                        IFACE_NETWORK, "Autostart",
                                        g_variant_new_boolean (TRUE), 2000));
}

/* What the refused calls would have made does not exist; the same XML
 * from root (who may do anything) is defined. */
static void
test_admin_host_files (Fixture *f, gconstpointer data)
{
  g_autofree char *shadow_disk = disk_of ("/etc/shadow", "vdb");
  g_autofree char *shadow = domain_with ("authz-shadow", "", shadow_disk);
  g_autofree char *path = NULL;
  g_autofree char *xml = NULL;

  g_autofree char *in_pool = NULL;

  run_child (f, "/authz/child/admin-host-files");
  in_pool = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                               g_variant_new ("(s)", "authz-in-pool"));
  g_assert_nonnull (in_pool);
  g_assert_false (g_file_test ("/etc/cron.d/authz-save", G_FILE_TEST_EXISTS));
  for (guint i = 0; i < 4; i++)
    {
      static const char *const refused[] = { "authz-shadow", "authz-sneaky", "authz-kernel",
                                             "authz-log" };
      vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                                 g_variant_new ("(s)", refused[i]), "org.virtbus.Virt1.Error.NotFound");
    }
  path = define (f->env, MANAGER, IFACE_MANAGER, "DefineDomain", shadow);
  xml = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (xml, "/etc/shadow"));
}

static void
qemu_img (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* A domain.define-only caller cannot reach a file outside the pools
 * through a qcow2 header (child); root can, and the chain it accepted is
 * recorded in the XML; a header rewritten after the definition was
 * checked (as a guest can rewrite a raw volume) stops Start. */
static void
test_admin_backing_chain (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-authz-chain-XXXXXX", NULL);
  g_autofree char *pool_xml = g_strdup_printf ("<pool type='dir'>\n  <name>authz-chain</name>\n"
                                               "  <target>\n    <path>%s</path>\n  </target>\n"
                                               "</pool>\n",
                                               dir);
  g_autofree char *pool = NULL;
  g_autofree char *out = g_build_filename (dir, "out.qcow2", NULL);
  g_autofree char *json = g_build_filename (dir, "json.qcow2", NULL);
  g_autofree char *clean = g_build_filename (dir, "clean.qcow2", NULL);
  g_autofree char *out_xml = qcow2_disk_domain ("authz-chain-out", out);
  g_autofree char *out_path = NULL;
  g_autofree char *clean_path = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", dir);
  const char *const create_out[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-b", CHAIN_OUTSIDE,
                                     "-F", "raw", out, "1M", NULL };
  const char *const create_json[] = { "qemu-img", "create", "-q", "-f", "qcow2", json, "1M", NULL };
  const char *const rebase_json[] = {
    "qemu-img", "rebase", "-u", "-F", "raw", "-b",
    "json:{\"driver\":\"raw\",\"file\":{\"driver\":\"file\",\"filename\":\"" CHAIN_OUTSIDE
    "\"}}",
    json, NULL
  };
  const char *const create_clean[] = { "qemu-img", "create", "-q", "-f", "qcow2", clean, "1M", NULL };
  const char *const rebase_clean[] = { "qemu-img", "rebase", "-u", "-F", "raw", "-b", CHAIN_OUTSIDE,
                                       clean, NULL };

  pool = define (f->env, MANAGER, IFACE_MANAGER, "DefineStoragePool", pool_xml);
  vb_test_call_void (f->env, pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
  qemu_img (create_out);
  qemu_img (create_json);
  qemu_img (rebase_json);
  qemu_img (create_clean);

  g_setenv (ENV_CHAIN_DIR, dir, TRUE);
  run_child (f, "/authz/child/admin-backing-chain");
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", "authz-chain-out"),
                             "org.virtbus.Virt1.Error.NotFound");

  /* Root may: the chain is recorded, and Start (the same chain) passes. */
  out_path = define (f->env, MANAGER, IFACE_MANAGER, "DefineDomain", out_xml);
  xml = vb_test_get_xml (f->env, out_path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (xml, "<backingStore type='file'>"));
  g_assert_nonnull (strstr (xml, "<source file='" CHAIN_OUTSIDE "'/>"));
  vb_test_call_void (f->env, out_path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  vb_test_call_void (f->env, out_path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));

  /* The clean image defined by the child now names a file outside. */
  clean_path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                                  g_variant_new ("(s)", "authz-chain-clean"));
  qemu_img (rebase_clean);
  vb_test_call_expect_error_saying (f->env, clean_path, IFACE_DOMAIN, "Start",
                                    g_variant_new ("(u)", 0),
                                    "org.virtbus.Virt1.Error.OperationInvalid", CHAIN_OUTSIDE);
  g_assert_cmpint (system (rm), ==, 0);
}

static void
test_restore_needs_define (Fixture *f, gconstpointer data)
{
  g_autofree char *key_path = g_build_filename (f->env->state_dir, "save-image.key", NULL);
  g_autofree char *key_data = NULL;
  g_autoptr (GBytes) key = NULL;
  g_autoptr (GBytes) wrong = g_bytes_new_static ("0123456789abcdef0123456789abcdef", 32);
  g_autofree char *plain = domain_with ("authz-restored", "", "");
  g_autofree char *shadow_disk = disk_of ("/etc/shadow", "vda");
  g_autofree char *shadow = domain_with ("authz-restored", "", shadow_disk);
  gsize length;

  /* The service made its key, private, at its first start. */
  g_assert_true (g_file_get_contents (key_path, &key_data, &length, NULL));
  g_assert_cmpuint (length, ==, 32);
  key = g_bytes_new (key_data, length);
  write_image (IMAGE_PLAIN, plain, NULL);
  write_image (IMAGE_SHADOW, shadow, NULL);
  write_image (IMAGE_FORGED, shadow, wrong);
  write_image (IMAGE_SIGNED, plain, key);
  run_child (f, "/authz/child/saver-restore");
  run_child (f, "/authz/child/admin-restore");
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", "authz-restored"),
                             "org.virtbus.Virt1.Error.NotFound");
  for (guint i = 0; i < 4; i++)
    {
      static const char *const names[] = { IMAGE_PLAIN, IMAGE_SHADOW, IMAGE_FORGED, IMAGE_SIGNED };
      g_autofree char *file = image_path (names[i]);
      g_unlink (file);
    }
}

static void
test_interactive_without_agent (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) before = snapshot (f->env->client);

  run_child (f, "/authz/child/interactive");
  assert_unchanged (f, before);
}

static void
test_polkit_unreachable (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) before = NULL;

  run_child (f, "/authz/child/read");
  vb_test_env_stop_polkit (f->env);
  before = snapshot (f->env->client);
  run_child (f, "/authz/child/polkit-gone");
  assert_unchanged (f, before);
}

/* The service's own user is trusted on a private bus: polkit is not asked. */
static void
test_own_user_without_polkit (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("authz-root", ROOT_DOMAIN_UUID);
  g_autofree char *path = NULL;
  g_autoptr (GVariant) caps = NULL;

  vb_test_env_stop_polkit (f->env);
  path = define (f->env, MANAGER, IFACE_MANAGER, "DefineDomain", xml);
  g_variant_unref (vb_test_call_ok (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 2000));
  g_variant_unref (vb_test_call_ok (f->env, path, PROPERTIES, "Set",
                                    g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart",
                                                   g_variant_new_boolean (TRUE))));
  caps = vb_test_call_ok (f->env, MANAGER, IFACE_MANAGER, "GetCapabilities", NULL);
}


int
main (int argc, char **argv)
{
  g_autofree char *handoff_dir = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (!g_test_subprocess ())
    {
      g_autoptr (GError) error = NULL;

      handoff_dir = g_dir_make_tmp ("vbtest-authz-XXXXXX", &error);
      g_assert_no_error (error);
      g_setenv (ENV_HANDOFF_DIR, handoff_dir, TRUE);
    }

  g_test_add_func ("/authz/every-member-declares-an-action", test_every_member_declares_an_action);
#define ADD(name, func) \
  g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/authz/unprivileged-user", test_unprivileged_user);
  ADD ("/authz/admin-group", test_admin_group);
  ADD ("/authz/admin-host-files", test_admin_host_files);
  ADD ("/authz/admin-backing-chain", test_admin_backing_chain);
  ADD ("/authz/restore-needs-define", test_restore_needs_define);
  ADD ("/authz/interactive-without-agent", test_interactive_without_agent);
  ADD ("/authz/polkit-unreachable", test_polkit_unreachable);
  ADD ("/authz/own-user-without-polkit", test_own_user_without_polkit);
#undef ADD

  /* What run_child() starts; on their own they have nothing to talk to. */
#define ADD_CHILD(name, func) g_test_add_data_func (name, func, vb_test_run_as_child)
  ADD_CHILD ("/authz/child/unprivileged-sweep", child_unprivileged_sweep);
  ADD_CHILD ("/authz/child/admin-changes", child_admin_changes);
  ADD_CHILD ("/authz/child/admin-host-files", child_admin_host_files);
  ADD_CHILD ("/authz/child/admin-backing-chain", child_admin_backing_chain);
  ADD_CHILD ("/authz/child/saver-restore", child_saver_restore);
  ADD_CHILD ("/authz/child/admin-restore", child_admin_restore);
  ADD_CHILD ("/authz/child/interactive", child_interactive);
  ADD_CHILD ("/authz/child/read", child_read);
  ADD_CHILD ("/authz/child/polkit-gone", child_polkit_gone);
#undef ADD_CHILD

  status = g_test_run ();
  if (handoff_dir)
    g_rmdir (handoff_dir);
  return status;
}
