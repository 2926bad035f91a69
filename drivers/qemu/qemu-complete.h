/* What a QEMU domain's definition gets filled in at define (libvirt's
 * post-parse): what the command line will contain and the XML did not say. */
#pragma once

#include <libxml/tree.h>

#include "domain-def.h"
#include "qemu-caps.h"

G_BEGIN_DECLS

/* @def's XML with the canonical machine type (QEMU's name for an alias such
 * as "pc"), the arch (the binary's when missing), the CPU the command line
 * gives (<cpu mode=...>), the emulator (the probed binary), the PCI root
 * controller and a controller for every PCI bus a device names (a
 * pcie-root-port on q35, a pci-bridge on pc, on the root-bus slot the
 * command line gives it): so the stored and the live definition, the
 * command line, save images and a migration's destination agree. @caps may
 * be NULL (the probe failed): the machine is then left as written. */
char *vb_qemu_complete_xml (const VbDomainDef *def, const VbQemuCaps *caps, GError **error);

/* The <cpu> of the domain element @root as the command line gives it to the
 * guest (@kvm: a type='kvm' domain), added or given a mode and model where
 * the XML says none; the -cpu built from it is the same as before. */
void vb_qemu_complete_cpu (xmlNode *root, gboolean kvm);

/* Adds <graphics type='egl-headless'/> to @devices when a device renders
 * through OpenGL (a virtio video with accel3d='yes', a mediated device with
 * display='on') and no display has OpenGL (qemu-complete-display.c). */
void vb_qemu_complete_gl_display (xmlNode *devices);

/* Rounds the size of each DIMM (<memory model='dimm'>) of the domain element
 * @root up to QEMU's 2 MiB alignment, as libvirt does, and <memory> (and a
 * <currentMemory> equal to it) up with them (qemu-complete-memory.c). */
void vb_qemu_complete_dimm_sizes (xmlNode *root);

G_END_DECLS
