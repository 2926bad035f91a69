/* A domain configuration: libvirt-format domain XML, validated against the
 * subset virtbus supports and kept in canonical form. */
#pragma once

#include "xml-schema.h"
#include <glib.h>

G_BEGIN_DECLS

/* One vCPU of <vcpus> (libvirt's element): whether the guest has it,
 * whether it is a device that can come and go (QEMU: -device or device_add)
 * rather than one of the vCPUs the machine boots with, and the place in
 * which it came (0: none given). */
typedef struct {
  gboolean enabled;
  gboolean hotpluggable;
  guint order;
} VbVcpuState;

/* <cpu><topology>; without one, every vCPU is a socket of its own. */
typedef struct {
  guint sockets;
  guint dies;
  guint cores;
  guint threads;
} VbVcpuTopology;

typedef struct {
  char *xml;                  /* canonical XML: what GetXMLDesc returns, what is stored */
  char *name;
  char *uuid;                 /* lower case, 36 characters */
  char *type;                 /* the <domain type=…> attribute: test, qemu, kvm */
  char *title;                /* NULL when absent */
  char *machine;              /* <os><type machine=…>; NULL when absent */
  guint64 memory_kib;         /* <memory>, converted from its unit */
  guint64 current_memory_kib; /* <currentMemory>, defaults to memory_kib */
  guint vcpus;                /* <vcpu>, defaults to 1 */
  /* For each line of xml, the line of the caller's document it came from
   * (long), so a driver's refusal of xml can name the caller's line. */
  GArray *source_lines;
  guint current_vcpus; /* <vcpu current=…>, defaults to vcpus */
  /* <vcpus>: a VbVcpuState for each vCPU id, 0 to vcpus - 1; NULL when the
   * definition has none (the first current_vcpus are there at boot). */
  GArray *vcpu_states;
  VbVcpuTopology topology;
} VbDomainDef;

/* Parses, validates and canonicalises @xml. Fills in what libvirt fills in when
 * absent (a random UUID, MAC addresses of interfaces, currentMemory). Fails with
 * VB_ERROR_INVALID_XML naming the offending element or attribute and its line.
 * A definition to store or start from: the aliases a driver gave devices
 * (all but "ua-…") are dropped, as libvirt does at define. */
VbDomainDef *vb_domain_def_parse (const char *xml, GError **error);
/* The same for a device element wrapped in a minimal domain to be checked
 * alone (domain-device.c): what the device names of the domain it goes
 * into (an iothread) is checked when it is in one. */
VbDomainDef *vb_domain_def_parse_fragment (const char *xml, GError **error);
/* The same for the definition of a running domain (its live XML: status
 * file, save image, migration): keeps every device's <alias>. */
VbDomainDef *vb_domain_def_parse_live (const char *xml, GError **error);
/* @xml for a guest that arrives from another host (migration): without
 * <emulator>, a path on the source's host; this host's driver fills in
 * its own when it defines the guest. NULL with @error when @xml does not
 * parse. */
char *vb_domain_def_xml_for_arrival (const char *xml, GError **error);
/* @def (a definition made from the live XML @live_xml) as a live one, with
 * the <alias> each device has in @live_xml: an arriving guest keeps the
 * names its devices had on the source. */
VbDomainDef *vb_domain_def_with_aliases_of (const VbDomainDef *def, const char *live_xml,
                                            GError **error);
VbDomainDef *vb_domain_def_copy (const VbDomainDef *def);
void vb_domain_def_free (VbDomainDef *def);

/* The canonical XML with the live-only attribute id='@id' on <domain>. */
char *vb_domain_def_format_live (const VbDomainDef *def, int id);

/* @xml, canonical (a <domain>, or a document with <domain> inside such as a
 * <domainsnapshot>), without the passwd attribute of any <graphics>: what
 * a reader sees without VB_DOMAIN_XML_SECURE, as in libvirt. */
char *vb_domain_xml_without_secrets (const char *xml);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainDef, vb_domain_def_free)

/* The table of elements and attributes the domain XML may have (docs/xml-subset.md). */
const VbXmlSchema *vb_domain_def_schema (void);

G_END_DECLS
