/* The few facts of a domain's XML that commands need and no property
 * gives: its disks (for change-media) and its displays (for vncdisplay),
 * read with GMarkup. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *device; /* "disk", "cdrom", "floppy" */
  char *target; /* <target dev> */
  char *source; /* <source file|dev|dir|name>, NULL when it has none */
} CtlDisk;

typedef struct {
  char *type;   /* "vnc", "spice", ... */
  int port;     /* -1 when none (not running, autoport not given yet) */
  char *listen; /* the listen address, NULL when none */
} CtlGraphics;

typedef struct {
  GPtrArray *disks;    /* CtlDisk *, in the XML's order */
  GPtrArray *graphics; /* CtlGraphics * */
} CtlDomainFacts;

CtlDomainFacts *ctl_domain_facts_parse (const char *xml, GError **error);
void ctl_domain_facts_free (CtlDomainFacts *facts);
/* The disk whose target or source is @name, NULL when none. */
CtlDisk *ctl_domain_facts_disk (CtlDomainFacts *facts, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtlDomainFacts, ctl_domain_facts_free)

G_END_DECLS
