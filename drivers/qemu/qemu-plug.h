/* What plugging devices in (qemu-hotplug.c) and unplugging them
 * (qemu-unplug.c) share: the state of one such change, and QMP steps that
 * chain on a GTask. Not for anything outside drivers/qemu. */
#pragma once

#include <libxml/tree.h>

#include "qemu-domain-private.h"

G_BEGIN_DECLS

/* What one plug or unplug works on; the task data of its GTask. */
typedef struct {
  VbDomain *domain;
  VbDomainDevice *device; /* attach: the new device; detach: the live one, in full */
  xmlDoc *doc;            /* device->xml parsed */
  char *id;               /* QEMU's device id: the alias, else disk-<target> / net-<mac> */
  char *node;             /* disk: the format node; its protocol node is "<node>-storage" */
  char *netdev;           /* interface: the netdev id */
  char *tap;              /* the tap we made, NULL without one */
  char *fd_name;          /* the tap's fd in QEMU (getfd), NULL when not passed; with
                           * several queues, the prefix of their names "<fd_name>-<i>" */
  guint queues;           /* interface: <driver queues> of its tap, 1 without */
  GArray *tap_fds;        /* the tap's descriptors (int), one per queue, -1 once closed */
  guint fds_passed;       /* how many of them QEMU has (getfd) */
  char *bus;              /* where the device goes: "pci.0", "pcie.0", "pci.N" */
  guint bus_index;        /* the bus= of the XML address */
  guint slot;
  guint function;
  gboolean node_added, storage_added, netdev_added;
  JsonObject *throttle;   /* disk: block_set_io_throttle's arguments of its <iotune>, or NULL */
} VbQemuPlug;

/* The id of a plugged interface's device: its <alias name> (may be NULL),
 * else "net-<mac with - for :>". */
char *vb_qemu_plug_net_id (const char *alias, const char *mac);

/* The ids the command line gives (disk-<target>), or ones derived from
 * what names the device (net-<mac>), so they never clash with start-time
 * ones; node and netdev names likewise. */
VbQemuPlug *vb_qemu_plug_new (VbDomain *domain, const VbDomainDevice *device);
/* Shared by the task and, while it waits for DEVICE_DELETED, the unplug. */
VbQemuPlug *vb_qemu_plug_ref (VbQemuPlug *p);
void vb_qemu_plug_unref (VbQemuPlug *p);

/* The domain's QEMU data while it runs, else NULL with OperationInvalid. */
QemuDomain *vb_qemu_plug_running (VbQemuPlug *p, GError **error);

/* A step of a chain: gets the reply of the command before, or its error
 * (which it owns). */
typedef void (*VbQemuPlugStep) (GTask *task, JsonNode *reply, GError *error);
/* Sends @command (takes @args, may be NULL; @fd >= 0 is passed along) for
 * the task whose data is a VbQemuPlug, then calls @next. */
void vb_qemu_plug_qmp (GTask *task, const char *command, JsonObject *args, int fd,
                       VbQemuPlugStep next);
/* Returns @error from the task and drops it. */
void vb_qemu_plug_fail (GTask *task, GError *error);
/* { @key: @value }, a new reference. */
JsonObject *vb_qemu_plug_args (const char *key, const char *value);

/* Takes @def as the live definition and records it in the status file. */
void vb_qemu_plug_set_live_def (QemuDomain *qd, VbDomainDef *def);
char *vb_qemu_plug_child_attr (xmlNode *node, const char *child, const char *name);

G_END_DECLS
