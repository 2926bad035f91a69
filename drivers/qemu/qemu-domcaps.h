/* A QEMU domain's capabilities (Manager.GetDomainCapabilities) in libvirt's
 * domainCapabilities format: what this service accepts and runs for one
 * binary, arch, machine type and domain type. */
#pragma once

#include "driver.h"
#include "qemu-caps.h"

G_BEGIN_DECLS

/* The document for @machine (one of @caps' machines) under KVM when @kvm,
 * else TCG; @firmware (VbQemuFirmware*, qemu-firmware.h) are the UEFI
 * loaders found for it. Offers only what the command-line builder takes. */
char *vb_qemu_domcaps_format (const VbQemuCaps *caps, const VbQemuMachine *machine, gboolean kvm,
                              GPtrArray *firmware);

/* The driver's domain_capabilities member: @emulator "" (the default binary)
 * or one of the binaries the service runs; @arch "" or the binary's;
 * @machine "" (its default), a machine or an alias; @virttype "", "qemu" or
 * "kvm" ("" is kvm when usable). Unknown values fail with InvalidArgument,
 * kvm where it is not usable with NotSupported. */
void vb_qemu_domain_capabilities_async (VbDriverHost *host, const char *emulator, const char *arch,
                                        const char *machine, const char *virttype,
                                        GAsyncReadyCallback callback, gpointer user_data);
char *vb_qemu_domain_capabilities_finish (GAsyncResult *result, GError **error);

G_END_DECLS
