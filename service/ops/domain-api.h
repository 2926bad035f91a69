/* The operations on domains that the D-Bus objects call: each checks its
 * arguments and the domain's state, takes the domain's lock, and hands the
 * work to the domain's driver. */
#pragma once

#include "driver.h"
#include "vb-flags.h"

G_BEGIN_DECLS

void vb_domain_api_define_async (VbDriverHost *host, const char *xml, guint flags,
                                 GAsyncReadyCallback callback, gpointer user_data);
VbDomain *vb_domain_api_define_finish (GAsyncResult *result, GError **error);

/* Creates a transient domain and starts it. */
void vb_domain_api_create_async (VbDriverHost *host, const char *xml, guint flags,
                                 GAsyncReadyCallback callback, gpointer user_data);
VbDomain *vb_domain_api_create_finish (GAsyncResult *result, GError **error);

void vb_domain_api_op_async (VbDriverHost *host, VbDomain *domain, VbDomainOp op, guint flags,
                             GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_domain_api_op_finish (GAsyncResult *result, GError **error);

void vb_domain_api_undefine_async (VbDriverHost *host, VbDomain *domain, guint flags,
                                   GAsyncReadyCallback callback, gpointer user_data);
void vb_domain_api_set_autostart_async (VbDriverHost *host, VbDomain *domain,
                                        gboolean autostart, GAsyncReadyCallback callback,
                                        gpointer user_data);
/* Finishes undefine and set_autostart. */
gboolean vb_domain_api_finish (GAsyncResult *result, GError **error);

/* A socket connected to the domain's serial console (Domain.OpenConsole). */
int vb_domain_api_open_console (VbDriverHost *host, VbDomain *domain, guint flags,
                                GError **error);
/* A socket connected to the display server of the domain's @index-th
 * <graphics> (Domain.OpenGraphics); completes with the descriptor. */
void vb_domain_api_open_graphics_async (VbDriverHost *host, VbDomain *domain, guint index,
                                        guint flags, GAsyncReadyCallback callback,
                                        gpointer user_data);
int vb_domain_api_open_graphics_finish (GAsyncResult *result, GError **error);

char *vb_domain_api_get_xml (VbDriverHost *host, VbDomain *domain, guint flags,
                             GError **error);
/* Sorted by name; holds references. */
GPtrArray *vb_domain_api_list (VbDriverHost *host, guint flags, GError **error);
/* The same while this stays the same (domains added, removed or renamed
 * change it), for flags that depend on nothing else (0). */
guint64 vb_domain_api_list_generation (VbDriverHost *host);
VbDomain *vb_domain_api_lookup_by_name (VbDriverHost *host, const char *name, GError **error);
VbDomain *vb_domain_api_lookup_by_uuid (VbDriverHost *host, const char *uuid, GError **error);

/* The host's capabilities XML (Manager.GetCapabilities), once every driver
 * knows what it can do. */
void vb_domain_api_capabilities_async (VbDriverHost *host, guint cpus, guint64 memory_kib,
                                       GAsyncReadyCallback callback, gpointer user_data);
char *vb_domain_api_capabilities_finish (GAsyncResult *result, GError **error);

/* Manager.GetDomainCapabilities: the domainCapabilities XML of the driver
 * that runs @virttype ("": the QEMU driver when there is one). @flags must be 0. */
void vb_domain_api_domain_capabilities_async (VbDriverHost *host, const char *emulator,
                                              const char *arch, const char *machine,
                                              const char *virttype, guint flags,
                                              GAsyncReadyCallback callback, gpointer user_data);
char *vb_domain_api_domain_capabilities_finish (GAsyncResult *result, GError **error);

/* Start-up: loads persistent domains (autostart.c then starts the autostart ones). */
void vb_domain_api_load (VbDriverHost *host);

G_END_DECLS
