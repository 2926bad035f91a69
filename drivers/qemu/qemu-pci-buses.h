/* The PCI buses a domain's devices name without a controller for them: the
 * command line adds those controllers, and define writes them into the
 * definition (qemu-complete.c), both from this one answer, so the two
 * cannot disagree on a bus or a slot. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

typedef struct {
  guint index; /* the bus, pci.INDEX */
  guint slot;  /* the root-bus slot of its controller */
} VbQemuImplicitBus;

/* In index order, every bus above 0 that an <address type='pci'> under
 * @devices names and no <controller type='pci' index=…> has, each with the
 * first root-bus slot from 0x0a on that no address takes. */
GArray *vb_qemu_pci_implicit_buses (xmlNode *devices);

G_END_DECLS
