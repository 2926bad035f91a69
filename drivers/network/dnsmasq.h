/* dnsmasq for one network: its configuration, the process (started,
 * supervised with a pidfd, restarted with backoff when it dies, adopted again
 * after a service restart), and its lease file read back. */
#pragma once

#include "net-config.h"

G_BEGIN_DECLS

typedef struct _VbDnsmasq VbDnsmasq;

/* The files in @dir, the network's run directory. */
char *vb_dnsmasq_conf_path (const char *dir);
char *vb_dnsmasq_hosts_path (const char *dir);
char *vb_dnsmasq_leases_path (const char *dir);
char *vb_dnsmasq_pid_path (const char *dir);

/* dnsmasq.conf for @config, whose bridge is set; paths are quoted. Refuses
 * (VB_ERROR_INVALID_ARGUMENT) a bridge or range that is not a plain interface
 * name or address, whatever let it through. */
char *vb_dnsmasq_config_text (const VbNetConfig *config, const char *dir, GError **error);
/* The --dhcp-hostsfile: one "mac,ip,name" line per <host>; re-read on SIGHUP.
 * Refuses a host whose name is not an RFC 1123 name or whose MAC or address
 * has other characters than an address has. */
char *vb_dnsmasq_hosts_text (const VbNetConfig *config, GError **error);

/* @name is for the log. @on_restart (may be NULL) is told when a dead
 * dnsmasq was replaced (its pid changed). */
VbDnsmasq *vb_dnsmasq_new (const char *name, const char *dir,
                           void (*on_restart) (VbDnsmasq *dnsmasq, gpointer user_data),
                           gpointer user_data);
/* Stops watching; leaves the process alone (vb_dnsmasq_stop_async ends it). */
void vb_dnsmasq_free (VbDnsmasq *dnsmasq);

/* Starts dnsmasq with the configuration in its directory; completes once it
 * serves (its pid file written) or failed with what it said. */
void vb_dnsmasq_start_async (VbDnsmasq *dnsmasq, GAsyncReadyCallback callback,
                             gpointer user_data);
gboolean vb_dnsmasq_start_finish (VbDnsmasq *dnsmasq, GAsyncResult *result, GError **error);
/* Watches the dnsmasq of the pid file if it is ours and alive; FALSE when
 * it is not (the caller then starts one). */
gboolean vb_dnsmasq_adopt (VbDnsmasq *dnsmasq);
/* SIGTERM, then SIGKILL after a while; completes when it is gone. */
void vb_dnsmasq_stop_async (VbDnsmasq *dnsmasq, GAsyncReadyCallback callback,
                            gpointer user_data);
void vb_dnsmasq_stop_finish (VbDnsmasq *dnsmasq, GAsyncResult *result);
/* Makes dnsmasq re-read its hosts file. */
void vb_dnsmasq_reload (VbDnsmasq *dnsmasq);
int vb_dnsmasq_get_pid (VbDnsmasq *dnsmasq);

/* The leases in @text (a dnsmasq lease file) as aa{sv} with libvirt's keys. */
GVariant *vb_dnsmasq_parse_leases (const char *text, const VbNetConfig *config);

G_END_DECLS
