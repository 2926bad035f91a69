/* 64 clients, each on its own connection, define 2,000 test domains at once
 * (the config store commits their files together): every define is answered
 * with its own path, and every domain is there afterwards: in
 * GetManagedObjects, as a file in the state directory, and again after the
 * service is killed (-9, so nothing is written at exit) and started anew. */
#include "vb-test-env.h"

#include <string.h>

#define CLIENTS 64
#define DOMAINS 2000

typedef struct _Fixture Fixture;

typedef struct {
  Fixture *f;
  GDBusConnection *connection;
  guint index;
  guint next; /* the next of its domains to define: index, index + CLIENTS, ... */
} Client;

struct _Fixture {
  VbTestEnv *env;
  Client clients[CLIENTS];
  char *paths[DOMAINS]; /* what each define answered */
  guint answered;
};

static char *
domain_name (guint i)
{
  return g_strdup_printf ("many-%04u", i);
}

static void define_next (Client *client);

static void
defined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Client *client = user_data;
  guint i = client->next;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (error)
    g_error ("client %u, domain %u: %s", client->index, i, error->message);
  g_variant_get (reply, "(o)", &client->f->paths[i]);
  client->f->answered++;
  client->next += CLIENTS;
  if (client->next < DOMAINS)
    define_next (client);
}

static void
define_next (Client *client)
{
  g_autofree char *name = domain_name (client->next);
  g_autofree char *xml = vb_test_domain_xml (name, NULL);

  g_dbus_connection_call (client->connection, BUS_NAME, MANAGER, IFACE_MANAGER, "DefineDomain",
                          g_variant_new ("(su)", xml, 0), NULL, G_DBUS_CALL_FLAGS_NONE, 120000,
                          NULL, defined, client);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  for (guint c = 0; c < CLIENTS; c++)
    {
      Client *client = &f->clients[c];
      g_autoptr (GError) error = NULL;

      client->f = f;
      client->index = c;
      client->next = c;
      client->connection =
        g_dbus_connection_new_for_address_sync (f->env->bus_address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                  | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
      g_assert_no_error (error);
    }
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  for (guint c = 0; c < CLIENTS; c++)
    {
      if (!f->clients[c].connection)
        continue;
      g_dbus_connection_close_sync (f->clients[c].connection, NULL, NULL);
      g_object_unref (f->clients[c].connection);
    }
  for (guint i = 0; i < DOMAINS; i++)
    g_free (f->paths[i]);
  vb_test_env_free (f->env);
}

static gboolean
timed_out (gpointer user_data)
{
  Fixture *f = user_data;

  g_error ("%u of %d defines answered", f->answered, DOMAINS);
  return G_SOURCE_REMOVE;
}

/* Every domain is in GetManagedObjects at the path its define answered,
 * with its name, and nothing else is. */
static void
assert_all_exported (Fixture *f)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (f->env, MANAGER, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                     NULL);
  g_autoptr (GVariant) objects = g_variant_get_child_value (reply, 0);
  guint domains = 0;

  for (guint i = 0; i < DOMAINS; i++)
    {
      g_autofree char *name = domain_name (i);
      g_autoptr (GVariant) interfaces =
        g_variant_lookup_value (objects, f->paths[i], G_VARIANT_TYPE ("a{sa{sv}}"));
      g_autoptr (GVariant) properties = NULL;
      const char *exported_name = NULL;

      if (!interfaces)
        g_error ("%s (%s) is not in GetManagedObjects", name, f->paths[i]);
      properties = g_variant_lookup_value (interfaces, IFACE_DOMAIN, G_VARIANT_TYPE ("a{sv}"));
      g_assert_nonnull (properties);
      g_assert_true (g_variant_lookup (properties, "Name", "&s", &exported_name));
      g_assert_cmpstr (exported_name, ==, name);
    }
  for (gsize o = 0; o < g_variant_n_children (objects); o++)
    {
      g_autoptr (GVariant) entry = g_variant_get_child_value (objects, o);
      g_autoptr (GVariant) interfaces = g_variant_get_child_value (entry, 1);
      g_autoptr (GVariant) properties =
        g_variant_lookup_value (interfaces, IFACE_DOMAIN, G_VARIANT_TYPE ("a{sv}"));

      if (properties)
        domains++;
    }
  g_assert_cmpuint (domains, ==, DOMAINS);
}

/* One file per domain in the state directory, each with its name. */
static void
assert_all_on_disk (Fixture *f)
{
  g_autofree char *dir = g_build_filename (f->env->state_dir, "domains", NULL);
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  g_autoptr (GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *entry;

  g_assert_nonnull (listing);
  while ((entry = g_dir_read_name (listing)))
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_autofree char *xml = NULL;
      const char *start, *end;

      g_assert_false (g_str_has_suffix (entry, ".vbtmp"));
      if (!g_str_has_suffix (entry, ".xml"))
        continue;
      g_assert_true (g_file_get_contents (path, &xml, NULL, NULL));
      start = strstr (xml, "<name>");
      g_assert_nonnull (start);
      start += strlen ("<name>");
      end = strstr (start, "</name>");
      g_assert_nonnull (end);
      g_assert_true (g_hash_table_add (names, g_strndup (start, end - start)));
    }
  g_assert_cmpuint (g_hash_table_size (names), ==, DOMAINS);
  for (guint i = 0; i < DOMAINS; i++)
    {
      g_autofree char *name = domain_name (i);

      if (!g_hash_table_contains (names, name))
        g_error ("%s has no file in %s", name, dir);
    }
}

static void
test_concurrent_defines (Fixture *f, gconstpointer data)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gint64 started = g_get_monotonic_time ();
  guint timer;

  for (guint c = 0; c < CLIENTS; c++)
    define_next (&f->clients[c]);
  timer = g_timeout_add_seconds (100, timed_out, f);
  while (f->answered < DOMAINS)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timer);
  g_test_message ("%d defines from %d clients in %" G_GINT64_FORMAT " ms", DOMAINS, CLIENTS,
                  (g_get_monotonic_time () - started) / 1000);

  /* Each domain its own object. */
  for (guint i = 0; i < DOMAINS; i++)
    g_assert_true (g_hash_table_add (seen, f->paths[i]));
  assert_all_exported (f);
  /* Answered means on disk: no flush at exit is needed, nor waited for. */
  assert_all_on_disk (f);

  vb_test_env_stop_daemon (f->env, TRUE);
  vb_test_env_start_daemon (f->env, NULL);
  assert_all_exported (f);
  assert_all_on_disk (f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/many-defines/concurrent", Fixture, NULL, fixture_set_up, test_concurrent_defines,
              fixture_tear_down);
  return g_test_run ();
}
