#include "object-signals.h"

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"
#define EMITS_CHANGED "org.freedesktop.DBus.Property.EmitsChangedSignal"

typedef struct {
  void (*notify) (GObject *object, GParamSpec *pspec);
  void (*flush) (GDBusInterfaceSkeleton *skeleton);
} ClassHooks;

/* What one skeleton has still to send. */
typedef struct {
  GDBusInterfaceSkeleton *skeleton; /* not held: forgotten before the table lets it go */
  GList link;                       /* in @queue */
  GPtrArray *properties;            /* GParamSpec, in the order they first changed */
} Pending;

static VbObjectTable *the_table;
static GQuark hooks_quark;
static GHashTable *pending; /* skeleton → Pending */
static GQueue queue;        /* of Pending, oldest first */
static guint idle_id;

void
vb_object_signals_set_table (VbObjectTable *table)
{
  the_table = table;
}

static void
pending_free (Pending *p)
{
  g_ptr_array_unref (p->properties);
  g_free (p);
}

/* Takes @p out of the queue and the table. */
static void
pending_take (Pending *p)
{
  g_queue_unlink (&queue, &p->link);
  g_hash_table_steal (pending, p->skeleton);
}

static void
send_changes (Pending *p)
{
  GDBusConnection *connection = NULL;
  const char *path = vb_object_table_subtree_path (the_table, p->skeleton, &connection);
  GDBusInterfaceInfo *info = g_dbus_interface_skeleton_get_info (p->skeleton);
  GVariantBuilder changed;

  if (!path)
    return;
  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < p->properties->len; i++)
    {
      GParamSpec *pspec = p->properties->pdata[i];
      GDBusPropertyInfo *property =
        g_dbus_interface_info_lookup_property (info, g_param_spec_get_nick (pspec));
      g_auto (GValue) value = G_VALUE_INIT;
      g_autoptr (GVariant) variant = NULL;

      g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (pspec));
      g_object_get_property (G_OBJECT (p->skeleton), pspec->name, &value);
      variant = g_dbus_gvalue_to_gvariant (&value, G_VARIANT_TYPE (property->signature));
      g_variant_builder_add (&changed, "{sv}", property->name, variant);
    }
  g_dbus_connection_emit_signal (connection, NULL, path, PROPERTIES_INTERFACE, "PropertiesChanged",
                                 g_variant_new ("(sa{sv}@as)", info->name, &changed,
                                                g_variant_new_strv (NULL, 0)),
                                 NULL);
}

static gboolean
send_all (gpointer user_data)
{
  Pending *p;

  idle_id = 0;
  while ((p = g_queue_peek_head (&queue)))
    {
      pending_take (p);
      send_changes (p);
      pending_free (p);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
emits_changed (GDBusPropertyInfo *property)
{
  const char *emits = g_dbus_annotation_info_lookup (property->annotations, EMITS_CHANGED);

  /* As gdbus-codegen reads the annotation. */
  return g_strcmp0 (emits, "false") != 0 && g_strcmp0 (emits, "const") != 0;
}

/* The generated setter notifies only when a value really changed. */
static void
hooked_notify (GObject *object, GParamSpec *pspec)
{
  ClassHooks *hooks = g_type_get_qdata (G_OBJECT_TYPE (object), hooks_quark);
  GDBusInterfaceSkeleton *skeleton = G_DBUS_INTERFACE_SKELETON (object);
  GDBusConnection *connection;
  GDBusPropertyInfo *property;
  Pending *p;

  if (hooks->notify)
    hooks->notify (object, pspec);
  if (!the_table || !vb_object_table_subtree_path (the_table, skeleton, &connection))
    return;
  property = g_dbus_interface_info_lookup_property (g_dbus_interface_skeleton_get_info (skeleton),
                                                    g_param_spec_get_nick (pspec));
  if (!property || !emits_changed (property))
    return;
  p = g_hash_table_lookup (pending, skeleton);
  if (!p)
    {
      p = g_new0 (Pending, 1);
      p->skeleton = skeleton;
      p->link.data = p;
      p->properties = g_ptr_array_new ();
      g_hash_table_insert (pending, skeleton, p);
      g_queue_push_tail_link (&queue, &p->link);
    }
  for (guint i = 0; i < p->properties->len; i++)
    if (g_str_equal (((GParamSpec *) p->properties->pdata[i])->name, pspec->name))
      return;
  g_ptr_array_add (p->properties, pspec);
  if (!idle_id)
    idle_id = g_idle_add (send_all, NULL);
}

static void
hooked_flush (GDBusInterfaceSkeleton *skeleton)
{
  ClassHooks *hooks = g_type_get_qdata (G_OBJECT_TYPE (skeleton), hooks_quark);
  Pending *p = pending ? g_hash_table_lookup (pending, skeleton) : NULL;

  if (p)
    {
      pending_take (p);
      send_changes (p);
      pending_free (p);
    }
  if (hooks->flush)
    hooks->flush (skeleton);
}

void
vb_object_signals_forget (GDBusInterfaceSkeleton *skeleton)
{
  Pending *p = pending ? g_hash_table_lookup (pending, skeleton) : NULL;

  if (p)
    {
      pending_take (p);
      pending_free (p);
    }
}

/* ---- signals ---- */

/* "lifecycle-event" (GObject) is "LifecycleEvent" (D-Bus). */
static gboolean
same_signal (const char *gobject_name, const char *dbus_name)
{
  for (;; gobject_name++, dbus_name++)
    {
      if (*gobject_name == '-')
        gobject_name++;
      if (g_ascii_tolower (*gobject_name) != g_ascii_tolower (*dbus_name))
        return FALSE;
      if (!*gobject_name)
        return TRUE;
    }
}

static gboolean
signal_hook (GSignalInvocationHint *hint, guint n_values, const GValue *values, gpointer user_data)
{
  GDBusSignalInfo *signal = user_data;
  GObject *object = g_value_get_object (&values[0]);
  GDBusConnection *connection = NULL;
  const char *path;
  GVariantBuilder args;

  if (!the_table || !G_IS_DBUS_INTERFACE_SKELETON (object))
    return TRUE;
  path = vb_object_table_subtree_path (the_table, G_DBUS_INTERFACE_SKELETON (object), &connection);
  if (!path)
    return TRUE;
  g_variant_builder_init (&args, G_VARIANT_TYPE_TUPLE);
  for (guint i = 1; i < n_values && signal->args && signal->args[i - 1]; i++)
    {
      g_autoptr (GVariant) arg =
        g_dbus_gvalue_to_gvariant (&values[i], G_VARIANT_TYPE (signal->args[i - 1]->signature));

      g_variant_builder_add_value (&args, arg);
    }
  g_dbus_connection_emit_signal (
    connection, NULL, path,
    g_dbus_interface_skeleton_get_info (G_DBUS_INTERFACE_SKELETON (object))->name, signal->name,
    g_variant_builder_end (&args), NULL);
  return TRUE; /* stays */
}

static void
hook_signals (GType type, GDBusInterfaceInfo *info)
{
  g_autofree GType *interfaces = g_type_interfaces (type, NULL);

  for (guint t = 0; interfaces[t]; t++)
    {
      guint n_ids = 0;
      g_autofree guint *ids = g_signal_list_ids (interfaces[t], &n_ids);

      for (guint i = 0; i < n_ids; i++)
        {
          GSignalQuery query;

          g_signal_query (ids[i], &query);
          for (guint s = 0; info->signals && info->signals[s]; s++)
            if (same_signal (query.signal_name, info->signals[s]->name))
              g_signal_add_emission_hook (ids[i], 0, signal_hook,
                                          g_dbus_signal_info_ref (info->signals[s]),
                                          (GDestroyNotify) g_dbus_signal_info_unref);
        }
    }
}

void
vb_object_signals_install (GDBusInterfaceSkeleton *skeleton)
{
  GType type = G_OBJECT_TYPE (skeleton);
  GObjectClass *object_class = G_OBJECT_GET_CLASS (skeleton);
  GDBusInterfaceSkeletonClass *skeleton_class = G_DBUS_INTERFACE_SKELETON_GET_CLASS (skeleton);
  ClassHooks *hooks;

  if (!hooks_quark)
    {
      hooks_quark = g_quark_from_static_string ("vb-object-signals");
      pending = g_hash_table_new (NULL, NULL);
    }
  if (g_type_get_qdata (type, hooks_quark))
    return;
  hooks = g_new0 (ClassHooks, 1);
  hooks->notify = object_class->notify;
  hooks->flush = skeleton_class->flush;
  g_type_set_qdata (type, hooks_quark, hooks);
  object_class->notify = hooked_notify;
  skeleton_class->flush = hooked_flush;
  hook_signals (type, g_dbus_interface_skeleton_get_info (skeleton));
}
