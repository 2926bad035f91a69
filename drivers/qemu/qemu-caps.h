/* What a QEMU binary can do, probed once and cached.
 *
 * The probe starts the binary with no machine (-machine none) and asks over
 * QMP for its version, machine types, CPU models, migration capabilities, whether
 * virtio-net-pci has the failover property, and whether it sees KVM; it also
 * runs the KVM probe (kvm-probe.h). Both run QEMU as guests run it: as the
 * QEMU user when there is one, under -sandbox. The result is cached as JSON
 * in a cache directory, keyed on the binary's real path, size and mtime, on
 * the user it ran as (that user may lack the /dev/kvm root has) and on
 * whether /dev/kvm exists, so a daemon restart costs nothing and an upgraded
 * QEMU is probed again. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  char *name;  /* "pc-i440fx-7.2" */
  char *alias; /* "pc", or NULL */
  gboolean is_default;
  gint64 cpu_max;
  gboolean deprecated;
} VbQemuMachine;

typedef struct {
  char *name;      /* "Skylake-Client", "qemu64" */
  char *alias_of;  /* the versioned model it names ("qemu64-v1"), or NULL */
  gboolean usable; /* QEMU's TCG can run it (no unavailable-features) */
  gboolean deprecated;
} VbQemuCpuModel;

/* Refcounted; read-only once returned. */
typedef struct {
  char *binary;  /* real path of the binary probed */
  char *arch;    /* query-target: "x86_64" */
  char *version; /* "7.2.22" */
  char *package; /* distribution's package string, may be "" */
  GPtrArray *machines;  /* VbQemuMachine*, in QEMU's order */
  GPtrArray *cpu_models; /* VbQemuCpuModel*, from query-cpu-definitions (TCG's view) */
  GStrv migration_caps; /* names from query-migrate-capabilities */
  gboolean virtio_net_failover;
  gboolean kvm_present; /* query-kvm "present": QEMU sees the module */
  gboolean kvm_usable;  /* the KVM probe booted a guest */
  char *kvm_why;        /* why not, when !kvm_usable */
  gboolean from_cache;  /* this result was read from the cache file */

  /*< private >*/
  gatomicrefcount ref_count;
} VbQemuCaps;

#define VB_TYPE_QEMU_CAPS (vb_qemu_caps_get_type ())
GType vb_qemu_caps_get_type (void) G_GNUC_CONST;

VbQemuCaps *vb_qemu_caps_ref (VbQemuCaps *caps);
void vb_qemu_caps_unref (VbQemuCaps *caps);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuCaps, vb_qemu_caps_unref)

/* The capabilities of @binary (a path, or a name looked up in PATH) run as
 * the user @run_as (the QEMU user; NULL: the service's own user), from
 * @cache_dir when the cached entry still matches the binary and the user,
 * else probed and written there. @cache_dir is created if needed; NULL means
 * no caching. Fails as vb_user_lookup() does when @run_as is no usable
 * user. */
void vb_qemu_caps_get_async (const char *binary,
                             const char *run_as,
                             const char *cache_dir,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data);

VbQemuCaps *vb_qemu_caps_get_finish (GAsyncResult *result, GError **error);

/* How many real probes (QEMU started) this process has run: lets tests tell
 * a cache hit from a probe. */
guint vb_qemu_caps_get_probe_count (void);

gboolean vb_qemu_caps_has_migration_cap (VbQemuCaps *caps, const char *name);

/* The machine type QEMU uses without -machine ("pc-i440fx-7.2"), or NULL. */
const VbQemuMachine *vb_qemu_caps_get_default_machine (VbQemuCaps *caps);

/* Finds a machine by name or alias ("q35" finds "pc-q35-7.2"). */
const VbQemuMachine *vb_qemu_caps_find_machine (VbQemuCaps *caps, const char *name);

/* A libvirt-capabilities-like <guest> element: os type hvm, arch x86_64 with
 * the emulator, the machine types and the domain types (qemu, and kvm when
 * usable), then <features> with the migration capabilities and failover. */
char *vb_qemu_caps_format_xml (VbQemuCaps *caps);

G_END_DECLS
