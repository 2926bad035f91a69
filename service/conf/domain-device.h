/* One device of a domain definition on its own, as Domain.AttachDevice and
 * DetachDevice take it (a <disk>, an <interface> or a <memory> element), and
 * the edits of a definition that add or remove it. */
#pragma once

#include "domain-def.h"

G_BEGIN_DECLS

typedef enum {
  VB_DEVICE_DISK,
  VB_DEVICE_INTERFACE,
  VB_DEVICE_MEMORY, /* <memory model='dimm'> */
} VbDeviceKind;

typedef struct {
  VbDeviceKind kind;
  char *xml;    /* the element alone, in canonical form */
  char *target; /* a disk's <target dev>; NULL for interfaces */
  char *mac;    /* an interface's MAC in lower case; NULL when not given (detach by alias) */
  char *alias;  /* <alias name>, NULL when none */
  guint64 memory_kib; /* a memory device's <target><size>; 0 when not given (detach by alias) */
  guint memory_node;  /* and its <target><node> */
} VbDomainDevice;

void vb_domain_device_free (VbDomainDevice *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainDevice, vb_domain_device_free)

/* For attaching: @xml is one <disk>, <interface> or <memory> that the domain
 * schema accepts (InvalidXML naming what is wrong), any other element is
 * refused with NotSupported naming it. An interface without <mac> gets a
 * random one. */
VbDomainDevice *vb_domain_device_parse (const char *xml, GError **error);
/* For detaching: reads only what names the device: a disk's <target dev>, an
 * interface's <mac address>, a memory device's <target> size and node,
 * and/or <alias name>. */
VbDomainDevice *vb_domain_device_parse_match (const char *xml, GError **error);

/* The device of @def that @match names (target, or MAC and/or alias), in
 * full; NULL when there is none. */
VbDomainDevice *vb_domain_def_find_device (const VbDomainDef *def, const VbDomainDevice *match);

/* A new definition: @def with @device added after the devices of its kind
 * (a memory device adds its size to <memory> and <currentMemory>).
 * OperationInvalid when a disk with that target, or an interface with that
 * MAC or alias, exists already; InvalidXML when the result is not valid. */
VbDomainDef *vb_domain_def_add_device (const VbDomainDef *def, const VbDomainDevice *device,
                                       GError **error);
/* A new definition without the device @match names (a memory device takes
 * its size from <memory> and <currentMemory>); NotFound when none.
 * @what names the definition in the message ("live", "persistent"). */
VbDomainDef *vb_domain_def_remove_device (const VbDomainDef *def, const VbDomainDevice *match,
                                          const char *what, GError **error);

/* "disk 'vdb'", "interface 52:54:00:..", "interface with alias 'ua-x'": for messages. */
char *vb_domain_device_describe (const VbDomainDevice *device);

G_END_DECLS
