/* The files and sockets of the host that a domain definition (or one of its
 * devices alone) names: what the service and QEMU, as root, open, create or
 * run for the guest. The authorization of a definition asks more of a
 * caller whose XML names such paths outside the storage pools. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

typedef enum {
  VB_HOST_PATH_FILE,     /* read or written for the guest: disks, kernels, logs, sockets */
  VB_HOST_PATH_FIRMWARE, /* firmware code or an NVRAM template: read only */
  VB_HOST_PATH_EMULATOR, /* the program run as the guest's hypervisor */
  VB_HOST_PATH_ENTROPY,  /* the host device an RNG reads */
} VbHostPathRole;

typedef struct {
  char *path; /* as the XML writes it */
  VbHostPathRole role;
} VbHostPath;

void vb_host_path_free (VbHostPath *path);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbHostPath, vb_host_path_free)

/* Every host path that @xml names, in document order: @xml is a <domain>,
 * a device element alone (AttachDevice, BlockCopy's destination), or a
 * <domainsnapshot> (its external files: <disk><source file>, <memory file>). Reads
 * the elements whatever their type= says, so that nothing a parser or a
 * driver accepts is missed: any <source file|dev|dir|path|evdev>, <log file>,
 * <rom file>, <server path> (ivshmem), <os> <kernel|initrd|dtb|loader|nvram>,
 * <nvram template> and <source file>, ACPI <table>s, <sysinfo> <entry
 * file>, <pstore><path>, <emulator>, an RNG <backend>, a TPM's <backend>
 * <device path>, a smartcard's <database>, a <graphics socket> and a dbus
 * <graphics address>'s unix path= and noncefile=. Empty values (the driver's
 * default) are left out. A GPtrArray of VbHostPath; NULL with
 * VB_ERROR_INVALID_XML when @xml does not parse. */
GPtrArray *vb_domain_host_paths (const char *xml, GError **error);
/* The same of a document already parsed. */
GPtrArray *vb_domain_host_paths_of_doc (xmlDoc *doc);

G_END_DECLS
