/* event: the domains' LifecycleEvent signals as they come, one line each
 * (a JSON object a line with --json); the first only, or all with --loop
 * until Ctrl-C. One match rule on the bus for every domain, those defined
 * later included. */
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>

#include "ctl-command.h"
#include "ctl-number.h"
#include "ctl-output.h"

#define DOMAIN_INTERFACE "org.virtbus.Virt1.Domain"

typedef struct {
  CtlContext *ctx;
  VirtbusClient *client;
  char *only; /* the path of the --domain, or NULL */
  gboolean loop;
  gboolean timestamp;
  guint count;
  gboolean done;
  gboolean timed_out;
  GHashTable *names; /* path → name, kept for domains that go */
} Listener;

static void
remember (Listener *listener, GDBusObject *object)
{
  VirtbusDomain *domain = virtbus_object_peek_domain (VIRTBUS_OBJECT (object));

  if (domain)
    g_hash_table_insert (listener->names, g_strdup (g_dbus_object_get_object_path (object)),
                         g_strdup (virtbus_domain_get_name (domain)));
}

static void
object_added (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  remember (user_data, object);
}

static void
print_json_line (Listener *listener, const char *name, const char *path, const char *event,
                 const char *detail, gint64 now)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, "lifecycle");
  json_builder_set_member_name (builder, "domain");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, path);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, event);
  json_builder_set_member_name (builder, "detail");
  json_builder_add_string_value (builder, detail);
  json_builder_set_member_name (builder, "timestamp");
  json_builder_add_int_value (builder, now / 1000);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  puts (text);
}

static void
on_event (GDBusConnection *connection, const char *sender, const char *path,
          const char *interface_name, const char *signal_name, GVariant *parameters,
          gpointer user_data)
{
  Listener *listener = user_data;
  const char *event, *detail, *name;
  g_autoptr (VirtbusObject) object = NULL;
  gint64 now = g_get_real_time ();

  if (listener->done || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ss)")))
    return;
  if (listener->only && g_strcmp0 (listener->only, path) != 0)
    return;
  g_variant_get (parameters, "(&s&s)", &event, &detail);
  /* The object manager may not have the domain yet (its "defined" event
   * comes first), or no more ("undefined"). */
  object = virtbus_client_get_object (listener->client, path);
  if (object && virtbus_object_peek_domain (object))
    remember (listener, G_DBUS_OBJECT (object));
  name = g_hash_table_lookup (listener->names, path);
  if (!name)
    name = path;
  if (listener->ctx->json)
    print_json_line (listener, name, path, event, detail, now);
  else
    {
      g_autoptr (GDateTime) when = g_date_time_new_from_unix_local (now / G_USEC_PER_SEC);
      g_autofree char *seconds = g_date_time_format (when, "%Y-%m-%d %H:%M:%S");
      g_autofree char *stamp =
        g_strdup_printf ("%s.%03d: ", seconds, (int) (now % G_USEC_PER_SEC / 1000));

      g_autofree char *line =
        g_strdup_printf ("%sevent 'lifecycle' for domain '%s': %s %s",
                         listener->timestamp ? stamp : "", name, event, detail);
      g_autofree char *shown = ctl_terminal_text (stdout, line, FALSE);

      puts (shown);
    }
  /* Someone reads us through a pipe: each event when it comes. */
  fflush (stdout);
  listener->count++;
  if (!listener->loop)
    listener->done = TRUE;
}

static gboolean
on_signal (gpointer user_data)
{
  ((Listener *) user_data)->done = TRUE;
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  ((Listener *) user_data)->done = TRUE;
  ((Listener *) user_data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
run_event (CtlContext *ctx, CtlArgs *args, GError **error)
{
  Listener listener = { ctx };
  GDBusObjectManager *manager;
  g_autolist (GDBusObject) objects = NULL;
  g_autoptr (VirtbusDomain) domain = NULL;
  guint64 timeout = 0;
  guint subscription, added, sigint, sigterm, timer = 0;

  if (!ctl_option_number (args, "timeout", G_MAXUINT32 / 1000, &timeout, error)
      || !(listener.client = ctl_context_client (ctx, error)))
    return FALSE;
  if (ctl_args_value (args, "domain"))
    {
      domain =
        virtbus_client_lookup_domain (listener.client, ctl_args_value (args, "domain"), error);
      if (!domain)
        return FALSE;
      listener.only = g_strdup (g_dbus_proxy_get_object_path (G_DBUS_PROXY (domain)));
    }
  listener.loop = ctl_args_flag (args, "loop");
  listener.timestamp = ctl_args_flag (args, "timestamp");
  listener.names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  manager = virtbus_client_get_object_manager (listener.client);
  objects = g_dbus_object_manager_get_objects (manager);
  for (GList *l = objects; l; l = l->next)
    remember (&listener, l->data);
  added = g_signal_connect (manager, "object-added", G_CALLBACK (object_added), &listener);
  subscription =
    g_dbus_connection_signal_subscribe (virtbus_client_get_connection (listener.client),
                                        VIRTBUS_BUS_NAME, DOMAIN_INTERFACE, "LifecycleEvent", NULL,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_event, &listener, NULL);
  sigint = g_unix_signal_add (SIGINT, on_signal, &listener);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &listener);
  if (timeout)
    timer = g_timeout_add_seconds ((guint) timeout, on_timeout, &listener);
  while (!listener.done)
    g_main_context_iteration (NULL, TRUE);
  g_dbus_connection_signal_unsubscribe (virtbus_client_get_connection (listener.client),
                                        subscription);
  g_signal_handler_disconnect (manager, added);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  if (timer && !listener.timed_out)
    g_source_remove (timer);
  if (listener.loop)
    ctl_say (ctx, "events received: %u", listener.count);
  g_hash_table_unref (listener.names);
  g_free (listener.only);
  return TRUE;
}

const CtlCommand ctl_event_commands[] = {
  { "event", "Print the domains' lifecycle events as they come", NULL,
    (const CtlOption[]){ { "loop", NULL, "go on after the first event, until Ctrl-C" },
                         { "domain", "DOMAIN", "only this domain's events", CTL_ARG_DOMAIN },
                         { "timeout", "SECONDS", "stop after SECONDS" },
                         { "timestamp", NULL, "each line begins with the time it came" },
                         { NULL } },
    run_event,
    "One line an event: event 'lifecycle' for domain 'NAME': EVENT DETAIL, as\n"
    "\"started booted\" or \"stopped destroyed\". --json prints one JSON object a line\n"
    "(event, domain, path, type, detail, timestamp in ms since the epoch). Without\n"
    "--loop the command ends after the first event." },
  { NULL },
};
