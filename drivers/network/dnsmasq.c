#include "dnsmasq.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "net-command.h"
#include "vb-error.h"
#include "vb-log.h"
#include "xml-schema.h"

#define STOP_GRACE_MS 3000
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
/* A dnsmasq that served this long before dying starts the backoff afresh. */
#define STABLE_US (30 * G_USEC_PER_SEC)

struct _VbDnsmasq {
  char *name;
  char *dir;
  int pid;
  int pidfd;
  guint watch;
  guint restart_source;
  guint backoff_ms;
  gint64 started_at;
  gboolean stopping;
  GTask *stop_task;
  guint kill_source;
  void (*on_restart) (VbDnsmasq *dnsmasq, gpointer user_data);
  gpointer user_data;
};

char *
vb_dnsmasq_conf_path (const char *dir)
{
  return g_build_filename (dir, "dnsmasq.conf", NULL);
}

char *
vb_dnsmasq_hosts_path (const char *dir)
{
  return g_build_filename (dir, "dnsmasq.hostsfile", NULL);
}

char *
vb_dnsmasq_leases_path (const char *dir)
{
  return g_build_filename (dir, "leases", NULL);
}

char *
vb_dnsmasq_pid_path (const char *dir)
{
  return g_build_filename (dir, "dnsmasq.pid", NULL);
}

/* @path as a quoted dnsmasq value: its configuration reader takes a '#'
 * after a space as a comment and strips whitespace and '"', but not inside
 * quotes, where '\\' escapes '"' and '\\'. A line break cannot be
 * written (dnsmasq reads a line at a time). */
static char *
quote_path (const char *path, GError **error)
{
  GString *s = g_string_new ("\"");

  for (const char *p = path; *p; p++)
    {
      if (g_ascii_iscntrl (*p))
        {
          g_autofree char *quoted = vb_xml_quote (path);

          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                       "Cannot write the path %s into dnsmasq's configuration: it has a "
                       "control character",
                       quoted);
          g_string_free (s, TRUE);
          return NULL;
        }
      if (*p == '"' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

/* Whether @value has only characters of @allowed: what a field of a dnsmasq
 * line may hold without ending the line, splitting the option at a comma,
 * quoting or starting a comment. */
static gboolean
only_chars (const char *value, const char *allowed)
{
  return value && strspn (value, allowed) == strlen (value);
}

#define ADDRESS_CHARS "0123456789abcdefABCDEF.:"

char *
vb_dnsmasq_config_text (const VbNetConfig *config, const char *dir, GError **error)
{
  g_autofree char *pid = NULL;
  g_autofree char *leases = NULL;
  g_autofree char *hosts = NULL;
  g_autofree char *problem = vb_network_ifname_problem (config->bridge);
  g_autoptr (GString) s = NULL;
  guint lease_max = 0;
  gboolean v6 = FALSE;

  if (problem)
    {
      g_autofree char *quoted = vb_xml_quote (config->bridge ? config->bridge : "");

      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "Cannot write the bridge %s into dnsmasq's configuration: %s", quoted, problem);
      return NULL;
    }
  {
    g_autofree char *pid_path = vb_dnsmasq_pid_path (dir);
    g_autofree char *leases_path = vb_dnsmasq_leases_path (dir);
    g_autofree char *hosts_path = vb_dnsmasq_hosts_path (dir);

    pid = quote_path (pid_path, error);
    leases = pid ? quote_path (leases_path, error) : NULL;
    hosts = leases ? quote_path (hosts_path, error) : NULL;
    if (!hosts)
      return NULL;
  }
  s = g_string_new ("# Written by virtbus; changes are overwritten.\n");

  g_string_append_printf (s,
                          "strict-order\n"
                          "pid-file=%s\n"
                          "except-interface=lo\n"
                          "bind-interfaces\n"
                          "interface=%s\n"
                          /* The run directory is the service's own (mode 0700). */
                          "user=root\n",
                          pid, config->bridge);
  for (guint i = 0; i < config->ips->len; i++)
    {
      const VbNetIp *ip = config->ips->pdata[i];

      for (guint j = 0; j < ip->ranges->len; j++)
        {
          if (!only_chars (ip->ranges->pdata[j], ADDRESS_CHARS ","))
            {
              g_autofree char *quoted = vb_xml_quote (ip->ranges->pdata[j]);

              g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                           "Cannot write the DHCP range %s into dnsmasq's configuration", quoted);
              return NULL;
            }
          if (ip->family == G_SOCKET_FAMILY_IPV6)
            g_string_append_printf (s, "dhcp-range=%s,%u\n", (char *) ip->ranges->pdata[j],
                                    ip->prefix);
          else
            {
              guint32 mask = ip->prefix ? 0xffffffffu << (32 - ip->prefix) : 0;

              g_string_append_printf (s, "dhcp-range=%s,%u.%u.%u.%u\n",
                                      (char *) ip->ranges->pdata[j], mask >> 24,
                                      (mask >> 16) & 0xff, (mask >> 8) & 0xff, mask & 0xff);
            }
          lease_max += 253;
        }
      if (ip->family != G_SOCKET_FAMILY_IPV6)
        continue;
      v6 = TRUE;
      /* Without a range the guests still need router advertisements to
       * configure themselves (SLAAC), as libvirt gives them. */
      if (!ip->ranges->len)
        g_string_append_printf (s, "dhcp-range=%s,ra-only,%u\n", ip->subnet, ip->prefix);
    }
  /* Router advertisements on every IPv6 subnet of the bridge: with a range,
   * they tell the guests to ask DHCPv6 (the M flag) and where the router is. */
  if (v6)
    g_string_append (s, "enable-ra\n");
  if (lease_max)
    g_string_append_printf (s,
                            "dhcp-no-override\n"
                            "dhcp-authoritative\n"
                            "dhcp-lease-max=%u\n"
                            "dhcp-leasefile=%s\n"
                            "dhcp-hostsfile=%s\n",
                            lease_max, leases, hosts);
  /* An isolated network offers no way out: no default route for its guests
   * (for IPv6, router advertisements with a lifetime of 0). */
  if (!config->forward_mode)
    g_string_append (s, v6 ? "dhcp-option=3\nra-param=*,0,0\n" : "dhcp-option=3\n");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Refuses a <host> field that would not stay one field of one line. */
static gboolean
check_host (const VbNetDhcpHost *host, GError **error)
{
  g_autofree char *problem = host->name ? vb_network_hostname_problem (host->name) : NULL;

  if (problem || (host->mac && !only_chars (host->mac, "0123456789abcdefABCDEF:"))
      || (host->ip && !only_chars (host->ip, ADDRESS_CHARS)))
    {
      g_autofree char *mac = vb_xml_quote (host->mac ? host->mac : "");
      g_autofree char *ip = vb_xml_quote (host->ip ? host->ip : "");
      g_autofree char *name = vb_xml_quote (host->name ? host->name : "");

      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "Cannot write the DHCP host (mac %s, ip %s, name %s) into dnsmasq's hosts "
                   "file: %s",
                   mac, ip, name, problem ? problem : "not an address");
      return FALSE;
    }
  return TRUE;
}

char *
vb_dnsmasq_hosts_text (const VbNetConfig *config, GError **error)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < config->ips->len; i++)
    {
      const VbNetIp *ip = config->ips->pdata[i];

      for (guint j = 0; j < ip->hosts->len; j++)
        {
          const VbNetDhcpHost *host = ip->hosts->pdata[j];
          g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);

          if (!check_host (host, error))
            return NULL;
          if (host->mac)
            g_ptr_array_add (fields, g_strdup (host->mac));
          if (host->ip)
            g_ptr_array_add (fields, ip->family == G_SOCKET_FAMILY_IPV6
                                       ? g_strdup_printf ("[%s]", host->ip)
                                       : g_strdup (host->ip));
          if (host->name)
            g_ptr_array_add (fields, g_strdup (host->name));
          if (!fields->len)
            continue;
          g_ptr_array_add (fields, NULL);
          {
            g_autofree char *line = g_strjoinv (",", (char **) fields->pdata);
            g_string_append_printf (s, "%s\n", line);
          }
        }
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

VbDnsmasq *
vb_dnsmasq_new (const char *name, const char *dir,
                void (*on_restart) (VbDnsmasq *dnsmasq, gpointer user_data), gpointer user_data)
{
  VbDnsmasq *dnsmasq = g_new0 (VbDnsmasq, 1);

  dnsmasq->name = g_strdup (name);
  dnsmasq->dir = g_strdup (dir);
  dnsmasq->pidfd = -1;
  dnsmasq->backoff_ms = BACKOFF_MIN_MS;
  dnsmasq->on_restart = on_restart;
  dnsmasq->user_data = user_data;
  return dnsmasq;
}

static void
unwatch (VbDnsmasq *dnsmasq)
{
  g_clear_handle_id (&dnsmasq->watch, g_source_remove);
  if (dnsmasq->pidfd >= 0)
    close (dnsmasq->pidfd);
  dnsmasq->pidfd = -1;
}

void
vb_dnsmasq_free (VbDnsmasq *dnsmasq)
{
  if (!dnsmasq)
    return;
  unwatch (dnsmasq);
  g_clear_handle_id (&dnsmasq->restart_source, g_source_remove);
  g_clear_handle_id (&dnsmasq->kill_source, g_source_remove);
  g_free (dnsmasq->name);
  g_free (dnsmasq->dir);
  g_free (dnsmasq);
}

int
vb_dnsmasq_get_pid (VbDnsmasq *dnsmasq)
{
  return dnsmasq->pid;
}

/* Whether @pid is a live dnsmasq running the configuration of @dir. */
static gboolean
is_ours (VbDnsmasq *dnsmasq, int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", pid);
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *conf = vb_dnsmasq_conf_path (dnsmasq->dir);
  g_autofree char *want = g_strdup_printf ("--conf-file=%s", conf);
  g_autofree char *cmdline = NULL;
  g_autofree char *stat = NULL;
  const char *after;
  gsize length = 0;

  if (pid <= 0 || !g_file_get_contents (path, &cmdline, &length, NULL)
      || !g_file_get_contents (stat_path, &stat, NULL, NULL) || !(after = strrchr (stat, ')'))
      || after[2] == 'Z' || after[2] == 'X')
    return FALSE;
  for (gsize at = 0; at < length; at += strlen (cmdline + at) + 1)
    if (g_str_equal (cmdline + at, want))
      return TRUE;
  return FALSE;
}

static int
read_pid_file (VbDnsmasq *dnsmasq)
{
  g_autofree char *path = vb_dnsmasq_pid_path (dnsmasq->dir);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  return atoi (text);
}

static void restart (VbDnsmasq *dnsmasq);

static gboolean
restart_now (gpointer user_data)
{
  VbDnsmasq *dnsmasq = user_data;

  dnsmasq->restart_source = 0;
  restart (dnsmasq);
  return G_SOURCE_REMOVE;
}

static void
schedule_restart (VbDnsmasq *dnsmasq)
{
  if (g_get_monotonic_time () - dnsmasq->started_at > STABLE_US)
    dnsmasq->backoff_ms = BACKOFF_MIN_MS;
  vb_log_warning (dnsmasq->name, "dnsmasq (pid %d) died; restarting in %u ms", dnsmasq->pid,
                  dnsmasq->backoff_ms);
  dnsmasq->pid = 0;
  dnsmasq->restart_source = g_timeout_add (dnsmasq->backoff_ms, restart_now, dnsmasq);
  dnsmasq->backoff_ms = MIN (dnsmasq->backoff_ms * 2, BACKOFF_MAX_MS);
}

static gboolean
exited (int fd, GIOCondition condition, gpointer user_data)
{
  VbDnsmasq *dnsmasq = user_data;

  dnsmasq->watch = 0;
  unwatch (dnsmasq);
  if (dnsmasq->stopping)
    {
      GTask *task = g_steal_pointer (&dnsmasq->stop_task);

      g_clear_handle_id (&dnsmasq->kill_source, g_source_remove);
      dnsmasq->pid = 0;
      if (task)
        {
          g_task_return_boolean (task, TRUE);
          g_object_unref (task);
        }
      return G_SOURCE_REMOVE;
    }
  schedule_restart (dnsmasq);
  return G_SOURCE_REMOVE;
}

static gboolean
watch (VbDnsmasq *dnsmasq, int pid)
{
  int fd = (int) syscall (SYS_pidfd_open, pid, 0);

  if (fd < 0)
    return FALSE;
  unwatch (dnsmasq);
  dnsmasq->pid = pid;
  dnsmasq->pidfd = fd;
  dnsmasq->watch = g_unix_fd_add (fd, G_IO_IN, exited, dnsmasq);
  return TRUE;
}

gboolean
vb_dnsmasq_adopt (VbDnsmasq *dnsmasq)
{
  int pid = read_pid_file (dnsmasq);

  if (!is_ours (dnsmasq, pid) || !watch (dnsmasq, pid))
    return FALSE;
  dnsmasq->started_at = g_get_monotonic_time ();
  vb_log_info (dnsmasq->name, "adopted dnsmasq (pid %d)", pid);
  return TRUE;
}

static void
ran (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  VbDnsmasq *dnsmasq = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *out = vb_net_run_finish (result, &error);
  int pid;

  if (error)
    {
      g_task_return_error (task, error);
      return;
    }
  /* The foreground dnsmasq exits once the daemon serves and wrote its pid. */
  pid = read_pid_file (dnsmasq);
  if (!is_ours (dnsmasq, pid) || !watch (dnsmasq, pid))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                               "dnsmasq for network '%s' started but is not running",
                               dnsmasq->name);
      return;
    }
  dnsmasq->started_at = g_get_monotonic_time ();
  vb_log_info (dnsmasq->name, "dnsmasq runs (pid %d)", pid);
  g_task_return_boolean (task, TRUE);
}

static void
spawn (VbDnsmasq *dnsmasq, GTask *task)
{
  g_autofree char *conf = vb_dnsmasq_conf_path (dnsmasq->dir);
  g_autofree char *conf_arg = g_strdup_printf ("--conf-file=%s", conf);
  g_autofree char *pid = vb_dnsmasq_pid_path (dnsmasq->dir);
  const char *argv[] = { "dnsmasq", conf_arg, NULL };

  g_unlink (pid);
  vb_net_run_async (argv, NULL, NULL, ran, task);
}

void
vb_dnsmasq_start_async (VbDnsmasq *dnsmasq, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_task_data (task, dnsmasq, NULL);
  dnsmasq->stopping = FALSE;
  spawn (dnsmasq, task);
}

gboolean
vb_dnsmasq_start_finish (VbDnsmasq *dnsmasq, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
restarted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbDnsmasq *dnsmasq = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      vb_log_warning (dnsmasq->name, "restarting dnsmasq failed: %s", error->message);
      if (!dnsmasq->stopping)
        schedule_restart (dnsmasq);
      return;
    }
  if (dnsmasq->stopping)
    return;
  if (dnsmasq->on_restart)
    dnsmasq->on_restart (dnsmasq, dnsmasq->user_data);
}

static void
restart (VbDnsmasq *dnsmasq)
{
  GTask *task = g_task_new (NULL, NULL, restarted, dnsmasq);

  g_task_set_task_data (task, dnsmasq, NULL);
  spawn (dnsmasq, task);
}

static gboolean
kill_hard (gpointer user_data)
{
  VbDnsmasq *dnsmasq = user_data;

  dnsmasq->kill_source = 0;
  vb_log_warning (dnsmasq->name, "dnsmasq (pid %d) ignored SIGTERM; killing it", dnsmasq->pid);
  if (dnsmasq->pidfd >= 0)
    syscall (SYS_pidfd_send_signal, dnsmasq->pidfd, SIGKILL, NULL, 0);
  return G_SOURCE_REMOVE;
}

void
vb_dnsmasq_stop_async (VbDnsmasq *dnsmasq, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  dnsmasq->stopping = TRUE;
  g_clear_handle_id (&dnsmasq->restart_source, g_source_remove);
  if (dnsmasq->pidfd < 0)
    {
      /* Not watched (a start in flight or not made): whatever the pid file names. */
      int pid = read_pid_file (dnsmasq);

      if (is_ours (dnsmasq, pid) && watch (dnsmasq, pid))
        dnsmasq->stopping = TRUE;
      else
        {
          g_task_return_boolean (task, TRUE);
          g_object_unref (task);
          return;
        }
    }
  dnsmasq->stop_task = task;
  syscall (SYS_pidfd_send_signal, dnsmasq->pidfd, SIGTERM, NULL, 0);
  dnsmasq->kill_source = g_timeout_add (STOP_GRACE_MS, kill_hard, dnsmasq);
}

void
vb_dnsmasq_stop_finish (VbDnsmasq *dnsmasq, GAsyncResult *result)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
}

void
vb_dnsmasq_reload (VbDnsmasq *dnsmasq)
{
  if (dnsmasq->pidfd >= 0)
    syscall (SYS_pidfd_send_signal, dnsmasq->pidfd, SIGHUP, NULL, 0);
}

static guint
prefix_of (const VbNetConfig *config, const char *address)
{
  g_autoptr (GInetAddress) a = g_inet_address_new_from_string (address);

  for (guint i = 0; a && i < config->ips->len; i++)
    {
      const VbNetIp *ip = config->ips->pdata[i];
      g_autoptr (GInetAddress) subnet = g_inet_address_new_from_string (ip->subnet);
      g_autoptr (GInetAddressMask) mask = g_inet_address_mask_new (subnet, ip->prefix, NULL);

      if (mask && g_inet_address_mask_matches (mask, a))
        return ip->prefix;
    }
  return 0;
}

GVariant *
vb_dnsmasq_parse_leases (const char *text, const VbNetConfig *config)
{
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", 0);
  GVariantBuilder list;

  g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (g_strstrip (lines[i]), " ", 0);
      GVariantBuilder lease;
      gboolean v6;

      /* "EXPIRY MAC IP HOSTNAME CLIENTID"; IPv6 leases follow a "duid" line
       * and carry the IAID where IPv4 has the MAC. */
      if (g_strv_length (f) < 5 || g_str_equal (f[0], "duid"))
        continue;
      v6 = strchr (f[2], ':') != NULL;
      g_variant_builder_init (&lease, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&lease, "{sv}", "expirytime",
                             g_variant_new_uint64 (g_ascii_strtoull (f[0], NULL, 10)));
      g_variant_builder_add (&lease, "{sv}", "type", g_variant_new_int32 (v6 ? 1 : 0));
      g_variant_builder_add (&lease, "{sv}", v6 ? "iaid" : "mac", g_variant_new_string (f[1]));
      g_variant_builder_add (&lease, "{sv}", "ipaddr", g_variant_new_string (f[2]));
      g_variant_builder_add (&lease, "{sv}", "prefix",
                             g_variant_new_uint32 (prefix_of (config, f[2])));
      if (!g_str_equal (f[3], "*"))
        g_variant_builder_add (&lease, "{sv}", "hostname", g_variant_new_string (f[3]));
      if (!g_str_equal (f[4], "*"))
        g_variant_builder_add (&lease, "{sv}", "clientid", g_variant_new_string (f[4]));
      g_variant_builder_add (&lease, "{sv}", "iface",
                             g_variant_new_string (config->bridge ? config->bridge : ""));
      g_variant_builder_add_value (&list, g_variant_builder_end (&lease));
    }
  return g_variant_builder_end (&list);
}
