#include "volume.h"

#include "model-generation.h"

struct _VbVolume {
  GObject parent;
  VbVolumeDef *def;
  char *key;
  char *path;
};

G_DEFINE_FINAL_TYPE (VbVolume, vb_volume, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
vb_volume_finalize (GObject *object)
{
  VbVolume *self = VB_VOLUME (object);

  vb_volume_def_free (self->def);
  g_free (self->key);
  g_free (self->path);
  G_OBJECT_CLASS (vb_volume_parent_class)->finalize (object);
}

static void
vb_volume_class_init (VbVolumeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_volume_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
vb_volume_init (VbVolume *self)
{
}

VbVolume *
vb_volume_new (VbVolumeDef *def, const char *key, const char *path)
{
  VbVolume *self = g_object_new (VB_TYPE_VOLUME, NULL);

  self->def = def;
  self->key = g_strdup (key);
  self->path = g_strdup (path);
  return self;
}

const VbVolumeDef *
vb_volume_get_def (VbVolume *self)
{
  return self->def;
}

const char *
vb_volume_get_name (VbVolume *self)
{
  return self->def->name;
}

const char *
vb_volume_get_key (VbVolume *self)
{
  return self->key;
}

const char *
vb_volume_get_path (VbVolume *self)
{
  return self->path;
}

const char *
vb_volume_get_format (VbVolume *self)
{
  return self->def->format;
}

guint64
vb_volume_get_capacity (VbVolume *self)
{
  return self->def->capacity;
}

guint64
vb_volume_get_allocation (VbVolume *self)
{
  return self->def->allocation;
}

void
vb_volume_set_sizes (VbVolume *self, guint64 capacity, guint64 allocation)
{
  self->def->capacity = capacity;
  self->def->allocation = allocation;
  vb_model_generation_advance ();
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

char *
vb_volume_format_xml (VbVolume *self)
{
  return vb_volume_def_format (self->def, self->key, self->path);
}
