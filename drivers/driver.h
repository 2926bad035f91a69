/* The driver interface: what a driver fills in, and the host that holds the
 * drivers and the service state they work on. A driver sees this header and
 * the layers below it (service/model, service/conf, service/util); the
 * checked operations of service/ops call it. */
#pragma once

#include <gio/gio.h>

#include "config-store.h"
#include "disk-iotune.h"
#include "domain-device.h"
#include "domain-stat-devices.h"
#include "inventory.h"
#include "secret-store.h"
#include "snapshot-def.h"
#include "snapshot.h"
#include "vb-flags.h"

G_BEGIN_DECLS

typedef struct _VbDriverHost VbDriverHost;

typedef enum {
  VB_DOMAIN_OP_START,
  VB_DOMAIN_OP_SHUTDOWN,
  VB_DOMAIN_OP_DESTROY,
  VB_DOMAIN_OP_REBOOT,
  VB_DOMAIN_OP_SUSPEND,
  VB_DOMAIN_OP_RESUME,
  /* Domain actions: the running guest is reset (QMP system_reset) or
   * gets a non-maskable interrupt; neither changes State. */
  VB_DOMAIN_OP_RESET,
  VB_DOMAIN_OP_INJECT_NMI,
  /* A guest suspended by its power management (pmsuspended) wakes up
   * (QMP system_wakeup); the driver reports the wakeup. */
  VB_DOMAIN_OP_PM_WAKEUP,
} VbDomainOp;

const char *vb_domain_op_to_string (VbDomainOp op);

/* A hypervisor driver. Every operation is asynchronous; the driver reports
 * what happens to the domain through vb_domain_set_state() and
 * vb_domain_emit_lifecycle(), also for changes nobody asked for (a guest that
 * powers itself off, a QEMU that dies). The generic layer (domain-api.c) has
 * already taken the domain's lock and checked that @op fits the state. */
typedef struct {
  const char *name;
  /* Whether its guests go on running when the service exits (a hypervisor
   * process of their own, taken over by domain_loaded and adopt_running at
   * the next start), as the service's exit summary reports. */
  gboolean outlives_service;
  /* Called once when the driver is registered (e.g. to probe the host). May be NULL. */
  void (*init) (VbDriverHost *host);
  /* Whether the driver runs <domain type=@type>. */
  gboolean (*handles_type) (const char *type);
  /* Driver specific checks when a domain is defined or created; refuse what
   * cannot run with VB_ERROR_NOT_SUPPORTED naming the element. May be NULL. */
  gboolean (*validate) (VbDriverHost *host, const VbDomainDef *def, GError **error);
  /* After validate, at define and create: @def's XML with what the driver
   * will run and the XML does not say filled in (libvirt's post-parse: the
   * canonical machine type, implicit controllers, ...), so that what is
   * stored is what runs. NULL with @error when it cannot. May be NULL. */
  char *(*complete) (VbDriverHost *host, const VbDomainDef *def, GError **error);
  void (*op_async) (VbDriverHost *host, VbDomain *domain, VbDomainOp op, guint flags,
                    GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer user_data);
  gboolean (*op_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* Called once per persistent domain loaded at start-up, before autostart:
   * a driver whose guests outlive the service reattaches here. May be NULL. */
  void (*domain_loaded) (VbDriverHost *host, VbDomain *domain);
  /* Called when the domain leaves the inventory. May be NULL. */
  void (*domain_removed) (VbDriverHost *host, VbDomain *domain);
  /* After the persistent domains are loaded: the transient domains that
   * still run, as new transient VbDomains (a reference each, not in the
   * inventory). The generic layer adds each to the inventory, then calls
   * domain_loaded on it, where the driver reattaches. May be NULL. */
  GPtrArray *(*adopt_running) (VbDriverHost *host);
  /* A new connection to the domain's serial console; @flags as
   * Domain.OpenConsole. NULL when the driver has no consoles. */
  int (*open_console) (VbDriverHost *host, VbDomain *domain, guint flags, GError **error);
  /* A socket connected to the display server of the @index-th <graphics>
   * of the running domain (Domain.OpenGraphics; @flags checked already:
   * VB_GRAPHICS_SKIPAUTH or 0); completes with the descriptor, the caller's
   * to close. NULL when the driver has no displays. */
  void (*open_graphics_async) (VbDriverHost *host, VbDomain *domain, guint index, guint flags,
                               GAsyncReadyCallback callback, gpointer user_data);
  int (*open_graphics_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* The counters of the active @domain for @groups (VB_STATS_* bits, never
   * 0) as a{sv}, keys and types as Domain.GetStats: cpu.*, balloon.* but
   * .maximum, vcpu.N.*, net.*, and block.N.* counters where N is the index in
   * vb_domain_stat_disks() of the live definition (and .capacity when the
   * hypervisor knows it). The generic layer adds state.*, balloon.maximum,
   * vcpu.current/.maximum, block.count, block.N.name/.path and the sizes of
   * the image files; what the driver gives wins. NULL when the driver has
   * no counters. */
  void (*get_stats_async) (VbDriverHost *host, VbDomain *domain, guint groups,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data);
  GVariant *(*get_stats_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* The <guest> elements of the capabilities XML, indented by two spaces. May be NULL. */
  char *(*capabilities_xml) (VbDriverHost *host);
  /* Completes when what capabilities_xml reports is known (a probe ran). May be NULL. */
  void (*ready_async) (VbDriverHost *host, GAsyncReadyCallback callback, gpointer user_data);
  void (*ready_finish) (GAsyncResult *result);
  /* TRUE when ready_async would complete at once, with nothing left to wait
   * for (then callers go on without a turn of the main loop). May be NULL:
   * ready_async is always asked. */
  gboolean (*is_ready) (VbDriverHost *host);

  /* Live migration (NULL: the driver cannot migrate). The generic layer
   * (migration-api.c) talks to the peer service; the driver moves the guest.
   * @params is the a{sv} of Domain.Migrate, checked already. */
  /* Destination: run the incoming side of @domain (transient, its live
   * definition set, its lock held); completes with an a{sv} holding "uri"
   * (where the source's hypervisor sends the stream) and what was agreed. */
  void (*migrate_prepare_async) (VbDriverHost *host, VbDomain *domain, GVariant *params,
                                 guint flags, GAsyncReadyCallback callback, gpointer user_data);
  GVariant *(*migrate_prepare_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* Source: send the guest to @uri, updating @job; completes when the
   * stream is done (or failed, or was cancelled through the job). */
  void (*migrate_perform_async) (VbDriverHost *host, VbDomain *domain, const char *uri,
                                 GVariant *params, guint flags, VbJob *job,
                                 GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*migrate_perform_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* Destination: the source says how it ended. On @success, completes once
   * the guest has arrived whole (the hypervisor loaded the entire stream)
   * and runs (paused with VB_MIGRATE_PAUSED), and fails, ending the incoming
   * guest, when it did not: the source then keeps its guest. Without
   * @success the incoming guest is ended. */
  void (*migrate_finish_async) (VbDriverHost *host, VbDomain *domain, gboolean success,
                                guint flags, GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*migrate_finish_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* Source: after the destination finished; on success the guest here ends
   * (reason migrated), on failure it runs on as before. */
  void (*migrate_confirm) (VbDriverHost *host, VbDomain *domain, gboolean success);
  /* While a migration runs: "start-postcopy", "max-speed" (bytes/s),
   * "max-downtime" (ms). */
  gboolean (*migrate_control) (VbDriverHost *host, VbDomain *domain, const char *what,
                               guint64 value, GError **error);

  /* Save and restore (save-api.c). NULL: the driver cannot save. */
  /* Stops the guest and writes its state into @fd (the image file,
   * positioned after the header; the driver passes a dup on and keeps no
   * copy) until the stream ends; @job's cancellable stops it. The domain's
   * lock is held. */
  void (*save_async) (VbDriverHost *host, VbDomain *domain, int fd, VbJob *job,
                      GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*save_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* After save_async and the image's commit: on @success the guest ends
   * (shutoff, reason saved) and this completes when it has; otherwise it
   * goes on as before the save (running again when @resume). */
  void (*save_end_async) (VbDriverHost *host, VbDomain *domain, gboolean success,
                          gboolean resume, GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*save_end_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* Starts the domain's live definition with the state read from @fd (a
   * file positioned at the stream; the driver dups what it keeps), then
   * runs it unless @paused; the domain's lock is held. */
  void (*restore_async) (VbDriverHost *host, VbDomain *domain, int fd, gboolean paused,
                         GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*restore_finish) (VbDomain *domain, GAsyncResult *result, GError **error);

  /* Block copy (block-copy-api.c). NULL: the driver cannot copy disks. */
  /* Mirrors disk @target of the running @domain (the generic layer has
   * checked the call and holds the lock) to @path in @format ("raw" or
   * "qcow2"), creating @path first unless VB_BLOCK_COPY_REUSE_EXT; @params
   * as Domain.BlockCopy's. Completes once the mirror runs. From then on the
   * driver updates @job (copying, ready, pivoting, cancelling) and ends it:
   * completed when the guest uses the copy, cancelled when it kept the
   * original, failed otherwise (also when the hypervisor ends). It serves
   * Job.Cancel and the job's "pivot" and "set-bandwidth" actions. */
  void (*block_copy_async) (VbDriverHost *host, VbDomain *domain, const char *target,
                            const char *path, const char *format, GVariant *params, guint flags,
                            VbJob *job, GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*block_copy_finish) (VbDomain *domain, GAsyncResult *result, GError **error);

  /* Snapshots (snapshot-api.c). NULL: the driver has no snapshots. The
   * generic layer holds the domain's lock, has checked the state and aligned
   * @def with the domain's disks (vb_snapshot_def_align); it keeps the
   * metadata and the persistent definition, the driver the images, QEMU and
   * the live definition. */
  /* Takes the snapshot @def describes: internal (memory too when the domain
   * runs) or external (for a running domain: the guest switches to the new
   * overlays and the live definition names them). */
  void (*snapshot_create_async) (VbDriverHost *host, VbDomain *domain, const VbSnapshotDef *def,
                                 GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*snapshot_create_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* Internal snapshots: brings the disks back (and the memory, when the
   * domain runs: the generic layer started it paused if needed; @run says
   * whether the vCPUs run afterwards). External ones, of a shut-off domain
   * only: makes the fresh overlays @def's disks name (source on backing). */
  void (*snapshot_revert_async) (VbDriverHost *host, VbDomain *domain, const VbSnapshotDef *def,
                                 gboolean run, GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*snapshot_revert_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* Removes an internal snapshot's data from the images. */
  void (*snapshot_delete_async) (VbDriverHost *host, VbDomain *domain, const VbSnapshotDef *def,
                                 GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*snapshot_delete_finish) (VbDomain *domain, GAsyncResult *result, GError **error);

  /* Device hotplug (device-api.c). NULL: the driver cannot change devices live. */
  /* Adds @device (checked: nothing in the live definition clashes with it)
   * to the running guest and to its live definition, with the address it
   * got. The generic layer holds the domain's lock. */
  void (*attach_device_async) (VbDriverHost *host, VbDomain *domain, const VbDomainDevice *device,
                               GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*attach_device_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* Removes the device of the live definition that @device names (it is
   * there); completes once the guest has released it, or fails and leaves
   * it in place (e.g. the guest did not release it in time). */
  void (*detach_device_async) (VbDriverHost *host, VbDomain *domain, const VbDomainDevice *device,
                               GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*detach_device_finish) (VbDomain *domain, GAsyncResult *result, GError **error);

  /* Interface addresses (interface-addresses.c). May be NULL. */
  /* The host device (a tap) of the active @domain's interface with @mac
   * (lower case), NULL when it has none: the name InterfaceAddresses gives
   * the interface when the definition names no <target dev>. */
  char *(*interface_device) (VbDriverHost *host, VbDomain *domain, const char *mac);

  /* Manager.GetDomainCapabilities (domain-api.c checked the flags): libvirt's
   * domainCapabilities document for @emulator, @arch, @machine (a name or
   * an alias; the document names the canonical one) and @virttype, each ""
   * for the driver's default. Only what the driver's validate accepts is
   * offered. An emulator, arch, machine or type the driver does not have
   * fails with VB_ERROR_INVALID_ARGUMENT. NULL: the driver has none. */
  void (*domain_capabilities_async) (VbDriverHost *host, const char *emulator, const char *arch,
                                     const char *machine, const char *virttype,
                                     GAsyncReadyCallback callback, gpointer user_data);
  char *(*domain_capabilities_finish) (GAsyncResult *result, GError **error);
  /* Domain actions. NULL: the driver cannot (the generic layer answers
   * NotSupported). The generic layer holds the domain's lock and has
   * checked the flags, the values and that the domain is active. */
  /* Domain.SendKey: presses @n_keys keys (QEMU key numbers, translated
   * already) in order and releases them together after @holdtime_ms (0: the
   * driver's default). */
  void (*send_key_async) (VbDriverHost *host, VbDomain *domain, const guint *qnums, guint n_keys,
                          guint holdtime_ms, GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*send_key_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* The live changes below get @changed: the live definition as it is to
   * be afterwards (parsed and checked); on success the driver makes a copy
   * of it the domain's live definition, on failure the old one stays. */
  /* Domain.SetMemory LIVE: the balloon's target becomes
   * @changed->current_memory_kib. Fails with OperationInvalid when the guest
   * has no balloon. */
  void (*set_memory_async) (VbDriverHost *host, VbDomain *domain, const VbDomainDef *changed,
                            GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*set_memory_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* Domain.SetVcpus LIVE: the running guest gets @changed->current_vcpus
   * vCPUs (more than now: removing is refused before); the new ones are
   * those @changed's <vcpus> (vcpu_states) enables as hotpluggable and the
   * live definition does not, in their order. */
  void (*set_vcpus_async) (VbDriverHost *host, VbDomain *domain, const VbDomainDef *changed,
                           GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*set_vcpus_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* Domain.UpdateDevice LIVE: the drive with target @target gets the medium
   * it has in @changed (only that differs), or is emptied when it has no
   * <source> there; @force opens a tray the guest keeps locked. */
  void (*change_media_async) (VbDriverHost *host, VbDomain *domain, const char *target,
                              const VbDomainDef *changed, gboolean force,
                              GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*change_media_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* Domain.UpdateDevice LIVE of a virtio-mem: the device with alias @alias
   * gets the <requested> size it has in @changed (checked already), which
   * then becomes the live definition. */
  void (*update_virtio_mem_async) (VbDriverHost *host, VbDomain *domain, const char *alias,
                                   const VbDomainDef *changed, GAsyncReadyCallback callback,
                                   gpointer user_data);
  gboolean (*update_virtio_mem_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* Domain.SetBlockIoTune LIVE: the disk @target gets the limits (<iotune>)
   * it has in @changed (checked already). */
  void (*set_block_iotune_async) (VbDriverHost *host, VbDomain *domain, const char *target,
                                  const VbDomainDef *changed, GAsyncReadyCallback callback,
                                  gpointer user_data);
  gboolean (*set_block_iotune_finish) (VbDomain *domain, GAsyncResult *result, GError **error);
  /* Domain.GetBlockIoTune LIVE: the limits the hypervisor applies to the
   * disk @target. NULL: those of the live definition are answered. */
  void (*get_block_iotune_async) (VbDriverHost *host, VbDomain *domain, const char *target,
                                  GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*get_block_iotune_finish) (VbDomain *domain, GAsyncResult *result,
                                       VbDiskIoTune *tune, GError **error);

} VbDomainDriver;

typedef enum {
  VB_NETWORK_OP_START,
  VB_NETWORK_OP_STOP,
} VbNetworkOp;

typedef struct {
  const char *name;
  /* Whether its active networks (bridges, firewall rules, dnsmasq) stay when
   * the service exits, taken over by network_loaded and adopt_running at the
   * next start. */
  gboolean outlives_service;
  gboolean (*validate) (VbDriverHost *host, const VbNetworkDef *def, GError **error);
  void (*op_async) (VbDriverHost *host, VbNetwork *network, VbNetworkOp op, guint flags,
                    GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer user_data);
  gboolean (*op_finish) (VbNetwork *network, GAsyncResult *result, GError **error);
  void (*network_loaded) (VbDriverHost *host, VbNetwork *network);
  /* Members below may be NULL: the generic layer then answers NotSupported
   * (or does nothing, for adopt_running). */
  /* Network.GetDHCPLeases: the leases as aa{sv} (libvirt's keys). */
  void (*get_dhcp_leases_async) (VbDriverHost *host, VbNetwork *network,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
  GVariant *(*get_dhcp_leases_finish) (VbNetwork *network, GAsyncResult *result,
                                       GError **error);
  /* Network.Update, with the network's lock held and the flags checked. */
  void (*update_async) (VbDriverHost *host, VbNetwork *network, guint command, guint section,
                        int parent_index, const char *xml, guint flags,
                        GCancellable *cancellable, GAsyncReadyCallback callback,
                        gpointer user_data);
  gboolean (*update_finish) (VbNetwork *network, GAsyncResult *result, GError **error);
  /* After the persistent networks are loaded: transient networks that still
   * run, as new transient VbNetworks for the inventory (a reference each). */
  GPtrArray *(*adopt_running) (VbDriverHost *host);
} VbNetworkDriver;

typedef enum {
  VB_POOL_OP_START,
  VB_POOL_OP_STOP,
  VB_POOL_OP_REFRESH,
} VbPoolOp;

typedef struct {
  const char *name;
  /* Whether the driver runs <pool type=@type>. */
  gboolean (*handles_type) (const char *type);
  gboolean (*validate) (VbDriverHost *host, const VbPoolDef *def, GError **error);
  void (*op_async) (VbDriverHost *host, VbPool *pool, VbPoolOp op, guint flags,
                    GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer user_data);
  gboolean (*op_finish) (VbPool *pool, GAsyncResult *result, GError **error);
  /* Creates the volume and adds it to the pool (vb_pool_add_volume). */
  void (*create_volume_async) (VbDriverHost *host, VbPool *pool, VbVolumeDef *def,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
  VbVolume *(*create_volume_finish) (VbPool *pool, GAsyncResult *result, GError **error);
  /* Deletes the data and removes the volume from the pool. */
  void (*delete_volume_async) (VbDriverHost *host, VbPool *pool, VbVolume *volume,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
  gboolean (*delete_volume_finish) (VbPool *pool, GAsyncResult *result, GError **error);
  /* Forgets whatever the driver keeps for an undefined pool. May be NULL. */
  void (*pool_undefined) (VbDriverHost *host, VbPool *pool);
  /* The members below may be NULL: the generic layer (storage-api.c) then
   * answers VB_ERROR_NOT_SUPPORTED. It has taken the pool's lock and checked
   * the pool's state (inactive for build and delete, active for the rest). */
  /* Makes what the pool lives on (a dir pool: its directory). */
  void (*build_async) (VbDriverHost *host, VbPool *pool, guint flags, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*build_finish) (VbPool *pool, GAsyncResult *result, GError **error);
  /* Removes what build made; refuses when volumes are left in it. */
  void (*delete_async) (VbDriverHost *host, VbPool *pool, guint flags, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*delete_finish) (VbPool *pool, GAsyncResult *result, GError **error);
  /* A new volume @def holding the data of @source (same pool), added to the pool. */
  void (*clone_volume_async) (VbDriverHost *host, VbPool *pool, VbVolumeDef *def,
                              VbVolume *source, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
  VbVolume *(*clone_volume_finish) (VbPool *pool, GAsyncResult *result, GError **error);
  /* Changes the capacity; flags as StorageVolume.Resize. */
  void (*resize_volume_async) (VbDriverHost *host, VbPool *pool, VbVolume *volume,
                               guint64 capacity, guint flags, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*resize_volume_finish) (VbPool *pool, GAsyncResult *result, GError **error);
  /* Makes the volume read as zeroes. */
  void (*wipe_volume_async) (VbDriverHost *host, VbPool *pool, VbVolume *volume, guint flags,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
  gboolean (*wipe_volume_finish) (VbPool *pool, GAsyncResult *result, GError **error);
  /* Starts copying between @fd (taken, also on failure) and the volume's
   * bytes, from the client to the volume when @upload; returns at once and
   * reports progress and the end through @job (which it may not add to the
   * inventory: the caller does). */
  gboolean (*transfer_volume) (VbDriverHost *host, VbPool *pool, VbVolume *volume, VbJob *job,
                               int fd, gboolean upload, guint64 offset, guint64 length,
                               GError **error);
} VbStorageDriver;

/* The host: service state plus the registered drivers. */
VbDriverHost *vb_driver_host_new (VbInventory *inventory, VbConfigStore *store,
                                  const char *run_dir, gboolean system_mode);
/* Domain ids are unique on the host across drivers; adopted domains keep theirs. */
int vb_driver_host_next_domain_id (VbDriverHost *host);
void vb_driver_host_note_domain_id (VbDriverHost *host, int id);
/* Settings drivers read, e.g. "qemu-binary", "qemu-user"; NULL when unset. */
void vb_driver_host_set_setting (VbDriverHost *host, const char *key, const char *value);
const char *vb_driver_host_get_setting (VbDriverHost *host, const char *key);
void vb_driver_host_free (VbDriverHost *host);

VbInventory *vb_driver_host_get_inventory (VbDriverHost *host);
VbConfigStore *vb_driver_host_get_store (VbDriverHost *host);
/* The secrets disks name (Manager.DefineSecret); loaded at start-up. */
VbSecretStore *vb_driver_host_get_secrets (VbDriverHost *host);
/* Every snapshot the service holds (empty until snapshot-store.c loads it). */
VbSnapshotRegistry *vb_driver_host_get_snapshots (VbDriverHost *host);
const char *vb_driver_host_get_state_dir (VbDriverHost *host);
const char *vb_driver_host_get_run_dir (VbDriverHost *host);
gboolean vb_driver_host_get_system_mode (VbDriverHost *host);

void vb_driver_host_add_domain_driver (VbDriverHost *host, const VbDomainDriver *driver);
void vb_driver_host_add_storage_driver (VbDriverHost *host, const VbStorageDriver *driver);
/* Networks have one driver per service (virtbusd --network-driver). */
void vb_driver_host_set_network_driver (VbDriverHost *host, const VbNetworkDriver *driver);

const VbDomainDriver *vb_driver_host_find_domain_driver (VbDriverHost *host, const char *type);
const VbDomainDriver *vb_driver_host_get_domain_driver (VbDriverHost *host, const char *name);
const VbStorageDriver *vb_driver_host_find_storage_driver (VbDriverHost *host,
                                                          const char *type);
const VbStorageDriver *vb_driver_host_get_storage_driver (VbDriverHost *host,
                                                         const char *name);
const VbNetworkDriver *vb_driver_host_get_network_driver (VbDriverHost *host);
/* The names of all drivers, without duplicates, for Manager.Drivers. */
GStrv vb_driver_host_list_driver_names (VbDriverHost *host);
/* Every domain driver, in registration order. */
GPtrArray *vb_driver_host_list_domain_drivers (VbDriverHost *host);

G_END_DECLS
