/* What Domain.SetMemory, SetVcpus and UpdateDevice share: libvirt's
 * CURRENT / LIVE / CONFIG flags, the domain's lock, the new definitions
 * made off the main loop, the driver's change of the running guest, then
 * the persistent definition stored. Each call describes its own part in a
 * VbDefChangeClass. Internal to service/ops. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

typedef struct _VbDefChange VbDefChange;

typedef struct {
  const char *what;   /* for the lock and logs: "set memory" */
  const char *action; /* for messages: "change the memory of" */
  guint flags;        /* the flags the call takes besides LIVE and CONFIG */
  /* Lock held, flags resolved: refuses what cannot be done (values against
   * the definitions). May be NULL. */
  gboolean (*check) (VbDefChange *change, GError **error);
  /* In a worker thread: @def changed; @live says which definition it is. */
  VbDomainDef *(*edit) (VbDefChange *change, const VbDomainDef *def, gboolean live, GError **error);
  /* The driver's part for LIVE; NULL members mean the driver cannot. */
  gboolean (*driver_can) (const VbDomainDriver *driver);
  void (*live_async) (VbDefChange *change, const VbDomainDef *changed, GAsyncReadyCallback callback,
                      gpointer user_data);
  gboolean (*live_finish) (VbDefChange *change, GAsyncResult *result, GError **error);
  /* After success, what the log says happened. */
  char *(*describe) (VbDefChange *change);
} VbDefChangeClass;

/* Runs the change; @args belongs to the class (freed with @free_args) and
 * the call completes through vb_def_change_finish(). */
void vb_def_change_run (const VbDefChangeClass *klass, VbDriverHost *host, VbDomain *domain,
                        guint flags, gpointer args, GDestroyNotify free_args,
                        GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_def_change_finish (GAsyncResult *result, GError **error);

/* For the class's functions. */
VbDriverHost *vb_def_change_host (VbDefChange *change);
VbDomain *vb_def_change_domain (VbDefChange *change);
/* The domain's driver. */
const VbDomainDriver *vb_def_change_driver (VbDefChange *change);
gpointer vb_def_change_args (VbDefChange *change);
guint vb_def_change_flags (VbDefChange *change);
gboolean vb_def_change_live (VbDefChange *change);
gboolean vb_def_change_config (VbDefChange *change);
/* The definitions as they were when the lock was taken (NULL when not affected). */
const VbDomainDef *vb_def_change_live_def (VbDefChange *change);
const VbDomainDef *vb_def_change_config_def (VbDefChange *change);

G_END_DECLS
