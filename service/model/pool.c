#include "pool.h"

#include "model-generation.h"

struct _VbPool {
  VbResource parent;
  VbPoolDef *def;
  gboolean active;
  guint64 capacity;
  guint64 allocation;
  guint64 available;
  GHashTable *volumes; /* name → VbVolume */
};

G_DEFINE_FINAL_TYPE (VbPool, vb_pool, VB_TYPE_RESOURCE)

enum { SIGNAL_VOLUME_ADDED, SIGNAL_VOLUME_REMOVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
vb_pool_finalize (GObject *object)
{
  VbPool *self = VB_POOL (object);

  vb_pool_def_free (self->def);
  g_hash_table_unref (self->volumes);
  G_OBJECT_CLASS (vb_pool_parent_class)->finalize (object);
}

static void
vb_pool_class_init (VbPoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_pool_finalize;
  VB_RESOURCE_CLASS (klass)->kind = "pool";
  signals[SIGNAL_VOLUME_ADDED] =
    g_signal_new ("volume-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, VB_TYPE_VOLUME);
  signals[SIGNAL_VOLUME_REMOVED] =
    g_signal_new ("volume-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, VB_TYPE_VOLUME);
}

static void
vb_pool_init (VbPool *self)
{
  self->volumes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
}

VbPool *
vb_pool_new (VbPoolDef *def, const char *driver, gboolean persistent)
{
  VbPool *self = g_object_new (VB_TYPE_POOL, NULL);

  vb_resource_set_driver (VB_RESOURCE (self), driver);
  vb_pool_set_def (self, def);
  vb_resource_set_persistent (VB_RESOURCE (self), persistent);
  return self;
}

const VbPoolDef *
vb_pool_get_def (VbPool *self)
{
  return self->def;
}

void
vb_pool_set_def (VbPool *self, VbPoolDef *def)
{
  vb_pool_def_free (self->def);
  self->def = def;
  vb_resource_set_identity (VB_RESOURCE (self), def->name, def->uuid);
  vb_resource_changed (VB_RESOURCE (self));
}

gboolean
vb_pool_get_active (VbPool *self)
{
  return self->active;
}

void
vb_pool_set_active (VbPool *self, gboolean active)
{
  self->active = active;
  if (!active)
    self->capacity = self->allocation = self->available = 0;
  vb_resource_changed (VB_RESOURCE (self));
}

void
vb_pool_get_sizes (VbPool *self, guint64 *capacity, guint64 *allocation, guint64 *available)
{
  *capacity = self->capacity;
  *allocation = self->allocation;
  *available = self->available;
}

void
vb_pool_set_sizes (VbPool *self, guint64 capacity, guint64 allocation, guint64 available)
{
  self->capacity = capacity;
  self->allocation = allocation;
  self->available = available;
  vb_resource_changed (VB_RESOURCE (self));
}

void
vb_pool_add_volume (VbPool *self, VbVolume *volume)
{
  g_hash_table_replace (self->volumes, (gpointer) vb_volume_get_name (volume),
                        g_object_ref (volume));
  vb_model_generation_advance ();
  g_signal_emit (self, signals[SIGNAL_VOLUME_ADDED], 0, volume);
}

void
vb_pool_remove_volume (VbPool *self, VbVolume *volume)
{
  g_autoptr (VbVolume) held = g_object_ref (volume);

  if (g_hash_table_remove (self->volumes, vb_volume_get_name (volume)))
    {
      vb_model_generation_advance ();
      g_signal_emit (self, signals[SIGNAL_VOLUME_REMOVED], 0, held);
    }
}

void
vb_pool_remove_all_volumes (VbPool *self)
{
  g_autoptr (GPtrArray) volumes = vb_pool_list_volumes (self);

  for (guint i = 0; i < volumes->len; i++)
    vb_pool_remove_volume (self, volumes->pdata[i]);
}

VbVolume *
vb_pool_lookup_volume (VbPool *self, const char *name)
{
  return g_hash_table_lookup (self->volumes, name);
}

static gint
compare_volume_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (vb_volume_get_name (*(VbVolume **) a), vb_volume_get_name (*(VbVolume **) b));
}

GPtrArray *
vb_pool_list_volumes (VbPool *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->volumes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (list, g_object_ref (value));
  g_ptr_array_sort (list, compare_volume_names);
  return list;
}
