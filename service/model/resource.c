#include "resource.h"

#include "model-generation.h"

typedef struct {
  char *name;
  char *uuid;
  char *log_name;
  char *driver;
  gboolean persistent;
  gboolean autostart;
  gpointer driver_data;
  GDestroyNotify driver_data_destroy;
  VbObjectLock *lock;
} VbResourcePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (VbResource, vb_resource, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
vb_resource_finalize (GObject *object)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (VB_RESOURCE (object));

  vb_resource_set_driver_data (VB_RESOURCE (object), NULL, NULL);
  vb_object_lock_free (priv->lock);
  g_free (priv->name);
  g_free (priv->uuid);
  g_free (priv->log_name);
  g_free (priv->driver);
  G_OBJECT_CLASS (vb_resource_parent_class)->finalize (object);
}

static void
vb_resource_class_init (VbResourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_resource_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
vb_resource_init (VbResource *self)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (self);

  priv->lock = vb_object_lock_new ();
}

void
vb_resource_set_identity (VbResource *self, const char *name, const char *uuid)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (self);

  g_free (priv->name);
  priv->name = g_strdup (name);
  g_free (priv->uuid);
  priv->uuid = g_strdup (uuid);
  g_free (priv->log_name);
  priv->log_name = g_strdup_printf ("%s/%s", vb_resource_get_kind (self), name);
}

const char *
vb_resource_get_name (VbResource *self)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (self);
  return priv->name;
}

const char *
vb_resource_get_uuid (VbResource *self)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (self);
  return priv->uuid;
}

const char *
vb_resource_get_kind (VbResource *self)
{
  return VB_RESOURCE_GET_CLASS (self)->kind;
}

const char *
vb_resource_get_log_name (VbResource *self)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (self);
  return priv->log_name;
}

gboolean
vb_resource_get_persistent (VbResource *self)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (self);
  return priv->persistent;
}

void
vb_resource_set_persistent (VbResource *self, gboolean persistent)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (self);

  priv->persistent = persistent;
  if (!persistent)
    priv->autostart = FALSE;
  vb_resource_changed (self);
}

gboolean
vb_resource_get_autostart (VbResource *self)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (self);
  return priv->autostart;
}

void
vb_resource_set_autostart (VbResource *self, gboolean autostart)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (self);

  priv->autostart = autostart;
  vb_resource_changed (self);
}

const char *
vb_resource_get_driver (VbResource *self)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (self);
  return priv->driver;
}

void
vb_resource_set_driver (VbResource *self, const char *driver)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (self);

  g_free (priv->driver);
  priv->driver = g_strdup (driver);
}

gpointer
vb_resource_get_driver_data (VbResource *self)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (self);
  return priv->driver_data;
}

void
vb_resource_set_driver_data (VbResource *self, gpointer data, GDestroyNotify destroy)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (self);

  if (priv->driver_data && priv->driver_data_destroy)
    priv->driver_data_destroy (priv->driver_data);
  priv->driver_data = data;
  priv->driver_data_destroy = destroy;
}

VbObjectLock *
vb_resource_get_lock (VbResource *self)
{
  VbResourcePrivate *priv = vb_resource_get_instance_private (self);
  return priv->lock;
}

void
vb_resource_changed (VbResource *self)
{
  vb_model_generation_advance ();
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}
