/* What the bridge network driver adds to a network start and to a guest's
 * DHCP lease: Network.Start (→ the bridge exists, → Start returns, → dnsmasq
 * answers DNS) against the same steps run by hand (ip, nft, dnsmasq with the
 * configuration the driver wrote), rounds interleaved; then, with one booted
 * test guest on the network, `udhcpc -i eth0 -n -q` typed on its console →
 * the lease in Network.GetDHCPLeases, against the same client and a dnsmasq
 * started by hand with the same configuration (lease file polled).
 *
 *   ninja -C build bench-network     (builds the guest first; needs root)
 *   VB_DAEMON=build/service/daemon/virtbusd VB_TEST_SRCDIR=tests VB_TEST_GUEST_DIR=build/tests/guest \
 *     build/bench/bench-network [--rounds N] [--dhcp-rounds N] [--reference-option LINE] [--verbose]
 *
 * Everything runs in a network namespace of the bench's own (the bench
 * process joins it, so its probes and the commands it runs by hand see what
 * virtbusd sees); the namespace, and whatever runs in it, is removed on any
 * exit. For the DHCP reference the driver's dnsmasq is stopped with SIGSTOP
 * (so its supervisor does not replace it) and the hand-run one, which binds
 * the DHCP port with SO_REUSEADDR as every dnsmasq does, answers the guest
 * (with port=0 added: the stopped one still holds the gateway's DNS port);
 * each round gives eth0 a fresh MAC so every lease is a new one. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench-util.h"
#include "vb-test-env.h"

#define READY "VIRTBUS-GUEST-READY"
#define NET_NAME "vbbench"
#define BRIDGE "vbbench0"
#define GATEWAY "10.220.0.1"
#define TABLE "virtbus_" NET_NAME

static int n_rounds = 7;
static int n_dhcp_rounds = 7;
static gboolean verbose;
static char *reference_option;

/* ---- the namespace, removed with what runs in it on any exit ---- */

static char netns_path[128];
static void (*previous_abort) (int);
static void (*previous_trap) (int);

/* Kills every process in the namespace (found by /proc/PID/ns/net), then
 * removes it. Plain system calls: it also runs in the signal handler. */
static void
remove_netns_now (void)
{
  struct stat ns;
  DIR *proc;
  struct dirent *entry;

  if (!netns_path[0])
    return;
  if (stat (netns_path, &ns) == 0 && (proc = opendir ("/proc")))
    {
      while ((entry = readdir (proc)))
        {
          char path[300];
          struct stat st;
          int pid = atoi (entry->d_name);

          if (pid <= 0 || pid == getpid ())
            continue;
          snprintf (path, sizeof path, "/proc/%d/ns/net", pid);
          if (stat (path, &st) == 0 && st.st_ino == ns.st_ino && st.st_dev == ns.st_dev)
            kill (pid, SIGKILL);
        }
      closedir (proc);
    }
  umount2 (netns_path, MNT_DETACH);
  unlink (netns_path);
  netns_path[0] = '\0';
}

static void
on_fatal_signal (int sig)
{
  void (*env_handler) (int) = sig == SIGTRAP ? previous_trap : previous_abort;

  remove_netns_now ();
  if (sig != SIGINT && env_handler != SIG_DFL && env_handler != SIG_IGN && env_handler != SIG_ERR)
    env_handler (sig);
  signal (sig, SIG_DFL);
  raise (sig);
}

static char *
run_ok (const char *command)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  if (!g_spawn_command_line_sync (command, &out, &err, &status, &error))
    g_error ("'%s': %s", command, error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("'%s' failed: %s%s", command, out, err);
  return out;
}

static char *run_printf (const char *format, ...) G_GNUC_PRINTF (1, 2);

static char *
run_printf (const char *format, ...)
{
  g_autofree char *command = NULL;
  va_list args;

  va_start (args, format);
  command = g_strdup_vprintf (format, args);
  va_end (args);
  return run_ok (command);
}

/* Makes the namespace and moves this process (its main thread, before any
 * other thread exists) into it. */
static void
enter_netns (void)
{
  g_autofree char *name = g_strdup_printf ("vbbench-%d", (int) getpid ());
  int fd;

  g_free (run_printf ("ip netns add %s", name));
  g_snprintf (netns_path, sizeof netns_path, "/run/netns/%s", name);
  atexit (remove_netns_now);
  fd = open (netns_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns (fd, CLONE_NEWNET) < 0)
    g_error ("cannot enter %s: %s", netns_path, g_strerror (errno));
  close (fd);
  g_free (run_ok ("ip link set lo up"));
}

/* ---- figures ---- */

static double
median (const GArray *values)
{
  return bench_median ((const double *) values->data, values->len);
}

static void
add (GArray *values, double ms)
{
  g_array_append_val (values, ms);
}

static GArray *
new_series (void)
{
  return g_array_new (FALSE, FALSE, sizeof (double));
}

/* ---- probes ---- */

static gboolean
bridge_exists (void)
{
  return if_nametoindex (BRIDGE) > 0;
}

/* Sends CHAOS TXT version.bind (answered by dnsmasq itself, no upstream
 * needed) to the gateway until a reply comes; FALSE after @timeout_ms. */
static gboolean
wait_dns_answer (guint timeout_ms)
{
  static const guint8 query[] = { 0x56, 0x42, 0x01, 0x00, 0,   1,   0,   0,   0,   0,
                                  0,    0,    7,    'v',  'e', 'r', 's', 'i', 'o', 'n',
                                  4,    'b',  'i',  'n',  'd', 0,   0,   16,  0,   3 };
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons (53) };
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  gboolean answered = FALSE;

  inet_pton (AF_INET, GATEWAY, &to.sin_addr);
  while (!answered && g_get_monotonic_time () < end)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      guint8 reply[512];

      (void) sendto (fd, query, sizeof query, 0, (struct sockaddr *) &to, sizeof to);
      if (poll (&p, 1, 2) > 0)
        {
          ssize_t n = recv (fd, reply, sizeof reply, 0);
          answered = n >= 2 && reply[0] == query[0] && reply[1] == query[1];
        }
    }
  close (fd);
  return answered;
}

/* ---- virtbus ---- */

typedef struct {
  GVariant *reply;
  GError *error;
  gboolean done;
} Pending;

static void
call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *p = user_data;

  p->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &p->error);
  p->done = TRUE;
}

/* Network.Start, watching for the bridge while it runs; then DNS. */
static void
virtbus_start (VbTestEnv *env, const char *path, GArray *bridge_ms, GArray *start_ms,
               GArray *dns_ms)
{
  Pending p = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  double bridge_at = -1;

  g_dbus_connection_call (env->client, "org.virtbus.Virt1", path, IFACE_NETWORK, "Start",
                          g_variant_new ("(u)", 0), NULL, G_DBUS_CALL_FLAGS_NONE, 30000, NULL,
                          call_done, &p);
  while (!p.done)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (bridge_at < 0 && bridge_exists ())
        bridge_at = bench_ms_since (t0);
      if (!p.done)
        g_usleep (200);
    }
  if (p.error)
    g_error ("Start: %s", p.error->message);
  g_variant_unref (p.reply);
  add (start_ms, bench_ms_since (t0));
  if (!wait_dns_answer (10000))
    g_error ("dnsmasq of the virtbus network does not answer");
  add (dns_ms, bench_ms_since (t0));
  add (bridge_ms, bridge_at < 0 ? bench_ms_since (t0) : bridge_at);
}

static void
virtbus_stop (VbTestEnv *env, const char *path, GArray *stop_ms)
{
  gint64 t0 = g_get_monotonic_time ();

  g_variant_unref (vb_test_call_ok (env, path, IFACE_NETWORK, "Stop", g_variant_new ("(u)", 0)));
  while (bridge_exists ())
    g_usleep (500);
  add (stop_ms, bench_ms_since (t0));
}

/* ---- by hand ---- */

typedef struct {
  char *dir;       /* the reference's own run directory */
  char *conf;      /* the driver's dnsmasq.conf with @dir for its files */
  char *dhcp_conf; /* the same without DNS, next to the stopped driver's dnsmasq */
  char *pid_file;
  char *leases;
  char *ruleset; /* the driver's nft table, as nft lists it, loaded as the driver does */
} Reference;

/* The driver's configuration, taken from the running network, rewritten to
 * keep the reference's pid and lease files apart. */
static void
reference_prepare (Reference *r, VbTestEnv *env)
{
  g_autofree char *net_dir = g_build_filename (env->run_dir, "network", NET_NAME, NULL);
  g_autofree char *conf_path = g_build_filename (net_dir, "dnsmasq.conf", NULL);
  g_autofree char *hosts_path = g_build_filename (net_dir, "dnsmasq.hostsfile", NULL);
  g_autofree char *hosts_copy = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *hosts = NULL;
  g_autoptr (GString) text = NULL;
  g_autoptr (GError) error = NULL;

  r->dir = g_build_filename (env->tmpdir, "reference", NULL);
  g_mkdir_with_parents (r->dir, 0700);
  if (!g_file_get_contents (conf_path, &conf, NULL, &error)
      || !g_file_get_contents (hosts_path, &hosts, NULL, &error))
    g_error ("the driver's dnsmasq files: %s", error->message);
  hosts_copy = g_build_filename (r->dir, "dnsmasq.hostsfile", NULL);
  g_file_set_contents (hosts_copy, hosts, -1, NULL);
  text = g_string_new (conf);
  g_string_replace (text, net_dir, r->dir, 0);
  r->conf = g_build_filename (r->dir, "dnsmasq.conf", NULL);
  g_file_set_contents (r->conf, text->str, -1, NULL);
  /* The stopped dnsmasq keeps the gateway's port 53 (DNS listeners take no
   * SO_REUSEADDR); DHCP is all the guest's rounds use. */
  g_string_append (text, "port=0\n");
  if (reference_option)
    g_string_append_printf (text, "%s\n", reference_option);
  r->dhcp_conf = g_build_filename (r->dir, "dnsmasq-dhcp.conf", NULL);
  g_file_set_contents (r->dhcp_conf, text->str, -1, NULL);
  r->pid_file = g_build_filename (r->dir, "dnsmasq.pid", NULL);
  r->leases = g_build_filename (r->dir, "leases", NULL);
  {
    g_autofree char *listed = run_ok ("nft list table inet " TABLE);

    /* As the driver loads it: replacing a leftover table in one transaction. */
    r->ruleset =
      g_strconcat ("add table inet " TABLE "\ndelete table inet " TABLE "\n", listed, NULL);
  }
  if (verbose)
    g_printerr ("dnsmasq.conf of the driver:\n%s\nnft:\n%s\n", conf, r->ruleset);
}

static void
reference_clear (Reference *r)
{
  g_free (r->dir);
  g_free (r->conf);
  g_free (r->dhcp_conf);
  g_free (r->pid_file);
  g_free (r->leases);
  g_free (r->ruleset);
}

static void
run_with_input (const char *const *argv, const char *input)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p =
    g_subprocess_newv (argv,
                       G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                         | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                       &error);
  g_autofree char *out = NULL;

  if (!p || !g_subprocess_communicate_utf8 (p, input, NULL, &out, NULL, &error))
    g_error ("%s: %s", argv[0], error->message);
  if (!g_subprocess_get_successful (p))
    g_error ("%s %s failed: %s", argv[0], argv[1], out);
}

static void
run_argv (const char *const *argv)
{
  run_with_input (argv, NULL);
}

static int
reference_dnsmasq_pid (const Reference *r)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (r->pid_file, &text, NULL, NULL) ? atoi (text) : 0;
}

static void
reference_dnsmasq_start (const Reference *r, const char *conf)
{
  g_autofree char *conf_arg = g_strdup_printf ("--conf-file=%s", conf);
  const char *argv[] = { "dnsmasq", conf_arg, NULL };

  g_unlink (r->pid_file);
  run_argv (argv);
}

static void
reference_dnsmasq_stop (const Reference *r)
{
  int pid = reference_dnsmasq_pid (r);
  int fd = pid > 0 ? (int) syscall (SYS_pidfd_open, pid, 0) : -1;
  struct pollfd p = { .fd = fd, .events = POLLIN };

  if (fd < 0)
    return;
  /* A pidfd, as the driver: the daemon is not our child, and whoever reaps
   * it may take its time. */
  kill (pid, SIGTERM);
  poll (&p, 1, 10000);
  close (fd);
}

static void
subprocess_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

/* Runs @argv, watching the bridge as virtbus_start watches Start (it appears,
 * or goes, before ip exits); returns when, since @t0, it first was as @want. */
static double
run_watching_bridge (const char *const *argv, gboolean want, gint64 t0)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);
  gboolean done = FALSE;
  double at = -1;

  if (!p)
    g_error ("%s: %s", argv[0], error->message);
  g_subprocess_wait_async (p, NULL, subprocess_done, &done);
  while (!done)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (at < 0 && bridge_exists () == want)
        at = bench_ms_since (t0);
      if (!done)
        g_usleep (200);
    }
  if (!g_subprocess_get_successful (p))
    g_error ("%s %s %s failed", argv[0], argv[1], argv[2]);
  return at < 0 ? bench_ms_since (t0) : at;
}

/* What Start does, as commands run one after another. */
static void
reference_start (const Reference *r, GArray *bridge_ms, GArray *start_ms, GArray *dns_ms)
{
  const char *add_argv[] = { "ip", "link", "add", BRIDGE, "type", "bridge", NULL };
  const char *addr_argv[] = { "ip", "addr", "add", GATEWAY "/24", "dev", BRIDGE, NULL };
  const char *up_argv[] = { "ip", "link", "set", BRIDGE, "up", NULL };
  const char *nft_argv[] = { "nft", "-f", "-", NULL };
  gint64 t0 = g_get_monotonic_time ();

  add (bridge_ms, run_watching_bridge (add_argv, TRUE, t0));
  run_argv (addr_argv);
  run_argv (up_argv);
  run_with_input (nft_argv, r->ruleset);
  reference_dnsmasq_start (r, r->conf);
  add (start_ms, bench_ms_since (t0));
  if (!wait_dns_answer (10000))
    g_error ("the hand-run dnsmasq does not answer");
  add (dns_ms, bench_ms_since (t0));
}

/* What Stop does: dnsmasq, the table, the bridge. */
static void
reference_stop (const Reference *r, GArray *stop_ms)
{
  const char *nft_argv[] = { "nft", "delete", "table", "inet", TABLE, NULL };
  const char *del_argv[] = { "ip", "link", "del", BRIDGE, NULL };
  gint64 t0 = g_get_monotonic_time ();

  reference_dnsmasq_stop (r);
  run_argv (nft_argv);
  add (stop_ms, run_watching_bridge (del_argv, FALSE, t0));
}

/* The kernel finishes removing a bridge after its name is gone (and holds
 * the rtnl lock meanwhile): the next start must not pay for the last stop. */
static void
settle (void)
{
  g_usleep (300 * 1000);
}

/* ---- the guest's console ---- */

static int
open_console (VbTestEnv *env, const char *path)
{
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_with_unix_fd_list_sync (
    env->client, "org.virtbus.Virt1", path, IFACE_DOMAIN, "OpenConsole", g_variant_new ("(u)", 0),
    G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &fds, NULL, &error);
  g_autofree int *stolen = NULL;

  if (!reply)
    g_error ("OpenConsole: %s", error->message);
  stolen = g_unix_fd_list_steal_fds (fds, NULL);
  return stolen[0];
}

static void
type_line (int fd, const char *line)
{
  g_autofree char *typed = g_strdup_printf ("%s\r", line);

  if (write (fd, typed, strlen (typed)) != (gssize) strlen (typed))
    g_error ("cannot write to the console");
}

/* Reads what the console has now, waiting at most @wait_ms. */
static void
console_read (int fd, GString *seen, guint wait_ms)
{
  struct pollfd p = { .fd = fd, .events = POLLIN };
  char buffer[4096];
  ssize_t n;

  if (poll (&p, 1, (int) wait_ms) <= 0)
    return;
  n = read (fd, buffer, sizeof buffer);
  if (n <= 0)
    g_error ("the console closed");
  g_string_append_len (seen, buffer, n);
}

static void
console_expect (int fd, GString *seen, gsize from, const char *pattern, guint timeout_ms)
{
  g_autoptr (GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!g_regex_match (regex, seen->str + from, 0, NULL))
    {
      if (g_get_monotonic_time () > end)
        g_error ("the console did not show /%s/ within %u ms; it showed:\n%s", pattern, timeout_ms,
                 seen->str + from);
      console_read (fd, seen, 100);
    }
}

static int done_counter;

/* Types @command with an end marker; returns the marker's regex. */
static char *
console_send (int fd, const char *command)
{
  int n = ++done_counter;
  g_autofree char *line = g_strdup_printf ("%s; echo vb-done-%d-$((0+$?))", command, n);

  type_line (fd, line);
  /* The echo of the typed line shows "$((0+$?))": only the output has digits there. */
  return g_strdup_printf ("vb-done-%d-0", n);
}

static void
console_run (int fd, GString *seen, const char *command, guint timeout_ms)
{
  gsize from = seen->len;
  g_autofree char *marker = console_send (fd, command);

  console_expect (fd, seen, from, marker, timeout_ms);
}

/* ---- leases ---- */

static gboolean
virtbus_has_lease (VbTestEnv *env, const char *path, const char *mac)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, path, IFACE_NETWORK, "GetDHCPLeases", g_variant_new ("(u)", 0));
  g_autoptr (GVariant) list = g_variant_get_child_value (reply, 0);

  for (gsize i = 0; i < g_variant_n_children (list); i++)
    {
      g_autoptr (GVariant) lease = g_variant_get_child_value (list, i);
      const char *m = NULL;

      if (g_variant_lookup (lease, "mac", "&s", &m) && g_ascii_strcasecmp (m, mac) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
file_has_lease (const char *leases, const char *mac)
{
  g_autofree char *text = NULL;
  g_autofree char *needle = g_strdup_printf (" %s ", mac);

  return g_file_get_contents (leases, &text, NULL, NULL) && strstr (text, needle);
}

/* One DHCP round: a fresh MAC on eth0, then `udhcpc` typed and the lease
 * waited for (by @reference's lease file, or by GetDHCPLeases). */
static void
dhcp_round (VbTestEnv *env, const char *net, int fd, GString *seen, const Reference *reference,
            guint round, GArray *lease_ms, GArray *exit_ms)
{
  g_autofree char *mac =
    g_strdup_printf ("52:54:00:%02x:%02x:%02x", reference ? 0xa0 : 0xb0, round / 256, round % 256);
  g_autofree char *setup =
    g_strdup_printf ("ip addr flush dev eth0; ip link set eth0 down; ip link set eth0 address %s; "
                     "ip link set eth0 up",
                     mac);
  g_autofree char *marker = NULL;
  gint64 t0, end;
  gsize from;
  gboolean leased = FALSE;

  console_run (fd, seen, setup, 10000);
  from = seen->len;
  t0 = g_get_monotonic_time ();
  marker = console_send (fd, "udhcpc -i eth0 -n -q -s /tmp/nop.sh 2>&1 | tail -3");
  for (end = t0 + 30 * G_USEC_PER_SEC; g_get_monotonic_time () < end;)
    {
      leased =
        reference ? file_has_lease (reference->leases, mac) : virtbus_has_lease (env, net, mac);
      if (leased)
        break;
      console_read (fd, seen, 5);
    }
  if (!leased)
    {
      g_autofree char *text = NULL;

      if (reference)
        g_file_get_contents (reference->leases, &text, NULL, NULL);
      g_error ("no lease for %s within 30 s; the console showed:\n%s\n%s%s", mac, seen->str + from,
               text ? "the lease file:\n" : "", text ? text : "");
    }
  add (lease_ms, bench_ms_since (t0));
  console_expect (fd, seen, from, marker, 30000);
  add (exit_ms, bench_ms_since (t0));
  if (verbose)
    g_printerr ("  dhcp %s round %u: lease %.1f ms\n", reference ? "by hand" : "virtbus", round,
                g_array_index (lease_ms, double, lease_ms->len - 1));
}

/* ---- the run ---- */

static char *
network_xml (void)
{
  return g_strdup ("<network>\n"
                   "  <name>" NET_NAME "</name>\n"
                   "  <forward mode='nat'/>\n"
                   "  <bridge name='" BRIDGE "'/>\n"
                   "  <ip address='" GATEWAY "' prefix='24'>\n"
                   "    <dhcp>\n"
                   "      <range start='10.220.0.10' end='10.220.0.250'/>\n"
                   "    </dhcp>\n"
                   "  </ip>\n"
                   "</network>\n");
}

static char *
guest_xml (void)
{
  const char *guest = g_getenv ("VB_TEST_GUEST_DIR");

  if (!guest)
    g_error ("VB_TEST_GUEST_DIR is not set");
  return g_strdup_printf (
    "<domain type='qemu'>\n  <name>benchguest</name>\n  <memory unit='MiB'>192</memory>\n"
    "  <vcpu>1</vcpu>\n  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n"
    "    <kernel>%s/vmlinux</kernel>\n    <initrd>%s/initramfs.img</initrd>\n"
    "    <cmdline>console=ttyS0 quiet vb.counter=0</cmdline>\n  </os>\n"
    "  <features>\n    <acpi/>\n  </features>\n  <devices>\n"
    "    <interface type='network'>\n      <mac address='52:54:00:b0:ff:ff'/>\n"
    "      <source network='" NET_NAME "'/>\n      <model type='virtio'/>\n"
    "    </interface>\n"
    "    <serial type='pty'>\n      <target port='0'/>\n    </serial>\n"
    "    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n"
    "  </devices>\n</domain>\n",
    guest, guest);
}

static void
print_row (const char *what, GArray *virtbus, GArray *hand)
{
  double v = median (virtbus), h = median (hand);

  printf ("%-34s %10.1f %10.1f %8.2f\n", what, v, h, h > 0 ? v / h : 0);
}

int
main (int argc, char **argv)
{
  static const char *const daemon_args[] = { "--network-driver=bridge", NULL };
  GOptionEntry entries[] = {
    { "rounds", 0, 0, G_OPTION_ARG_INT, &n_rounds, "Start/Stop rounds, each way", "N" },
    { "dhcp-rounds", 0, 0, G_OPTION_ARG_INT, &n_dhcp_rounds, "DHCP rounds, each way", "N" },
    { "reference-option", 0, 0, G_OPTION_ARG_STRING, &reference_option,
      "A line added to the reference's dnsmasq.conf for the DHCP rounds (e.g. no-ping)", "LINE" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Print each round", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) options = g_option_context_new ("- network start and DHCP lease");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbTestEnv) env = NULL;
  g_autofree char *xml = network_xml ();
  g_autofree char *domain_xml = guest_xml ();
  g_autofree char *net = NULL;
  g_autofree char *domain = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GString) seen = g_string_new (NULL);
  g_autoptr (GArray) v_bridge = new_series (), v_start = new_series (), v_dns = new_series (),
                     v_stop = new_series (), h_bridge = new_series (), h_start = new_series (),
                     h_dns = new_series (), h_stop = new_series (), v_lease = new_series (),
                     v_exit = new_series (), h_lease = new_series (), h_exit = new_series ();
  Reference reference = { 0 };
  int fd, virtbus_dnsmasq;
  gint64 boot;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    g_error ("%s", error->message);
  if (getuid () != 0)
    {
      g_printerr ("network namespaces need root\n");
      return 77;
    }
  setvbuf (stdout, NULL, _IOLBF, 0);
  enter_netns ();
  env = vb_test_env_new (VB_TEST_ENV_NONE);
  /* After the env's own handlers, which this one calls on. */
  previous_abort = signal (SIGABRT, on_fatal_signal);
  previous_trap = signal (SIGTRAP, on_fatal_signal);
  signal (SIGTERM, on_fatal_signal);
  signal (SIGINT, on_fatal_signal);
  /* Already inside: the env's `ip netns exec` only re-enters the same one. */
  vb_test_env_start_daemon_in_netns (env, netns_path + strlen ("/run/netns/"), daemon_args);
  reply =
    vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "DefineNetwork", g_variant_new ("(su)", xml, 0));
  g_variant_get (reply, "(o)", &net);
  g_clear_pointer (&reply, g_variant_unref);

  /* A first start, unmeasured, gives the configuration the reference runs. */
  g_variant_unref (vb_test_call_ok (env, net, IFACE_NETWORK, "Start", g_variant_new ("(u)", 0)));
  reference_prepare (&reference, env);
  g_variant_unref (vb_test_call_ok (env, net, IFACE_NETWORK, "Stop", g_variant_new ("(u)", 0)));
  while (bridge_exists ())
    g_usleep (500);
  settle ();

  printf ("network start: %d rounds each way, interleaved\n", n_rounds);
  for (int i = 0; i < n_rounds; i++)
    {
      virtbus_start (env, net, v_bridge, v_start, v_dns);
      virtbus_stop (env, net, v_stop);
      settle ();
      reference_start (&reference, h_bridge, h_start, h_dns);
      reference_stop (&reference, h_stop);
      settle ();
      if (verbose)
        g_printerr ("  round %d: virtbus start %.1f ms, by hand %.1f ms\n", i,
                    g_array_index (v_dns, double, i), g_array_index (h_dns, double, i));
    }

  if (verbose)
    {
      g_autofree char *log = vb_test_env_daemon_log (env);
      g_printerr ("virtbusd's log:\n%s\n", log);
    }

  /* The guest, booted once on the running network. */
  g_variant_unref (vb_test_call_ok (env, net, IFACE_NETWORK, "Start", g_variant_new ("(u)", 0)));
  reply = vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                           g_variant_new ("(su)", domain_xml, 0));
  g_variant_get (reply, "(o)", &domain);
  boot = g_get_monotonic_time ();
  g_variant_unref (vb_test_call_ok (env, domain, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
  fd = open_console (env, domain);
  console_expect (fd, seen, 0, READY, 300000);
  printf ("guest booted in %.1f s\n", bench_ms_since (boot) / 1000);
  console_run (fd, seen, "printf '#!/bin/sh\\nexit 0\\n' > /tmp/nop.sh; chmod +x /tmp/nop.sh",
               10000);

  /* DHCP: all virtbus rounds, then all by hand (the driver's dnsmasq stopped,
   * so it cannot answer or record the reference's leases). */
  printf ("guest DHCP: %d rounds each way\n", n_dhcp_rounds);
  for (int i = 0; i < n_dhcp_rounds; i++)
    dhcp_round (env, net, fd, seen, NULL, (guint) i, v_lease, v_exit);
  {
    g_autofree char *pid_path =
      g_build_filename (env->run_dir, "network", NET_NAME, "dnsmasq.pid", NULL);
    g_autofree char *pid_text = NULL;

    g_file_get_contents (pid_path, &pid_text, NULL, NULL);
    virtbus_dnsmasq = pid_text ? atoi (pid_text) : 0;
    if (virtbus_dnsmasq <= 0)
      g_error ("the driver's dnsmasq has no pid file");
  }
  kill (virtbus_dnsmasq, SIGSTOP);
  g_mkdir_with_parents (reference.dir, 0700);
  reference_dnsmasq_start (&reference, reference.dhcp_conf);
  for (int i = 0; i < n_dhcp_rounds; i++)
    dhcp_round (env, net, fd, seen, &reference, (guint) i, h_lease, h_exit);
  reference_dnsmasq_stop (&reference);
  kill (virtbus_dnsmasq, SIGCONT);
  close (fd);
  g_variant_unref (
    vb_test_call_ok (env, domain, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  vb_test_wait_property (env, domain, IFACE_DOMAIN, "State", g_variant_new_string ("shutoff"),
                         10000);
  g_variant_unref (vb_test_call_ok (env, net, IFACE_NETWORK, "Stop", g_variant_new ("(u)", 0)));

  printf ("\n%-34s %10s %10s %8s\n", "median, ms", "virtbus", "by hand", "ratio");
  print_row ("start → bridge exists", v_bridge, h_bridge);
  print_row ("start → Start returns / dnsmasq up", v_start, h_start);
  print_row ("start → dnsmasq answers DNS", v_dns, h_dns);
  print_row ("stop → bridge gone", v_stop, h_stop);
  print_row ("udhcpc typed → lease visible", v_lease, h_lease);
  print_row ("udhcpc typed → udhcpc exited", v_exit, h_exit);
  printf (
    "(virtbus: Network.Start/Stop, Network.GetDHCPLeases polled; by hand: ip, nft, dnsmasq\n"
    " with the driver's configuration, its lease file polled; same guest, fresh MAC per round)\n");

  reference_clear (&reference);
  g_clear_pointer (&env, vb_test_env_free);
  remove_netns_now ();
  return 0;
}
