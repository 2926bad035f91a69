/* What a domain XML (or a file) that a caller brings needs beyond its
 * member's own action: org.virtbus.Virt1.domain.qemu-passthrough when it
 * carries libvirt's QEMU namespace, org.virtbus.Virt1.domain.host-root when
 * it has the host run a script as root or QEMU keep CAP_SYS_RAWIO
 * (domain-host-root.h), org.virtbus.Virt1.domain.host-files when
 * it names host paths outside the storage pools, and for members that are not about defining
 * (MigrationTarget.Prepare, Manager.Restore of an image this service did not
 * write) org.virtbus.Virt1.domain.define first, as DefineDomain would. */
#pragma once

#include <gio/gio.h>

#include "driver.h"

G_BEGIN_DECLS

/* Asks polkit, for @invocation's caller, each action @xml needs (see above;
 * the member must declare them in its Authorization.Also). Completes TRUE
 * when all were granted; NotAuthorized naming the action (and the first
 * path outside the pools, which is also the polkit detail "path"), or
 * InvalidXML when @xml does not parse. */
void vb_domain_xml_check_async (GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation,
                                VbDriverHost *host, const char *xml, gboolean define_too,
                                GAsyncReadyCallback callback, gpointer user_data);
char *vb_domain_xml_check_finish (GAsyncResult *result, GError **error);

/* The same for one file @path that the call names itself (Domain.Save's
 * image, which the service creates as root): host-files when @path is
 * outside every active storage pool. */
void vb_domain_file_check_async (GDBusInterfaceSkeleton *skeleton,
                                 GDBusMethodInvocation *invocation, VbDriverHost *host,
                                 const char *path, GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean vb_domain_file_check_finish (GAsyncResult *result, GError **error);

G_END_DECLS
