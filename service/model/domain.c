#include "domain.h"
#include "model-generation.h"
#include "vb-error.h"

struct _VbDomain {
  VbResource parent;
  VbDomainDef *def;
  VbDomainDef *live_def;
  VbDomainState state;
  char *reason;
  int id;
  char *block_copy;
  gboolean managed_save;
  guint64 migration_max_speed;
};

G_DEFINE_FINAL_TYPE (VbDomain, vb_domain, VB_TYPE_RESOURCE)

enum {
  SIGNAL_LIFECYCLE,
  /* domain actions: what the guest's devices do */
  SIGNAL_DEVICE_REMOVED,
  SIGNAL_TRAY_CHANGE,
  SIGNAL_BALLOON_CHANGE,
  SIGNAL_WATCHDOG,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

const char *
vb_domain_state_to_string (VbDomainState state)
{
  switch (state)
    {
    case VB_DOMAIN_SHUTOFF:
      return "shutoff";
    case VB_DOMAIN_RUNNING:
      return "running";
    case VB_DOMAIN_PAUSED:
      return "paused";
    case VB_DOMAIN_SHUTDOWN:
      return "shutdown";
    case VB_DOMAIN_CRASHED:
      return "crashed";
    case VB_DOMAIN_PMSUSPENDED:
      return "pmsuspended";
    }
  return "unknown";
}

static void
vb_domain_finalize (GObject *object)
{
  VbDomain *self = VB_DOMAIN (object);

  vb_domain_def_free (self->def);
  vb_domain_def_free (self->live_def);
  g_free (self->reason);
  g_free (self->block_copy);
  G_OBJECT_CLASS (vb_domain_parent_class)->finalize (object);
}

static void
vb_domain_class_init (VbDomainClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_domain_finalize;
  VB_RESOURCE_CLASS (klass)->kind = "domain";
  signals[SIGNAL_LIFECYCLE] = g_signal_new ("lifecycle", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_DEVICE_REMOVED] =
    g_signal_new ("device-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_TRAY_CHANGE] =
    g_signal_new ("tray-change", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT);
  signals[SIGNAL_BALLOON_CHANGE] =
    g_signal_new ("balloon-change", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
  signals[SIGNAL_WATCHDOG] = g_signal_new ("watchdog", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
vb_domain_init (VbDomain *self)
{
  self->state = VB_DOMAIN_SHUTOFF;
  self->reason = g_strdup ("unknown");
  self->id = -1;
}

VbDomain *
vb_domain_new (VbDomainDef *def, const char *driver, gboolean persistent)
{
  VbDomain *self = g_object_new (VB_TYPE_DOMAIN, NULL);

  vb_resource_set_driver (VB_RESOURCE (self), driver);
  vb_domain_set_def (self, def);
  vb_resource_set_persistent (VB_RESOURCE (self), persistent);
  return self;
}

const VbDomainDef *
vb_domain_get_def (VbDomain *self)
{
  return self->def;
}

void
vb_domain_set_def (VbDomain *self, VbDomainDef *def)
{
  vb_domain_def_free (self->def);
  self->def = def;
  vb_resource_set_identity (VB_RESOURCE (self), def->name, def->uuid);
  vb_resource_changed (VB_RESOURCE (self));
}

const VbDomainDef *
vb_domain_get_live_def (VbDomain *self)
{
  return self->live_def;
}

void
vb_domain_set_live_def (VbDomain *self, VbDomainDef *def)
{
  vb_domain_def_free (self->live_def);
  self->live_def = def;
  vb_resource_changed (VB_RESOURCE (self));
}

VbDomainState
vb_domain_get_state (VbDomain *self)
{
  return self->state;
}

const char *
vb_domain_get_state_reason (VbDomain *self)
{
  return self->reason;
}

int
vb_domain_get_id (VbDomain *self)
{
  return self->id;
}

gboolean
vb_domain_is_active (VbDomain *self)
{
  /* "crashed" with a live process is libvirt's on_crash='preserve': still active. */
  return self->state != VB_DOMAIN_SHUTOFF;
}

void
vb_domain_set_state (VbDomain *self, VbDomainState state, const char *reason, int id)
{
  self->state = state;
  g_free (self->reason);
  self->reason = g_strdup (reason);
  self->id = id;
  vb_resource_changed (VB_RESOURCE (self));
}

/* The events advance the model's generation too: a client that reads after
 * one must not be answered from before it, even when the driver updates the
 * model only after emitting it (a device's removal, say). */
void
vb_domain_emit_lifecycle (VbDomain *self, const char *event, const char *detail)
{
  vb_model_generation_advance ();
  g_signal_emit (self, signals[SIGNAL_LIFECYCLE], 0, event, detail);
}

void
vb_domain_emit_device_removed (VbDomain *self, const char *alias)
{
  vb_model_generation_advance ();
  g_signal_emit (self, signals[SIGNAL_DEVICE_REMOVED], 0, alias);
}

void
vb_domain_emit_tray_change (VbDomain *self, const char *alias, int reason)
{
  vb_model_generation_advance ();
  g_signal_emit (self, signals[SIGNAL_TRAY_CHANGE], 0, alias, reason);
}

void
vb_domain_emit_balloon_change (VbDomain *self, guint64 kib)
{
  vb_model_generation_advance ();
  g_signal_emit (self, signals[SIGNAL_BALLOON_CHANGE], 0, kib);
}

void
vb_domain_emit_watchdog (VbDomain *self, const char *action)
{
  vb_model_generation_advance ();
  g_signal_emit (self, signals[SIGNAL_WATCHDOG], 0, action);
}

const char *
vb_domain_get_block_copy (VbDomain *self)
{
  return self->block_copy;
}

void
vb_domain_set_block_copy (VbDomain *self, const char *disk)
{
  g_free (self->block_copy);
  self->block_copy = g_strdup (disk);
}

gboolean
vb_domain_refuse_if_block_copy (VbDomain *self, const char *operation, const char *disk,
                                GError **error)
{
  if (!self->block_copy || (disk && g_strcmp0 (disk, self->block_copy) != 0))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
               "%s refused: a block copy of disk '%s' is in progress (pivot or cancel its job "
               "first)",
               operation, self->block_copy);
  return FALSE;
}

gboolean
vb_domain_get_managed_save (VbDomain *self)
{
  return self->managed_save;
}

void
vb_domain_set_managed_save (VbDomain *self, gboolean managed_save)
{
  if (self->managed_save == managed_save)
    return;
  self->managed_save = managed_save;
  vb_resource_changed (VB_RESOURCE (self));
}

guint64
vb_domain_get_migration_max_speed (VbDomain *self)
{
  return self->migration_max_speed;
}

void
vb_domain_set_migration_max_speed (VbDomain *self, guint64 mib_per_s)
{
  /* No property shows it: nothing to announce. */
  self->migration_max_speed = mib_per_s;
}
