/* A domain as the service knows it: its definitions and its runtime state.
 * Drivers change the state; the D-Bus object follows the "changed" and
 * "lifecycle" signals. */
#pragma once

#include "domain-def.h"
#include "resource.h"

G_BEGIN_DECLS

typedef enum {
  VB_DOMAIN_SHUTOFF,
  VB_DOMAIN_RUNNING,
  VB_DOMAIN_PAUSED,
  VB_DOMAIN_SHUTDOWN, /* the guest was asked to power off and has not yet */
  VB_DOMAIN_CRASHED,
  VB_DOMAIN_PMSUSPENDED,
} VbDomainState;

const char *vb_domain_state_to_string (VbDomainState state);

#define VB_TYPE_DOMAIN (vb_domain_get_type ())
G_DECLARE_FINAL_TYPE (VbDomain, vb_domain, VB, DOMAIN, VbResource)

/* Takes @def. The domain starts shut off with reason "unknown". */
VbDomain *vb_domain_new (VbDomainDef *def, const char *driver, gboolean persistent);

/* The definition the next boot uses (for a transient domain: the one it runs). */
const VbDomainDef *vb_domain_get_def (VbDomain *self);
/* Takes @def; the name and UUID follow it. */
void vb_domain_set_def (VbDomain *self, VbDomainDef *def);
/* The definition the running domain was started from; NULL when inactive. */
const VbDomainDef *vb_domain_get_live_def (VbDomain *self);
void vb_domain_set_live_def (VbDomain *self, VbDomainDef *def);

VbDomainState vb_domain_get_state (VbDomain *self);
const char *vb_domain_get_state_reason (VbDomain *self);
int vb_domain_get_id (VbDomain *self);
/* Active: has a hypervisor process (every state but shutoff). */
gboolean vb_domain_is_active (VbDomain *self);

/* Sets state and reason (kebab-case, as libvirt's) and the id (-1 when inactive). */
void vb_domain_set_state (VbDomain *self, VbDomainState state, const char *reason, int id);
/* Emits "lifecycle" with libvirt's event and detail in kebab-case. */
void vb_domain_emit_lifecycle (VbDomain *self, const char *event, const char *detail);
/* What the guest's devices did, as libvirt's events of the same names:
 * "device-removed" (the device @alias is gone from the guest),
 * "tray-change" (@reason 0 the tray of @alias opened, 1 it closed),
 * "balloon-change" (the guest's memory is now @kib),
 * "watchdog" (the guest's watchdog fired and QEMU did @action: reset,
 * shutdown, poweroff, pause, debug, none or inject-nmi). */
void vb_domain_emit_device_removed (VbDomain *self, const char *alias);
void vb_domain_emit_tray_change (VbDomain *self, const char *alias, int reason);
void vb_domain_emit_balloon_change (VbDomain *self, guint64 kib);
void vb_domain_emit_watchdog (VbDomain *self, const char *action);

/* The target (e.g. "vda") of the disk a block copy mirrors, NULL when none.
 * While a mirror exists the guest could not be started again with it, so
 * saves, snapshots, migration, detaching that disk and making the domain
 * persistent are refused (vb_domain_refuse_if_block_copy). */
const char *vb_domain_get_block_copy (VbDomain *self);
void vb_domain_set_block_copy (VbDomain *self, const char *disk);
/* FALSE with VB_ERROR_OPERATION_INVALID naming @operation and the disk when
 * a block copy runs; @disk (may be NULL) limits the check to that disk. */
gboolean vb_domain_refuse_if_block_copy (VbDomain *self, const char *operation,
                                         const char *disk, GError **error);

/* Whether a managed save image holds the guest's state: the next start
 * restores it (save-api.c keeps it true to the file). */
gboolean vb_domain_get_managed_save (VbDomain *self);
void vb_domain_set_managed_save (VbDomain *self, gboolean managed_save);

/* The migration speed limit set for the domain (MigrateSetMaxSpeed), MiB/s,
 * 0 for none: kept in memory while the service runs, as libvirt keeps it;
 * migration-api.c applies it to a migration that gives no bandwidth. */
guint64 vb_domain_get_migration_max_speed (VbDomain *self);
void vb_domain_set_migration_max_speed (VbDomain *self, guint64 mib_per_s);

G_END_DECLS
