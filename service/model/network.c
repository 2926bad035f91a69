#include "network.h"

struct _VbNetwork {
  VbResource parent;
  VbNetworkDef *def;
  VbNetworkDef *live_def;
  gboolean active;
};

G_DEFINE_FINAL_TYPE (VbNetwork, vb_network, VB_TYPE_RESOURCE)

static void
vb_network_finalize (GObject *object)
{
  VbNetwork *self = VB_NETWORK (object);

  vb_network_def_free (self->def);
  vb_network_def_free (self->live_def);
  G_OBJECT_CLASS (vb_network_parent_class)->finalize (object);
}

static void
vb_network_class_init (VbNetworkClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_network_finalize;
  VB_RESOURCE_CLASS (klass)->kind = "network";
}

static void
vb_network_init (VbNetwork *self)
{
}

VbNetwork *
vb_network_new (VbNetworkDef *def, const char *driver, gboolean persistent)
{
  VbNetwork *self = g_object_new (VB_TYPE_NETWORK, NULL);

  vb_resource_set_driver (VB_RESOURCE (self), driver);
  vb_network_set_def (self, def);
  vb_resource_set_persistent (VB_RESOURCE (self), persistent);
  return self;
}

const VbNetworkDef *
vb_network_get_def (VbNetwork *self)
{
  return self->def;
}

void
vb_network_set_def (VbNetwork *self, VbNetworkDef *def)
{
  vb_network_def_free (self->def);
  self->def = def;
  vb_resource_set_identity (VB_RESOURCE (self), def->name, def->uuid);
  vb_resource_changed (VB_RESOURCE (self));
}

const VbNetworkDef *
vb_network_get_live_def (VbNetwork *self)
{
  return self->live_def;
}

void
vb_network_set_live_def (VbNetwork *self, VbNetworkDef *def)
{
  vb_network_def_free (self->live_def);
  self->live_def = def;
  vb_resource_changed (VB_RESOURCE (self));
}

gboolean
vb_network_get_active (VbNetwork *self)
{
  return self->active;
}

void
vb_network_set_active (VbNetwork *self, gboolean active)
{
  self->active = active;
  vb_resource_changed (VB_RESOURCE (self));
}

const char *
vb_network_get_bridge (VbNetwork *self)
{
  const VbNetworkDef *def = self->live_def ? self->live_def : self->def;
  return def->bridge ? def->bridge : "";
}
