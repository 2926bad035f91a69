/* objects/common/reply-cache.c on a real dbus-daemon: a service connection
 * serves a small object whose answers it stores in the cache, clients on
 * their own connections call it. What must hold: a repeated read is answered
 * without the main loop, with the same bytes; never after the generation
 * moved; never to a caller that was not allowed the action it was stored
 * under; and never ahead of that caller's earlier call still on the main
 * loop. */
#include <stdatomic.h>
#include <string.h>

#include "reply-cache.h"
#include "vb-test-env.h"

#define PATH "/org/virtbus/Test/Cached"
#define IFACE "org.virtbus.Test.Cached"

static const char introspection[] =
  "<node><interface name='" IFACE "'>"
  "  <method name='Read'><arg name='key' type='s' direction='in'/>"
  "    <arg name='value' type='s' direction='out'/></method>"
  "  <method name='ReadGuarded'><arg name='value' type='s' direction='out'/></method>"
  "  <method name='Change'><arg name='value' type='s' direction='in'/></method>"
  "  <method name='Big'><arg name='value' type='ay' direction='out'/></method>"
  "</interface></node>";

typedef struct {
  VbReplyCache *cache;
  char *value;                /* what Read answers: "<value>/<key>" */
  guint main_loop;            /* calls that reached the main loop */
  gboolean change_in_between; /* the next Read sees a change while it answers */
} Service;

static _Atomic guint64 generation;

static guint64
current_generation (void)
{
  return generation;
}

/* The test changes the generation on its main thread only, between calls. */
static void
hold_nothing (void)
{
}

static const VbReplyGeneration test_generation = { current_generation, hold_nothing, hold_nothing };

static void
method_call (GDBusConnection *connection, const char *sender, const char *path,
             const char *interface, const char *method, GVariant *parameters,
             GDBusMethodInvocation *invocation, gpointer user_data)
{
  Service *service = user_data;
  guint64 at = generation;
  g_autoptr (GVariant) reply = NULL;

  service->main_loop++;
  if (strcmp (method, "Change") == 0)
    {
      const char *value;

      g_variant_get (parameters, "(&s)", &value);
      g_free (service->value);
      service->value = g_strdup (value);
      generation++;
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }
  if (strcmp (method, "Big") == 0)
    {
      /* A reply that takes the connection a while to write out. */
      gsize size = 48 * 1024 * 1024;
      g_autofree guchar *bytes = g_malloc0 (size);

      g_dbus_method_invocation_return_value (
        invocation,
        g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes, size, 1)));
      return;
    }
  if (strcmp (method, "Read") == 0)
    {
      const char *key;
      g_autofree char *value = NULL;

      g_variant_get (parameters, "(&s)", &key);
      value = g_strdup_printf ("%s/%s", service->value, key);
      reply = g_variant_ref_sink (g_variant_new ("(s)", value));
      if (service->change_in_between)
        {
          service->change_in_between = FALSE;
          generation++;
        }
      vb_reply_cache_store (service->cache, at, invocation, reply, NULL);
    }
  else
    {
      reply = g_variant_ref_sink (g_variant_new ("(s)", service->value));
      vb_reply_cache_store (service->cache, at, invocation, reply, "org.virtbus.Test.guarded");
    }
  g_dbus_method_invocation_return_value (invocation, reply);
}

static GDBusConnection *
connect_to (VbTestEnv *env)
{
  g_autoptr (GError) error = NULL;
  GDBusConnection *bus =
    g_dbus_connection_new_for_address_sync (env->bus_address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);

  g_assert_no_error (error);
  return bus;
}

typedef struct {
  GDBusConnection *bus;
  const char *name;
  const char *method;
  GVariant *args;
  char *answer;
  gboolean done;
} Call;

static void
call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_finish (call->bus, result, &error);

  g_assert_no_error (error);
  if (g_variant_is_of_type (reply, G_VARIANT_TYPE ("(s)")))
    g_variant_get (reply, "(s)", &call->answer);
  call->done = TRUE;
}

static void
start_call (Call *call)
{
  g_dbus_connection_call (call->bus, call->name, PATH, IFACE, call->method, call->args, NULL,
                          G_DBUS_CALL_FLAGS_NONE, 60000, NULL, call_done, call);
}

/* A call from @bus, run to its end on this thread's main loop (which also
 * serves the object: the test is the service and its clients at once). */
static char *
call_sync (GDBusConnection *bus, const char *name, const char *method, GVariant *args)
{
  Call call = { bus, name, method, args };

  start_call (&call);
  while (!call.done)
    g_main_context_iteration (NULL, TRUE);
  return call.answer;
}

typedef struct {
  VbTestEnv *env;
  GDBusConnection *service_bus;
  const char *name;
  Service service;
  guint registration;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (introspection, NULL);
  static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { 0 } };
  g_autoptr (GError) error = NULL;

  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  f->service_bus = connect_to (f->env);
  f->name = g_dbus_connection_get_unique_name (f->service_bus);
  f->service.value = g_strdup ("first");
  f->service.cache = vb_reply_cache_new (f->service_bus, &test_generation);
  f->registration = g_dbus_connection_register_object (f->service_bus, PATH, node->interfaces[0],
                                                       &vtable, &f->service, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_dbus_connection_unregister_object (f->service_bus, f->registration);
  vb_reply_cache_free (f->service.cache);
  g_free (f->service.value);
  g_object_unref (f->service_bus);
  vb_test_env_free (f->env);
}

static char *
read_key (Fixture *f, GDBusConnection *client, const char *key)
{
  return call_sync (client, f->name, "Read", g_variant_new ("(s)", key));
}

static void
test_repeated_read (Fixture *f, gconstpointer data)
{
  g_autoptr (GDBusConnection) client = connect_to (f->env);

  for (int i = 0; i < 5; i++)
    {
      g_autofree char *answer = read_key (f, client, "a");

      g_assert_cmpstr (answer, ==, "first/a");
    }
  /* The first went the whole way, the other four were sent from the cache. */
  g_assert_cmpuint (f->service.main_loop, ==, 1);
  g_assert_cmpuint (vb_reply_cache_hits (f->service.cache), ==, 4);

  /* Other arguments are another call. */
  {
    g_autofree char *answer = read_key (f, client, "b");

    g_assert_cmpstr (answer, ==, "first/b");
    g_assert_cmpuint (f->service.main_loop, ==, 2);
  }
  /* An open read is sent to any caller. */
  {
    g_autoptr (GDBusConnection) other = connect_to (f->env);
    g_autofree char *answer = read_key (f, other, "a");

    g_assert_cmpstr (answer, ==, "first/a");
    g_assert_cmpuint (f->service.main_loop, ==, 2);
  }
}

static void
test_generation_moves (Fixture *f, gconstpointer data)
{
  g_autoptr (GDBusConnection) client = connect_to (f->env);
  g_autofree char *before = read_key (f, client, "a");
  g_autofree char *after = NULL;
  g_autofree char *again = NULL;

  g_assert_cmpstr (before, ==, "first/a");
  g_free (call_sync (client, f->name, "Change", g_variant_new ("(s)", "second")));
  after = read_key (f, client, "a");
  g_assert_cmpstr (after, ==, "second/a");
  g_assert_cmpuint (vb_reply_cache_hits (f->service.cache), ==, 0);
  g_assert_cmpuint (f->service.main_loop, ==, 3);

  /* An answer read at a generation that moved before it was stored is not
   * kept: the next call goes the whole way again. */
  g_free (read_key (f, client, "b"));
  f->service.change_in_between = TRUE;
  g_free (read_key (f, client, "c"));
  again = read_key (f, client, "c");
  g_assert_cmpstr (again, ==, "second/c");
  g_assert_cmpuint (f->service.main_loop, ==, 6);
  g_assert_cmpuint (vb_reply_cache_hits (f->service.cache), ==, 0);
}

static void
test_guarded_read (Fixture *f, gconstpointer data)
{
  g_autoptr (GDBusConnection) first = connect_to (f->env);
  g_autoptr (GDBusConnection) second = connect_to (f->env);
  g_autofree char *a = call_sync (first, f->name, "ReadGuarded", NULL);
  g_autofree char *b = call_sync (first, f->name, "ReadGuarded", NULL);
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;

  g_assert_cmpstr (a, ==, "first");
  g_assert_cmpstr (b, ==, "first");
  g_assert_cmpuint (f->service.main_loop, ==, 1);
  /* Stored under an action: another caller goes the whole way (where the
   * front end would ask polkit) until it was allowed itself. */
  c = call_sync (second, f->name, "ReadGuarded", NULL);
  g_assert_cmpuint (f->service.main_loop, ==, 2);
  d = call_sync (second, f->name, "ReadGuarded", NULL);
  g_assert_cmpuint (f->service.main_loop, ==, 2);
  g_assert_cmpstr (d, ==, "first");
}

static void
test_in_order (Fixture *f, gconstpointer data)
{
  g_autoptr (GDBusConnection) client = connect_to (f->env);
  g_autofree char *warm = read_key (f, client, "a");
  Call change = { client, f->name, "Change", g_variant_new ("(s)", "second") };
  Call read = { client, f->name, "Read", g_variant_new ("(s)", "a") };

  g_assert_cmpstr (warm, ==, "first/a");
  /* Both sent at once: the read must not overtake the change. */
  start_call (&change);
  start_call (&read);
  while (!change.done || !read.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (read.answer, ==, "second/a");
  g_free (change.answer);
  g_free (read.answer);
}

static void
test_no_reply_write (Fixture *f, gconstpointer data)
{
  g_autoptr (GDBusConnection) client = connect_to (f->env);
  g_autofree char *warm = read_key (f, client, "a");
  Call read = { client, f->name, "Read", g_variant_new ("(s)", "a") };

  g_assert_cmpstr (warm, ==, "first/a");
  /* With no callback GDBus sends the change expecting no reply: nobody can
   * tell when it was done, so the read after it must wait its turn. */
  g_dbus_connection_call (client, f->name, PATH, IFACE, "Change", g_variant_new ("(s)", "second"),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  start_call (&read);
  g_usleep (300 * 1000); /* both are in before the main loop runs */
  while (!read.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (read.answer, ==, "second/a");
  g_free (read.answer);
}

static void
test_answer_behind_big_reply (Fixture *f, gconstpointer data)
{
  g_autoptr (GDBusConnection) client = connect_to (f->env);
  g_autoptr (GDBusConnection) other = connect_to (f->env);
  g_autofree char *warm = read_key (f, client, "a");
  Call big = { other, f->name, "Big", NULL };
  Call cached = { client, f->name, "Read", g_variant_new ("(s)", "a") };
  Call change = { client, f->name, "Change", g_variant_new ("(s)", "second") };
  Call after = { client, f->name, "Read", g_variant_new ("(s)", "a") };
  guint answered = f->service.main_loop;

  g_assert_cmpstr (warm, ==, "first/a");
  /* A big reply queued first: the cache's answer to @cached leaves late,
   * after @change has come in; it must not count as @change's answer. */
  start_call (&big);
  while (f->service.main_loop == answered)
    g_main_context_iteration (NULL, TRUE);
  start_call (&cached);
  start_call (&change);
  g_usleep (1500 * 1000);
  start_call (&after);
  g_usleep (300 * 1000);
  while (!cached.done || !change.done || !after.done || !big.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (cached.answer, ==, "first/a");
  g_assert_cmpstr (after.answer, ==, "second/a");
  g_free (cached.answer);
  g_free (after.answer);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/reply-cache/repeated-read", Fixture, NULL, fixture_set_up, test_repeated_read,
              fixture_tear_down);
  g_test_add ("/reply-cache/generation-moves", Fixture, NULL, fixture_set_up, test_generation_moves,
              fixture_tear_down);
  g_test_add ("/reply-cache/guarded-read", Fixture, NULL, fixture_set_up, test_guarded_read,
              fixture_tear_down);
  g_test_add ("/reply-cache/in-order", Fixture, NULL, fixture_set_up, test_in_order,
              fixture_tear_down);
  g_test_add ("/reply-cache/no-reply-write", Fixture, NULL, fixture_set_up, test_no_reply_write,
              fixture_tear_down);
  g_test_add ("/reply-cache/answer-behind-big-reply", Fixture, NULL, fixture_set_up,
              test_answer_behind_big_reply, fixture_tear_down);
  return g_test_run ();
}
