/* A client's view built from signals only: see vb-test-watcher.h. */
#include "vb-test-watcher.h"

#include "vb-test-names.h"

#include <string.h>

struct _VbWatcher {
  GDBusConnection *connection;
  guint subscription;
  /* path -> interface -> property -> GVariant */
  GHashTable *objects;
  /* "path interface" -> count of PropertiesChanged */
  GHashTable *counts;
};

static GHashTable *
new_table (GDestroyNotify value_free)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, value_free);
}

static void
add_interfaces (VbWatcher *self, const char *path, GVariant *interfaces)
{
  GHashTable *object = g_hash_table_lookup (self->objects, path);
  GVariantIter iter;
  const char *interface;
  GVariant *properties;

  if (!object)
    {
      object = new_table ((GDestroyNotify) g_hash_table_unref);
      g_hash_table_insert (self->objects, g_strdup (path), object);
    }
  g_variant_iter_init (&iter, interfaces);
  while (g_variant_iter_next (&iter, "{&s@a{sv}}", &interface, &properties))
    {
      GHashTable *props = new_table ((GDestroyNotify) g_variant_unref);
      GVariantIter piter;
      const char *name;
      GVariant *value;

      g_variant_iter_init (&piter, properties);
      while (g_variant_iter_next (&piter, "{&sv}", &name, &value))
        g_hash_table_insert (props, g_strdup (name), value);
      g_hash_table_insert (object, g_strdup (interface), props);
      g_variant_unref (properties);
    }
}

static void
on_signal (GDBusConnection *connection, const char *sender, const char *path, const char *interface,
           const char *member, GVariant *parameters, gpointer user_data)
{
  VbWatcher *self = user_data;

  if (g_str_equal (member, "InterfacesAdded"))
    {
      const char *object_path;
      g_autoptr (GVariant) interfaces = NULL;

      g_variant_get (parameters, "(&o@a{sa{sv}})", &object_path, &interfaces);
      add_interfaces (self, object_path, interfaces);
    }
  else if (g_str_equal (member, "InterfacesRemoved"))
    {
      const char *object_path;
      g_autofree const char **names = NULL;
      GHashTable *object;

      g_variant_get (parameters, "(&o^a&s)", &object_path, &names);
      object = g_hash_table_lookup (self->objects, object_path);
      for (guint i = 0; object && names[i]; i++)
        g_hash_table_remove (object, names[i]);
      if (object && g_hash_table_size (object) == 0)
        g_hash_table_remove (self->objects, object_path);
    }
  else if (g_str_equal (member, "PropertiesChanged"))
    {
      const char *changed_interface;
      g_autoptr (GVariant) changed = NULL;
      g_autofree const char **invalidated = NULL;
      GHashTable *object = g_hash_table_lookup (self->objects, path);
      GHashTable *props;
      g_autofree char *key = NULL;
      GVariantIter iter;
      const char *name;
      GVariant *value;

      g_variant_get (parameters, "(&s@a{sv}^a&s)", &changed_interface, &changed, &invalidated);
      key = g_strdup_printf ("%s %s", path, changed_interface);
      g_hash_table_insert (self->counts, g_strdup (key),
                           GUINT_TO_POINTER (
                             GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, key)) + 1));
      props = object ? g_hash_table_lookup (object, changed_interface) : NULL;
      /* A change for an object the watcher was never told about is itself a
       * defect: it leaves the property out, so the comparison shows it. */
      if (!props)
        return;
      g_variant_iter_init (&iter, changed);
      while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
        g_hash_table_insert (props, g_strdup (name), value);
      for (guint i = 0; invalidated[i]; i++)
        g_hash_table_remove (props, invalidated[i]);
    }
}

static GVariant *
managed_objects (GDBusConnection *connection)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply = g_dbus_connection_call_sync (
    connection, BUS_NAME, MANAGER, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
    G_VARIANT_TYPE ("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, 120000, NULL, &error);

  g_assert_no_error (error);
  return reply;
}

VbWatcher *
vb_watcher_new (VbTestEnv *env)
{
  VbWatcher *self = g_new0 (VbWatcher, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) objects = NULL;
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;

  self->objects = new_table ((GDestroyNotify) g_hash_table_unref);
  self->counts = new_table (NULL);
  self->connection =
    g_dbus_connection_new_for_address_sync (env->bus_address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  g_assert_no_error (error);
  /* Subscribed before the first view; nothing must change in between (the
   * tests start the watcher while the service is idle). */
  self->subscription =
    g_dbus_connection_signal_subscribe (self->connection, BUS_NAME, NULL, NULL, NULL, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_signal, self, NULL);
  vb_watcher_sync (self);
  reply = managed_objects (self->connection);
  objects = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      add_interfaces (self, path, interfaces);
      g_variant_unref (interfaces);
    }
  return self;
}

void
vb_watcher_free (VbWatcher *self)
{
  if (!self)
    return;
  g_dbus_connection_signal_unsubscribe (self->connection, self->subscription);
  g_dbus_connection_close_sync (self->connection, NULL, NULL);
  g_object_unref (self->connection);
  g_hash_table_unref (self->objects);
  g_hash_table_unref (self->counts);
  g_free (self);
}

guint
vb_watcher_changes (VbWatcher *self, const char *path, const char *interface)
{
  g_autofree char *key = g_strdup_printf ("%s %s", path, interface);

  return GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, key));
}

guint
vb_watcher_total_changes (VbWatcher *self, const char *interface, guint at_most, guint *over,
                          char **worst_path)
{
  GHashTableIter iter;
  gpointer key, value;
  guint total = 0, worst = 0;

  *over = 0;
  g_hash_table_iter_init (&iter, self->counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *space = strrchr (key, ' ');
      guint n = GPOINTER_TO_UINT (value);

      if (!g_str_equal (space + 1, interface))
        continue;
      total += n;
      if (n > at_most)
        (*over)++;
      if (n > worst && worst_path)
        {
          worst = n;
          g_free (*worst_path);
          *worst_path = g_strndup (key, space - (const char *) key);
        }
    }
  return total;
}

void
vb_watcher_reset_counts (VbWatcher *self)
{
  g_hash_table_remove_all (self->counts);
}

GVariant *
vb_watcher_property (VbWatcher *self, const char *path, const char *interface, const char *property)
{
  GHashTable *object = g_hash_table_lookup (self->objects, path);
  GHashTable *props = object ? g_hash_table_lookup (object, interface) : NULL;

  return props ? g_hash_table_lookup (props, property) : NULL;
}

static gboolean
all_equal (VbWatcher *self, const char *interface, const char *property, GVariant *value,
           guint expected_objects)
{
  GHashTableIter iter;
  gpointer object;
  guint seen = 0;

  g_hash_table_iter_init (&iter, self->objects);
  while (g_hash_table_iter_next (&iter, NULL, &object))
    {
      GHashTable *props = g_hash_table_lookup (object, interface);
      GVariant *current;

      if (!props)
        continue;
      seen++;
      current = g_hash_table_lookup (props, property);
      if (!current || !g_variant_equal (current, value))
        return FALSE;
    }
  return seen == expected_objects;
}

static gboolean
timed_out (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
vb_watcher_wait_all (VbWatcher *self, const char *interface, const char *property, GVariant *value,
                     guint expected_objects, guint timeout_ms)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (value);
  gboolean expired = FALSE;
  guint timer = g_timeout_add (timeout_ms, timed_out, &expired);

  while (!all_equal (self, interface, property, owned, expected_objects) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timer);
  return !expired;
}

void
vb_watcher_sync (VbWatcher *self)
{
  g_autoptr (GError) error = NULL;
  /* A method the main loop answers (Peer.Ping is answered on GDBus's
   * worker thread, ahead of whatever the main loop still has to send). */
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (self->connection, BUS_NAME, MANAGER,
                                 "org.freedesktop.DBus.Introspectable", "Introspect", NULL, NULL,
                                 G_DBUS_CALL_FLAGS_NONE, 120000, NULL, &error);

  g_assert_no_error (error);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

guint
vb_watcher_assert_matches (VbWatcher *self)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) objects = NULL;
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;
  guint compared = 0;

  vb_watcher_sync (self);
  reply = managed_objects (self->connection);
  objects = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (objects), ==, g_hash_table_size (self->objects));
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      GHashTable *object = g_hash_table_lookup (self->objects, path);
      GVariantIter iiter;
      const char *interface;
      GVariant *properties;

      if (!object)
        g_error ("the watcher never learnt of %s", path);
      g_assert_cmpuint (g_variant_n_children (interfaces), ==, g_hash_table_size (object));
      g_variant_iter_init (&iiter, interfaces);
      while (g_variant_iter_next (&iiter, "{&s@a{sv}}", &interface, &properties))
        {
          GHashTable *props = g_hash_table_lookup (object, interface);
          GVariantIter piter;
          const char *name;
          GVariant *value;

          if (!props)
            g_error ("the watcher does not know %s on %s", interface, path);
          g_assert_cmpuint (g_variant_n_children (properties), ==, g_hash_table_size (props));
          g_variant_iter_init (&piter, properties);
          while (g_variant_iter_next (&piter, "{&sv}", &name, &value))
            {
              GVariant *seen = g_hash_table_lookup (props, name);

              if (!seen || !g_variant_equal (seen, value))
                {
                  g_autofree char *want = g_variant_print (value, TRUE);
                  g_autofree char *got = seen ? g_variant_print (seen, TRUE) : g_strdup ("nothing");

                  g_error ("%s %s.%s: the watcher has %s, the service %s", path, interface, name,
                           got, want);
                }
              g_variant_unref (value);
            }
          g_variant_unref (properties);
        }
      g_variant_unref (interfaces);
      compared++;
    }
  return compared;
}
