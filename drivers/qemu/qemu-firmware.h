/* The UEFI firmware the host has for QEMU guests (the loaders a domain's
 * capabilities offer): the executables QEMU's firmware descriptors name and
 * the OVMF builds installed beside them. Reads files: call it off the main
 * loop. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *path;      /* the code image, an existing file */
  gboolean secure; /* built with Secure Boot (needs SMM, so a q35 machine) */
} VbQemuFirmware;

void vb_qemu_firmware_free (VbQemuFirmware *firmware);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuFirmware, vb_qemu_firmware_free)

/* The firmware for guests of @arch on @machine (a canonical machine name):
 * first what the descriptors in @datadir/qemu/firmware/ (*.json, in name
 * order, for "uefi" on a "flash" device) list for that arch and machine,
 * then the OVMF_CODE*.fd files of @datadir/OVMF not listed yet (their
 * Secure Boot builds only on q35). Only files that exist; no duplicates.
 * @datadir is "/usr/share" on a real host. */
GPtrArray *vb_qemu_firmware_find (const char *datadir, const char *arch, const char *machine);

G_END_DECLS
