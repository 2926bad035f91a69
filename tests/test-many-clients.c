/* 100 clients at once, each on its own connection, each defining, starting,
 * reading, resizing, stopping and undefining its own test-driver domain over
 * and over, while a GUI-like client watches everything through the
 * ObjectManager: every client finishes its quota with every answer right,
 * and at the end the watcher's view equals GetManagedObjects and the
 * domains are where their clients left them. */
#include "vb-test-env.h"
#include "vb-test-watcher.h"

#include <string.h>

#define CLIENTS 100
#define ROUNDS 3

typedef enum {
  STEP_DEFINE,
  STEP_READ_STATE,
  STEP_START,
  STEP_READ_XML,
  STEP_SET_MEMORY,
  STEP_READ_ALL,
  STEP_DESTROY,
  STEP_UNDEFINE,
  STEPS
} Step;

typedef struct _Fixture Fixture;

typedef struct {
  Fixture *f;
  GDBusConnection *connection;
  guint index;
  char *name;
  char *path;
  guint round;
  Step step;
  /* where the last round stops: the state the domain is left in */
  Step last_step;
  guint calls;
  gint64 finished_at;
} Client;

struct _Fixture {
  VbTestEnv *env;
  VbWatcher *watcher;
  Client clients[CLIENTS];
  guint running;
};

static void advance (Client *client);

static void
step_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Client *client = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (error)
    g_error ("client %u, round %u, step %u: %s", client->index, client->round, client->step,
             error->message);
  client->calls++;
  switch (client->step)
    {
    case STEP_DEFINE:
      g_free (client->path);
      g_variant_get (reply, "(o)", &client->path);
      break;
    case STEP_READ_STATE:
      {
        g_autoptr (GVariant) state = NULL;

        g_variant_get (reply, "(v)", &state);
        g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "shutoff");
      }
      break;
    case STEP_READ_XML:
      {
        const char *xml;
        g_autofree char *name = g_strdup_printf ("<name>%s</name>", client->name);

        g_variant_get (reply, "(&s)", &xml);
        g_assert_nonnull (strstr (xml, name));
        g_assert_nonnull (strstr (xml, "<domain type='test' id="));
      }
      break;
    case STEP_READ_ALL:
      {
        g_autoptr (GVariant) all = g_variant_get_child_value (reply, 0);
        g_autoptr (GVariant) state = g_variant_lookup_value (all, "State", G_VARIANT_TYPE ("s"));
        g_autoptr (GVariant) memory =
          g_variant_lookup_value (all, "CurrentMemoryKiB", G_VARIANT_TYPE ("t"));

        g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "running");
        g_assert_cmpuint (g_variant_get_uint64 (memory), ==, 96 * 1024);
      }
      break;
    default:
      break;
    }
  if (client->round == ROUNDS - 1 && client->step == client->last_step)
    {
      client->finished_at = g_get_monotonic_time ();
      client->f->running--;
      return;
    }
  if (++client->step == STEPS)
    {
      client->step = 0;
      client->round++;
    }
  advance (client);
}

static void
call (Client *client, const char *path, const char *interface, const char *method,
      GVariant *parameters)
{
  g_dbus_connection_call (client->connection, BUS_NAME, path, interface, method, parameters, NULL,
                          G_DBUS_CALL_FLAGS_NONE, 120000, NULL, step_done, client);
}

static void
advance (Client *client)
{
  const char *properties = "org.freedesktop.DBus.Properties";
  g_autofree char *xml = NULL;

  switch (client->step)
    {
    case STEP_DEFINE:
      xml = vb_test_domain_xml (client->name, NULL);
      call (client, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
      break;
    case STEP_READ_STATE:
      call (client, client->path, properties, "Get", g_variant_new ("(ss)", IFACE_DOMAIN, "State"));
      break;
    case STEP_START:
      call (client, client->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
      break;
    case STEP_READ_XML:
      call (client, client->path, IFACE_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0));
      break;
    case STEP_SET_MEMORY:
      call (client, client->path, IFACE_DOMAIN, "SetMemory",
            g_variant_new ("(tu)", (guint64) 96 * 1024, 0));
      break;
    case STEP_READ_ALL:
      call (client, client->path, properties, "GetAll", g_variant_new ("(s)", IFACE_DOMAIN));
      break;
    case STEP_DESTROY:
      call (client, client->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
      break;
    case STEP_UNDEFINE:
      call (client, client->path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  f->watcher = vb_watcher_new (f->env);
  for (guint c = 0; c < CLIENTS; c++)
    {
      Client *client = &f->clients[c];
      g_autoptr (GError) error = NULL;
      /* A third of the domains end running, a third defined and stopped, a
       * third gone: the final view has all three kinds to get right. */
      static const Step last[] = { STEP_READ_ALL, STEP_DESTROY, STEP_UNDEFINE };

      client->f = f;
      client->index = c;
      client->name = g_strdup_printf ("client%03u", c);
      client->last_step = last[c % G_N_ELEMENTS (last)];
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
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_watcher_free (f->watcher);
  for (guint c = 0; c < CLIENTS; c++)
    {
      g_dbus_connection_close_sync (f->clients[c].connection, NULL, NULL);
      g_object_unref (f->clients[c].connection);
      g_free (f->clients[c].name);
      g_free (f->clients[c].path);
    }
  vb_test_env_free (f->env);
}

static gboolean
timed_out (gpointer user_data)
{
  Fixture *f = user_data;

  for (guint c = 0; c < CLIENTS; c++)
    if (!f->clients[c].finished_at)
      g_printerr ("client %u starved: round %u, step %u, %u calls answered\n", c,
                  f->clients[c].round, f->clients[c].step, f->clients[c].calls);
  g_error ("%u clients did not finish their quota", f->running);
  return G_SOURCE_REMOVE;
}

static int
compare_times (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
test_hundred_clients (Fixture *f, gconstpointer data)
{
  gint64 started = g_get_monotonic_time ();
  gint64 times[CLIENTS];
  guint timer;
  guint running = 0, shutoff = 0;

  f->running = CLIENTS;
  for (guint c = 0; c < CLIENTS; c++)
    advance (&f->clients[c]);
  timer = g_timeout_add_seconds (90, timed_out, f);
  while (f->running)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timer);

  for (guint c = 0; c < CLIENTS; c++)
    {
      Client *client = &f->clients[c];

      /* each did all of its calls: ROUNDS - 1 full rounds and the last up to its step */
      g_assert_cmpuint (client->calls, ==, (ROUNDS - 1) * STEPS + client->last_step + 1);
      times[c] = client->finished_at - started;
    }
  qsort (times, CLIENTS, sizeof times[0], compare_times);
  g_test_message ("%u clients x %u rounds: first done after %" G_GINT64_FORMAT
                  " ms, median %" G_GINT64_FORMAT " ms, last %" G_GINT64_FORMAT " ms",
                  CLIENTS, ROUNDS, times[0] / 1000, times[CLIENTS / 2] / 1000,
                  times[CLIENTS - 1] / 1000);

  /* The truth: where each client left its domain. */
  for (guint c = 0; c < CLIENTS; c++)
    {
      Client *client = &f->clients[c];

      if (client->last_step == STEP_UNDEFINE)
        {
          vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                                     g_variant_new ("(s)", client->name), ERROR_PREFIX "NotFound");
          continue;
        }
      {
        g_autofree char *state = vb_test_get_string (f->env, client->path, IFACE_DOMAIN, "State");

        g_assert_cmpstr (state, ==, client->last_step == STEP_READ_ALL ? "running" : "shutoff");
        if (client->last_step == STEP_READ_ALL)
          running++;
        else
          shutoff++;
      }
    }
  g_assert_cmpuint (running + shutoff, ==, CLIENTS - CLIENTS / 3);
  /* The watcher saw it all through signals only. */
  g_assert_cmpuint (vb_watcher_assert_matches (f->watcher), ==, running + shutoff);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/many-clients/hundred", Fixture, NULL, fixture_set_up, test_hundred_clients,
              fixture_tear_down);
  return g_test_run ();
}
