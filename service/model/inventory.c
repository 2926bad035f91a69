#include "inventory.h"

#include "model-generation.h"

typedef struct {
  GHashTable *by_uuid; /* uuid → VbResource (owned) */
  GHashTable *by_name; /* name → VbResource (borrowed) */
  guint64 generation;  /* one more at every add, remove and rename */
  GPtrArray *sorted;   /* by name (borrowed), until the next change; NULL when none */
} Index;

struct _VbInventory {
  GObject parent;
  Index domains;
  Index networks;
  Index pools;
  GHashTable *jobs; /* id → VbJob */
  guint next_job_id;
  guint job_linger_seconds;
};

G_DEFINE_FINAL_TYPE (VbInventory, vb_inventory, G_TYPE_OBJECT)

enum { SIGNAL_ADDED, SIGNAL_REMOVED, SIGNAL_JOB_ADDED, SIGNAL_JOB_REMOVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
index_init (Index *index)
{
  index->by_uuid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  index->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* Every add, remove and rename. */
static void
index_changed (Index *index)
{
  index->generation++;
  g_clear_pointer (&index->sorted, g_ptr_array_unref);
  vb_model_generation_advance ();
}

static void
index_clear (Index *index)
{
  g_clear_pointer (&index->sorted, g_ptr_array_unref);
  g_hash_table_unref (index->by_name);
  g_hash_table_unref (index->by_uuid);
}

static Index *
index_for (VbInventory *self, GType type)
{
  if (g_type_is_a (type, VB_TYPE_DOMAIN))
    return &self->domains;
  if (g_type_is_a (type, VB_TYPE_NETWORK))
    return &self->networks;
  if (g_type_is_a (type, VB_TYPE_POOL))
    return &self->pools;
  g_return_val_if_reached (NULL);
}

static void
vb_inventory_finalize (GObject *object)
{
  VbInventory *self = VB_INVENTORY (object);

  index_clear (&self->domains);
  index_clear (&self->networks);
  index_clear (&self->pools);
  g_hash_table_unref (self->jobs);
  G_OBJECT_CLASS (vb_inventory_parent_class)->finalize (object);
}

static void
vb_inventory_class_init (VbInventoryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_inventory_finalize;
  signals[SIGNAL_ADDED] = g_signal_new ("added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, VB_TYPE_RESOURCE);
  signals[SIGNAL_REMOVED] = g_signal_new ("removed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                          1, VB_TYPE_RESOURCE);
  signals[SIGNAL_JOB_ADDED] = g_signal_new ("job-added", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 1, VB_TYPE_JOB);
  signals[SIGNAL_JOB_REMOVED] = g_signal_new ("job-removed", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, VB_TYPE_JOB);
}

static void
vb_inventory_init (VbInventory *self)
{
  index_init (&self->domains);
  index_init (&self->networks);
  index_init (&self->pools);
  self->jobs = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->next_job_id = 1;
  self->job_linger_seconds = 300;
}

VbInventory *
vb_inventory_new (void)
{
  return g_object_new (VB_TYPE_INVENTORY, NULL);
}

void
vb_inventory_add (VbInventory *self, VbResource *resource)
{
  Index *index = index_for (self, G_OBJECT_TYPE (resource));

  g_return_if_fail (!g_hash_table_contains (index->by_uuid, vb_resource_get_uuid (resource)));
  g_hash_table_insert (index->by_uuid, g_strdup (vb_resource_get_uuid (resource)),
                       g_object_ref (resource));
  g_hash_table_insert (index->by_name, g_strdup (vb_resource_get_name (resource)), resource);
  index_changed (index);
  g_signal_emit (self, signals[SIGNAL_ADDED], 0, resource);
}

void
vb_inventory_remove (VbInventory *self, VbResource *resource)
{
  Index *index = index_for (self, G_OBJECT_TYPE (resource));
  g_autoptr (VbResource) held = g_object_ref (resource);

  if (!g_hash_table_remove (index->by_uuid, vb_resource_get_uuid (resource)))
    return;
  g_hash_table_remove (index->by_name, vb_resource_get_name (resource));
  index_changed (index);
  g_signal_emit (self, signals[SIGNAL_REMOVED], 0, held);
}

void
vb_inventory_rename (VbInventory *self, VbResource *resource, const char *old_name)
{
  Index *index = index_for (self, G_OBJECT_TYPE (resource));

  if (g_strcmp0 (old_name, vb_resource_get_name (resource)) == 0)
    return;
  g_hash_table_remove (index->by_name, old_name);
  g_hash_table_insert (index->by_name, g_strdup (vb_resource_get_name (resource)), resource);
  index_changed (index); /* lists are sorted by name */
}

VbResource *
vb_inventory_lookup_uuid (VbInventory *self, GType type, const char *uuid)
{
  return g_hash_table_lookup (index_for (self, type)->by_uuid, uuid);
}

VbResource *
vb_inventory_lookup_name (VbInventory *self, GType type, const char *name)
{
  return g_hash_table_lookup (index_for (self, type)->by_name, name);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (vb_resource_get_name (*(VbResource **) a),
                    vb_resource_get_name (*(VbResource **) b));
}

/* The order is kept until the next change: a start with 10,000 domains
 * listed them four times before it owned its name and twice just after,
 * each a sort of its own (a tenth of the main thread's part of the start). */
GPtrArray *
vb_inventory_list (VbInventory *self, GType type)
{
  Index *index = index_for (self, type);
  GPtrArray *list;

  if (!index->sorted)
    {
      GHashTableIter iter;
      gpointer value;

      index->sorted = g_ptr_array_sized_new (g_hash_table_size (index->by_uuid));
      g_hash_table_iter_init (&iter, index->by_uuid);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_ptr_array_add (index->sorted, value);
      g_ptr_array_sort (index->sorted, compare_names);
    }
  list = g_ptr_array_new_full (index->sorted->len, g_object_unref);
  for (guint i = 0; i < index->sorted->len; i++)
    g_ptr_array_add (list, g_object_ref (index->sorted->pdata[i]));
  return list;
}

guint
vb_inventory_count (VbInventory *self, GType type)
{
  return g_hash_table_size (index_for (self, type)->by_uuid);
}

guint64
vb_inventory_generation (VbInventory *self, GType type)
{
  return index_for (self, type)->generation;
}

typedef struct {
  VbInventory *inventory;
  guint id;
} JobRef;

static gboolean
drop_job (gpointer user_data)
{
  JobRef *ref = user_data;
  VbJob *job = g_hash_table_lookup (ref->inventory->jobs, GUINT_TO_POINTER (ref->id));

  if (job)
    {
      g_autoptr (VbJob) held = g_object_ref (job);
      g_hash_table_remove (ref->inventory->jobs, GUINT_TO_POINTER (ref->id));
      g_signal_emit (ref->inventory, signals[SIGNAL_JOB_REMOVED], 0, held);
    }
  return G_SOURCE_REMOVE;
}

static void
job_completed (VbJob *job, gboolean success, const char *message, gpointer user_data)
{
  VbInventory *self = user_data;
  JobRef *ref = g_new0 (JobRef, 1);

  ref->inventory = self;
  ref->id = vb_job_get_id (job);
  /* Keeps the final figures visible for a while; the inventory lives as long as the service. */
  g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, self->job_linger_seconds, drop_job, ref,
                              g_free);
}

void
vb_inventory_add_job (VbInventory *self, VbJob *job)
{
  vb_job_set_id (job, self->next_job_id++);
  g_hash_table_insert (self->jobs, GUINT_TO_POINTER (vb_job_get_id (job)), g_object_ref (job));
  g_signal_connect_object (job, "completed", G_CALLBACK (job_completed), self, 0);
  g_signal_emit (self, signals[SIGNAL_JOB_ADDED], 0, job);
}

VbJob *
vb_inventory_lookup_job (VbInventory *self, guint id)
{
  return g_hash_table_lookup (self->jobs, GUINT_TO_POINTER (id));
}

void
vb_inventory_set_job_linger (VbInventory *self, guint seconds)
{
  self->job_linger_seconds = seconds;
}

static gint
job_id_order (gconstpointer a, gconstpointer b)
{
  guint ia = vb_job_get_id (*(VbJob *const *) a), ib = vb_job_get_id (*(VbJob *const *) b);

  return ia < ib ? -1 : ia > ib;
}

GPtrArray *
vb_inventory_list_jobs_of (VbInventory *self, const char *object_path)
{
  GPtrArray *jobs = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (vb_job_get_object_path (value), object_path) == 0)
      g_ptr_array_add (jobs, g_object_ref (value));
  /* Ids grow: the newest job is the last. */
  g_ptr_array_sort (jobs, job_id_order);
  return jobs;
}
