#include "object-signals.h"

#include "property-cache.h"

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"
#define EMITS_CHANGED "org.freedesktop.DBus.Property.EmitsChangedSignal"

typedef struct {
  /* the generated setter of the class's parent (GObject calls the setter of
   * the class that owns the property: the generated skeleton's) */
  void (*set_property) (GObject *object, guint id, const GValue *value, GParamSpec *pspec);
  void (*flush) (GDBusInterfaceSkeleton *skeleton);
} ClassHooks;

typedef struct {
  GDBusPropertyInfo *info;
  GParamSpec *pspec; /* its GObject property */
  GVariant *before;  /* its value when it first changed since the last signal */
} Changed;

/* What one skeleton has still to send. */
typedef struct {
  GDBusInterfaceSkeleton *skeleton; /* not held: forgotten before the table lets it go */
  GList link;                       /* in @queue */
  GArray *changed;                  /* of Changed, in the order they first changed */
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
changed_clear (Changed *changed)
{
  g_variant_unref (changed->before);
}

static void
pending_free (Pending *p)
{
  g_array_unref (p->changed);
  g_free (p);
}

/* The D-Bus value of the property @info of @object now. */
static GVariant *
value_now (GObject *object, GDBusPropertyInfo *info, GParamSpec *pspec)
{
  g_auto (GValue) value = G_VALUE_INIT;

  g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (pspec));
  g_object_get_property (object, pspec->name, &value);
  return g_dbus_gvalue_to_gvariant (&value, G_VARIANT_TYPE (info->signature));
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
  guint n = 0;

  if (!path)
    return;
  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < p->changed->len; i++)
    {
      Changed *c = &g_array_index (p->changed, Changed, i);
      g_autoptr (GVariant) now = value_now (G_OBJECT (p->skeleton), c->info, c->pspec);

      /* Changed and changed back: as the generated code, nothing to say. */
      if (!g_variant_equal (now, c->before))
        {
          g_variant_builder_add (&changed, "{sv}", c->info->name, now);
          n++;
        }
    }
  if (!n)
    {
      g_variant_builder_clear (&changed);
      return;
    }
  g_dbus_connection_emit_signal (
    connection, NULL, path, PROPERTIES_INTERFACE, "PropertiesChanged",
    g_variant_new ("(sa{sv}@as)", info->name, &changed, g_variant_new_strv (NULL, 0)), NULL);
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

static Changed *
find_changed (Pending *p, GDBusPropertyInfo *info)
{
  for (guint i = 0; i < p->changed->len; i++)
    if (g_array_index (p->changed, Changed, i).info == info)
      return &g_array_index (p->changed, Changed, i);
  return NULL;
}

/* Every set comes here, changed or not (GObject notifies either way, so
 * notify cannot tell): the value before is kept the first time it changes. */
static void
hooked_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  ClassHooks *hooks = g_type_get_qdata (G_OBJECT_TYPE (object), hooks_quark);
  GDBusInterfaceSkeleton *skeleton = G_DBUS_INTERFACE_SKELETON (object);
  GDBusConnection *connection;
  GDBusPropertyInfo *property = NULL;
  g_autoptr (GVariant) before = NULL;
  g_autoptr (GVariant) after = NULL;
  Pending *p;

  /* gdbus-codegen gives a D-Bus property's GObject property its name as nick. */
  if (the_table && vb_object_table_subtree_path (the_table, skeleton, &connection))
    property = g_dbus_interface_info_lookup_property (g_dbus_interface_skeleton_get_info (skeleton),
                                                      g_param_spec_get_nick (pspec));
  if (!property || !emits_changed (property))
    {
      hooks->set_property (object, id, value, pspec);
      return;
    }
  before = value_now (object, property, pspec);
  after = g_dbus_gvalue_to_gvariant (value, G_VARIANT_TYPE (property->signature));
  hooks->set_property (object, id, value, pspec);
  if (g_variant_equal (before, after))
    return;
  /* The kept a{sv} (GetAll, GetManagedObjects) is out of date from now,
   * whether or not the object's own code said so. */
  vb_property_cache_invalidate (skeleton);
  p = g_hash_table_lookup (pending, skeleton);
  if (!p)
    {
      p = g_new0 (Pending, 1);
      p->skeleton = skeleton;
      p->link.data = p;
      p->changed = g_array_new (FALSE, FALSE, sizeof (Changed));
      g_array_set_clear_func (p->changed, (GDestroyNotify) changed_clear);
      g_hash_table_insert (pending, skeleton, p);
      g_queue_push_tail_link (&queue, &p->link);
    }
  if (!find_changed (p, property))
    {
      Changed c = { property, pspec, g_steal_pointer (&before) };

      g_array_append_val (p->changed, c);
    }
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
  GObjectClass *owner;
  ClassHooks *hooks;

  if (!hooks_quark)
    {
      hooks_quark = g_quark_from_static_string ("vb-object-signals");
      pending = g_hash_table_new (NULL, NULL);
    }
  if (g_type_get_qdata (type, hooks_quark))
    return;
  /* GObject sets a property through the class that installed it: the
   * generated skeleton, which only this class derives from. */
  owner = g_type_class_peek_parent (object_class);
  g_assert (G_TYPE_FROM_CLASS (owner) != G_TYPE_DBUS_INTERFACE_SKELETON);
  hooks = g_new0 (ClassHooks, 1);
  hooks->set_property = owner->set_property;
  hooks->flush = skeleton_class->flush;
  g_type_set_qdata (type, hooks_quark, hooks);
  owner->set_property = hooked_set_property;
  skeleton_class->flush = hooked_flush;
  hook_signals (type, g_dbus_interface_skeleton_get_info (skeleton));
}
