/* 10,000 test-driver domains, each with its own memory, vCPUs and machine,
 * defined through the bus; the service restarted: the very first
 * GetManagedObjects once the name is back lists every one of them, each
 * with every property as it was before the restart and as its definition
 * says. Start-up parses the stored files on several threads and exports them
 * all before it owns the name (stored-parse.c, main.c): this is what that
 * must keep, in at most 50 MiB of RSS. Timings are bench-dbus's
 * (--scale-only), not this test's. */
#include <stdlib.h>
#include <string.h>

#include "vb-test-env.h"

#define DOMAINS 10000
/* dbus-daemon allows 128 calls awaiting their reply per connection. */
#define IN_FLIGHT 64

typedef struct {
  guint memory_mib;
  guint current_mib;
  guint vcpus;
  guint current_vcpus;
  const char *machine;
} Shape;

/* Domain @i's own shape, so a property mixed up between domains shows. */
static Shape
shape_of (guint i)
{
  Shape s;

  s.memory_mib = 64 + i % 97;
  s.current_mib = i % 5 == 0 ? s.memory_mib - 16 : s.memory_mib;
  s.vcpus = 1 + i % 8;
  s.current_vcpus = i % 3 == 0 ? 1 : s.vcpus;
  s.machine = i % 2 ? "pc-q35-7.2" : "pc-i440fx-7.2";
  return s;
}

static char *
uuid_of (guint i)
{
  return g_strdup_printf ("5c7e0a4d-3b1f-4e8a-a6d2-%012u", i);
}

static char *
xml_of (guint i)
{
  Shape s = shape_of (i);
  g_autofree char *uuid = uuid_of (i);

  return g_strdup_printf ("<domain type='test'>\n"
                          "  <name>restart-%05u</name>\n"
                          "  <uuid>%s</uuid>\n"
                          "  <memory unit='MiB'>%u</memory>\n"
                          "  <currentMemory unit='MiB'>%u</currentMemory>\n"
                          "  <vcpu current='%u'>%u</vcpu>\n"
                          "  <os>\n"
                          "    <type arch='x86_64' machine='%s'>hvm</type>\n"
                          "  </os>\n"
                          "</domain>\n",
                          i, uuid, s.memory_mib, s.current_mib, s.current_vcpus, s.vcpus,
                          s.machine);
}

typedef struct {
  guint next;
  guint outstanding;
  guint done;
} Pipeline;

static void
defined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pipeline *pipeline = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  g_assert_no_error (error);
  pipeline->outstanding--;
  pipeline->done++;
}

static void
define_all (VbTestEnv *env)
{
  Pipeline pipeline = { 0 };

  while (pipeline.done < DOMAINS)
    {
      while (pipeline.next < DOMAINS && pipeline.outstanding < IN_FLIGHT)
        {
          g_autofree char *xml = xml_of (pipeline.next++);

          g_dbus_connection_call (env->client, BUS_NAME, MANAGER, IFACE_MANAGER, "DefineDomain",
                                  g_variant_new ("(su)", xml, 0), NULL, G_DBUS_CALL_FLAGS_NONE,
                                  120000, NULL, defined, &pipeline);
          pipeline.outstanding++;
        }
      g_main_context_iteration (NULL, TRUE);
    }
}

/* Each domain's path → its org.virtbus.Virt1.Domain properties (a{sv}). */
static GHashTable *
domains_listed (VbTestEnv *env)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
    env->client, BUS_NAME, MANAGER, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
    G_VARIANT_TYPE ("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, 120000, NULL, &error);
  GHashTable *domains =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
  g_autoptr (GVariantIter) objects = NULL;
  const char *path;
  GVariant *interfaces;

  g_assert_no_error (error);
  g_variant_get (reply, "(a{oa{sa{sv}}})", &objects);
  while (g_variant_iter_next (objects, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      GVariant *properties =
        g_variant_lookup_value (interfaces, IFACE_DOMAIN, G_VARIANT_TYPE ("a{sv}"));

      if (properties)
        g_hash_table_insert (domains, g_strdup (path), properties);
      g_variant_unref (interfaces);
    }
  return domains;
}

static void
assert_property (GVariant *properties, const char *name, GVariant *expected)
{
  g_autoptr (GVariant) held = g_variant_ref_sink (expected);
  g_autoptr (GVariant) value = g_variant_lookup_value (properties, name, NULL);

  if (!value || !g_variant_equal (value, held))
    {
      g_autofree char *got = value ? g_variant_print (value, TRUE) : g_strdup ("(absent)");
      g_autofree char *want = g_variant_print (held, TRUE);

      g_error ("property %s is %s, expected %s", name, got, want);
    }
}

/* What domain @i's definition says its properties are. */
static void
assert_as_defined (GHashTable *domains, guint i)
{
  g_autofree char *uuid = uuid_of (i);
  g_autofree char *path = vb_test_domain_path (uuid);
  g_autofree char *name = g_strdup_printf ("restart-%05u", i);
  GVariant *properties = g_hash_table_lookup (domains, path);
  Shape s = shape_of (i);

  g_assert_nonnull (properties);
  assert_property (properties, "Name", g_variant_new_string (name));
  assert_property (properties, "UUID", g_variant_new_string (uuid));
  assert_property (properties, "State", g_variant_new_string ("shutoff"));
  assert_property (properties, "Persistent", g_variant_new_boolean (TRUE));
  assert_property (properties, "Autostart", g_variant_new_boolean (FALSE));
  assert_property (properties, "MemoryKiB", g_variant_new_uint64 ((guint64) s.memory_mib * 1024));
  assert_property (properties, "CurrentMemoryKiB",
                   g_variant_new_uint64 ((guint64) s.current_mib * 1024));
  assert_property (properties, "MaxVcpus", g_variant_new_uint32 (s.vcpus));
  assert_property (properties, "Vcpus", g_variant_new_uint32 (s.current_vcpus));
  assert_property (properties, "Driver", g_variant_new_string ("test"));
}

/* VmRSS of the env's virtbusd, in KiB; -1 when unknown. */
static long
daemon_rss_kib (VbTestEnv *env)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) env->daemon_pid);
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents (path, &status, NULL, NULL) || !(line = strstr (status, "VmRSS:")))
    return -1;
  return strtol (line + strlen ("VmRSS:"), NULL, 10);
}

static void
test_restart_lists_every_domain (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (GHashTable) after = NULL;
  GHashTableIter iter;
  gpointer path, properties;

  vb_test_env_start_daemon (env, NULL);
  define_all (env);
  before = domains_listed (env);
  g_assert_cmpuint (g_hash_table_size (before), ==, DOMAINS);
  for (guint i = 0; i < DOMAINS; i++)
    assert_as_defined (before, i);

  vb_test_env_stop_daemon (env, FALSE);
  /* Returns once the name is owned again: the first call finds everything. */
  vb_test_env_start_daemon (env, NULL);
  /* What 10,000 domains cost the service, read before any call fills a
   * cache: it was 75 MiB when each object was a GDBus registration with six
   * handlers on its domain (objects/virt1/object-table.c, domain-object.c). */
  {
    long rss = daemon_rss_kib (env);

    g_test_message ("RSS of virtbusd with %u domains, just restarted: %ld KiB", DOMAINS, rss);
    g_assert_cmpint (rss, >, 0);
    g_assert_cmpint (rss, <=, 50 * 1024);
  }
  after = domains_listed (env);
  g_assert_cmpuint (g_hash_table_size (after), ==, DOMAINS);
  for (guint i = 0; i < DOMAINS; i++)
    assert_as_defined (after, i);
  /* Every property, including those the definition does not set (Id,
   * StateReason, CurrentSnapshot, BlockCopyJob, HasManagedSave, ...). */
  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &path, &properties))
    {
      GVariant *now = g_hash_table_lookup (after, path);

      g_assert_nonnull (now);
      if (!g_variant_equal (now, properties))
        {
          g_autofree char *was = g_variant_print (properties, TRUE);
          g_autofree char *is = g_variant_print (now, TRUE);

          g_error ("%s changed over the restart:\n was %s\n now %s", (char *) path, was, is);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/restart-scale/every-domain-every-property", test_restart_lists_every_domain);
  return g_test_run ();
}
