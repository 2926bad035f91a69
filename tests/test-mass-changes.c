/* 1,000 test-driver domains started and stopped at once by several clients:
 * each domain sends exactly one PropertiesChanged per transition (its State
 * with everything that changes with it, never one signal per property), and
 * a client that only listens (ObjectManager + PropertiesChanged) ends with
 * the same view as GetManagedObjects. */
#include "vb-test-env.h"
#include "vb-test-watcher.h"

#define DOMAINS 1000
#define CLIENTS 4

/* dbus-daemon allows 128 calls awaiting their reply per connection. */
#define IN_FLIGHT 100

typedef struct {
  VbTestEnv *env;
  GDBusConnection *clients[CLIENTS];
  VbWatcher *watcher;
  char *paths[DOMAINS];
  /* the batch of calls under way: domain i's from client i % CLIENTS */
  const char *method;
  guint next[CLIENTS];
  guint pending;
} Fixture;

static void send_next (Fixture *f, guint client);

static void
call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  g_assert_no_error (error);
  f->pending--;
  for (guint c = 0; c < CLIENTS; c++)
    if (f->clients[c] == G_DBUS_CONNECTION (source))
      send_next (f, c);
}

static GVariant *
method_parameters (const char *method)
{
  if (g_str_equal (method, "Suspend") || g_str_equal (method, "Resume"))
    return NULL;
  if (g_str_equal (method, "SetMemory"))
    /* live and config at once: both the running domain and its definition */
    return g_variant_new ("(tu)", (guint64) 96 * 1024, 0);
  return g_variant_new ("(u)", 0);
}

static void
send_next (Fixture *f, guint client)
{
  guint i = f->next[client];
  g_autofree char *name = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *xml = NULL;

  if (i >= DOMAINS)
    return;
  f->next[client] += CLIENTS;
  f->pending++;
  if (g_str_equal (f->method, "DefineDomain"))
    {
      name = g_strdup_printf ("mass%04u", i);
      uuid = g_strdup_printf ("6a3c3b5e-7d0c-4a9f-9f5d-%012u", i);
      xml = vb_test_domain_xml (name, uuid);
      f->paths[i] = vb_test_domain_path (uuid);
      g_dbus_connection_call (f->clients[client], BUS_NAME, MANAGER, IFACE_MANAGER, f->method,
                              g_variant_new ("(su)", xml, 0), NULL, G_DBUS_CALL_FLAGS_NONE, 120000,
                              NULL, call_done, f);
    }
  else
    g_dbus_connection_call (f->clients[client], BUS_NAME, f->paths[i], IFACE_DOMAIN, f->method,
                            method_parameters (f->method), NULL, G_DBUS_CALL_FLAGS_NONE, 120000,
                            NULL, call_done, f);
}

/* Calls @method for every domain (DefineDomain defines them), all clients
 * at once with up to IN_FLIGHT calls each, and waits for every reply. */
static void
call_all (Fixture *f, const char *method)
{
  f->method = method;
  for (guint c = 0; c < CLIENTS; c++)
    {
      f->next[c] = c;
      for (guint n = 0; n < IN_FLIGHT; n++)
        send_next (f, c);
    }
  while (f->pending)
    g_main_context_iteration (NULL, TRUE);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  for (guint c = 0; c < CLIENTS; c++)
    {
      g_autoptr (GError) error = NULL;

      f->clients[c] =
        g_dbus_connection_new_for_address_sync (f->env->bus_address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                  | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
      g_assert_no_error (error);
    }
  f->watcher = vb_watcher_new (f->env);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_watcher_free (f->watcher);
  for (guint c = 0; c < CLIENTS; c++)
    g_object_unref (f->clients[c]);
  for (guint i = 0; i < DOMAINS; i++)
    g_free (f->paths[i]);
  vb_test_env_free (f->env);
}

/* Every domain sent exactly @each PropertiesChanged since the last reset:
 * one per change of state it went through. */
static void
assert_changes_each (Fixture *f, const char *transition, guint each)
{
  g_autofree char *worst = NULL;
  guint over = 0;
  guint total = vb_watcher_total_changes (f->watcher, IFACE_DOMAIN, each, &over, &worst);

  /* Late signals would still be on their way: a second round trip after a
   * pause lets any straggler arrive before counting. */
  vb_watcher_sync (f->watcher);
  g_usleep (200 * 1000);
  vb_watcher_sync (f->watcher);
  total = vb_watcher_total_changes (f->watcher, IFACE_DOMAIN, each, &over, &worst);
  g_test_message ("%s: %u PropertiesChanged for %u domains", transition, total, DOMAINS);
  if (over)
    g_error ("%s: %u domains sent more than %u PropertiesChanged (%s: %u)", transition, over, each,
             worst, vb_watcher_changes (f->watcher, worst, IFACE_DOMAIN));
  for (guint i = 0; i < DOMAINS; i++)
    g_assert_cmpuint (vb_watcher_changes (f->watcher, f->paths[i], IFACE_DOMAIN), ==, each);
  g_assert_cmpuint (total, ==, each * DOMAINS);
}

/* @method on every domain at once, until the watcher sees @property at
 * @value on all of them: @changes PropertiesChanged each (the states they
 * went through), and the right view. */
static void
transition (Fixture *f, const char *method, guint changes, const char *property, GVariant *value)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (value);

  vb_watcher_reset_counts (f->watcher);
  call_all (f, method);
  g_assert_true (vb_watcher_wait_all (f->watcher, IFACE_DOMAIN, property, owned, DOMAINS, 60000));
  assert_changes_each (f, method, changes);
  g_assert_cmpuint (vb_watcher_assert_matches (f->watcher), ==, DOMAINS);
}

static void
test_start_stop_all (Fixture *f, gconstpointer data)
{
  call_all (f, "DefineDomain");
  g_assert_true (vb_watcher_wait_all (f->watcher, IFACE_DOMAIN, "State",
                                      g_variant_new_string ("shutoff"), DOMAINS, 60000));
  g_assert_cmpuint (vb_watcher_assert_matches (f->watcher), ==, DOMAINS);

  transition (f, "Start", 1, "State", g_variant_new_string ("running"));
  transition (f, "Suspend", 1, "State", g_variant_new_string ("paused"));
  transition (f, "Resume", 1, "State", g_variant_new_string ("running"));
  transition (f, "SetMemory", 1, "CurrentMemoryKiB", g_variant_new_uint64 (96 * 1024));
  transition (f, "Destroy", 1, "State", g_variant_new_string ("shutoff"));
  transition (f, "Start", 1, "State", g_variant_new_string ("running"));
  /* running -> shutdown (in shutdown, the test driver's guest takes 50 ms)
   * -> shutoff: two changes, announced by two LifecycleEvents. */
  transition (f, "Shutdown", 2, "State", g_variant_new_string ("shutoff"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/mass-changes/start-stop-all", Fixture, NULL, fixture_set_up, test_start_stop_all,
              fixture_tear_down);
  return g_test_run ();
}
