#include "snapshot.h"

#include "model-generation.h"

struct _VbSnapshot {
  GObject parent;
  char *domain_uuid;
  VbSnapshotDef *def;
  gboolean alive;
};

G_DEFINE_FINAL_TYPE (VbSnapshot, vb_snapshot, G_TYPE_OBJECT)

enum { SNAPSHOT_CHANGED, N_SNAPSHOT_SIGNALS };
static guint snapshot_signals[N_SNAPSHOT_SIGNALS];

static void
vb_snapshot_finalize (GObject *object)
{
  VbSnapshot *self = VB_SNAPSHOT (object);

  g_free (self->domain_uuid);
  vb_snapshot_def_free (self->def);
  G_OBJECT_CLASS (vb_snapshot_parent_class)->finalize (object);
}

static void
vb_snapshot_class_init (VbSnapshotClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_snapshot_finalize;
  snapshot_signals[SNAPSHOT_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
vb_snapshot_init (VbSnapshot *self)
{
}

VbSnapshot *
vb_snapshot_new (const char *domain_uuid, VbSnapshotDef *def)
{
  VbSnapshot *self = g_object_new (VB_TYPE_SNAPSHOT, NULL);

  self->domain_uuid = g_strdup (domain_uuid);
  self->def = def;
  return self;
}

const VbSnapshotDef *
vb_snapshot_get_def (VbSnapshot *self)
{
  return self->def;
}

const char *
vb_snapshot_get_name (VbSnapshot *self)
{
  return self->def->name;
}

const char *
vb_snapshot_get_domain_uuid (VbSnapshot *self)
{
  return self->domain_uuid;
}

const char *
vb_snapshot_get_parent (VbSnapshot *self)
{
  return self->def->parent;
}

void
vb_snapshot_set_parent (VbSnapshot *self, const char *parent)
{
  if (g_strcmp0 (parent, self->def->parent) == 0)
    return;
  g_free (self->def->parent);
  self->def->parent = g_strdup (parent);
  vb_model_generation_advance ();
  g_signal_emit (self, snapshot_signals[SNAPSHOT_CHANGED], 0);
}

gboolean
vb_snapshot_get_current (VbSnapshot *self)
{
  return self->def->current;
}

static void
set_current (VbSnapshot *self, gboolean current)
{
  if (self->def->current == current)
    return;
  self->def->current = current;
  vb_model_generation_advance ();
  g_signal_emit (self, snapshot_signals[SNAPSHOT_CHANGED], 0);
}

gboolean
vb_snapshot_is_alive (VbSnapshot *self)
{
  return self->alive;
}

/* ---- the registry ---- */

struct _VbSnapshotRegistry {
  GObject parent;
  GHashTable *domains; /* domain UUID → GPtrArray of VbSnapshot, oldest first */
};

G_DEFINE_FINAL_TYPE (VbSnapshotRegistry, vb_snapshot_registry, G_TYPE_OBJECT)

enum { ADDED, REMOVED, CURRENT_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
vb_snapshot_registry_finalize (GObject *object)
{
  g_hash_table_unref (VB_SNAPSHOT_REGISTRY (object)->domains);
  G_OBJECT_CLASS (vb_snapshot_registry_parent_class)->finalize (object);
}

static void
vb_snapshot_registry_class_init (VbSnapshotRegistryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_snapshot_registry_finalize;
  signals[ADDED] = g_signal_new ("added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, VB_TYPE_SNAPSHOT);
  signals[REMOVED] = g_signal_new ("removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 1, VB_TYPE_SNAPSHOT);
  signals[CURRENT_CHANGED] =
    g_signal_new ("current-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
vb_snapshot_registry_init (VbSnapshotRegistry *self)
{
  self->domains =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
}

VbSnapshotRegistry *
vb_snapshot_registry_new (void)
{
  return g_object_new (VB_TYPE_SNAPSHOT_REGISTRY, NULL);
}

static GPtrArray *
domain_list (VbSnapshotRegistry *self, const char *domain_uuid, gboolean create)
{
  GPtrArray *list = g_hash_table_lookup (self->domains, domain_uuid);

  if (!list && create)
    {
      list = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_insert (self->domains, g_strdup (domain_uuid), list);
    }
  return list;
}

static int
older_first (gconstpointer a, gconstpointer b)
{
  const VbSnapshotDef *x = (*(VbSnapshot *const *) a)->def;
  const VbSnapshotDef *y = (*(VbSnapshot *const *) b)->def;

  if (x->creation_time != y->creation_time)
    return x->creation_time < y->creation_time ? -1 : 1;
  return g_strcmp0 (x->name, y->name);
}

void
vb_snapshot_registry_add (VbSnapshotRegistry *self, VbSnapshot *snapshot)
{
  GPtrArray *list = domain_list (self, snapshot->domain_uuid, TRUE);

  snapshot->alive = TRUE;
  g_ptr_array_add (list, g_object_ref (snapshot));
  g_ptr_array_sort (list, older_first);
  vb_model_generation_advance ();
  g_signal_emit (self, signals[ADDED], 0, snapshot);
}

void
vb_snapshot_registry_remove (VbSnapshotRegistry *self, VbSnapshot *snapshot)
{
  GPtrArray *list = domain_list (self, snapshot->domain_uuid, FALSE);
  g_autoptr (VbSnapshot) held = g_object_ref (snapshot);

  if (!list || !g_ptr_array_remove (list, snapshot))
    return;
  snapshot->alive = FALSE;
  if (list->len == 0)
    g_hash_table_remove (self->domains, snapshot->domain_uuid);
  vb_model_generation_advance ();
  g_signal_emit (self, signals[REMOVED], 0, snapshot);
  if (snapshot->def->current)
    {
      snapshot->def->current = FALSE;
      vb_model_generation_advance ();
      g_signal_emit (self, signals[CURRENT_CHANGED], 0, snapshot->domain_uuid);
    }
}

VbSnapshot *
vb_snapshot_registry_lookup (VbSnapshotRegistry *self, const char *domain_uuid, const char *name)
{
  GPtrArray *list = domain_list (self, domain_uuid, FALSE);

  for (guint i = 0; list && name && i < list->len; i++)
    if (g_str_equal (vb_snapshot_get_name (list->pdata[i]), name))
      return list->pdata[i];
  return NULL;
}

static gboolean
listed_already (GPtrArray *out, const char *name)
{
  for (guint i = 0; i < out->len; i++)
    if (g_str_equal (vb_snapshot_get_name (out->pdata[i]), name))
      return TRUE;
  return FALSE;
}

GPtrArray *
vb_snapshot_registry_list (VbSnapshotRegistry *self, const char *domain_uuid)
{
  GPtrArray *list = domain_list (self, domain_uuid, FALSE);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean progress = TRUE;

  /* Oldest first, but never a child before its parent: times have one
   * second's resolution, so a parent and its child may share one. */
  while (list && out->len < list->len && progress)
    {
      progress = FALSE;
      for (guint i = 0; i < list->len; i++)
        {
          VbSnapshot *snapshot = list->pdata[i];
          const char *parent = vb_snapshot_get_parent (snapshot);

          if (listed_already (out, vb_snapshot_get_name (snapshot)))
            continue;
          if (parent && !listed_already (out, parent)
              && vb_snapshot_registry_lookup (self, domain_uuid, parent))
            continue;
          g_ptr_array_add (out, g_object_ref (snapshot));
          progress = TRUE;
          break;
        }
    }
  return out;
}

GPtrArray *
vb_snapshot_registry_children (VbSnapshotRegistry *self, VbSnapshot *snapshot)
{
  GPtrArray *all = vb_snapshot_registry_list (self, snapshot->domain_uuid);

  for (guint i = all->len; i > 0; i--)
    if (g_strcmp0 (vb_snapshot_get_parent (all->pdata[i - 1]), snapshot->def->name) != 0)
      g_ptr_array_remove_index (all, i - 1);
  return all;
}

guint
vb_snapshot_registry_count (VbSnapshotRegistry *self, const char *domain_uuid)
{
  GPtrArray *list = domain_list (self, domain_uuid, FALSE);

  return list ? list->len : 0;
}

VbSnapshot *
vb_snapshot_registry_get_current (VbSnapshotRegistry *self, const char *domain_uuid)
{
  GPtrArray *list = domain_list (self, domain_uuid, FALSE);

  for (guint i = 0; list && i < list->len; i++)
    if (vb_snapshot_get_current (list->pdata[i]))
      return list->pdata[i];
  return NULL;
}

void
vb_snapshot_registry_set_current (VbSnapshotRegistry *self, const char *domain_uuid,
                                  VbSnapshot *snapshot)
{
  VbSnapshot *old = vb_snapshot_registry_get_current (self, domain_uuid);

  if (old == snapshot)
    return;
  if (old)
    set_current (old, FALSE);
  if (snapshot)
    set_current (snapshot, TRUE);
  vb_model_generation_advance ();
  g_signal_emit (self, signals[CURRENT_CHANGED], 0, domain_uuid);
}
