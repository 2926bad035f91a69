/* A stand-in for virtbusd on a test bus, for answers the real service never
 * gives: it owns org.virtbus.Virt1 from a thread of its own (so that a
 * test's blocking calls, and virtbusctl's, get their replies) and publishes
 * under an ObjectManager a running Domain whose OpenConsole() answers as
 * told, and a running Job that refuses Cancel(). Built on libvirtbus's
 * generated skeletons. */
#pragma once

#include "virtbus.h"

G_BEGIN_DECLS

#define VB_FAKE_DOMAIN_NAME "fake"
#define VB_FAKE_DOMAIN_PATH "/org/virtbus/Virt1/domain/_fake"
#define VB_FAKE_JOB_PATH "/org/virtbus/Virt1/job/1"

typedef enum {
  VB_FAKE_CONSOLE_NO_FDS,    /* a handle, and no descriptor at all */
  VB_FAKE_CONSOLE_BAD_INDEX, /* one descriptor, and a handle past it */
} VbFakeConsoleReply;

typedef struct _VbFakeService VbFakeService;

/* Owns the name on the bus at @bus_address before it returns. */
VbFakeService *vb_fake_service_new (const char *bus_address);
void vb_fake_service_set_console_reply (VbFakeService *fake, VbFakeConsoleReply reply);
/* How many times the Job was asked to Cancel(). */
guint vb_fake_service_cancel_calls (VbFakeService *fake);
/* Leaves the bus and ends the thread. */
void vb_fake_service_free (VbFakeService *fake);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbFakeService, vb_fake_service_free)

G_END_DECLS
