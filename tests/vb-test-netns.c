/* Network namespaces of a test's own, and their removal even when the test
 * aborts: see vb-test-netns.h. */
#include "vb-test-netns.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-test-host.h"
#include "vb-test-internal.h"

/* The /run/netns paths of the namespaces a test made (vb_test_netns_add),
 * kept where the signal handler may read them with plain system calls. */
#define MAX_NETNS 4
static char netns_paths[MAX_NETNS][128];

/* What `ip netns del` does; the namespace itself ends with its last process. */
static void
remove_netns_now (int slot)
{
  umount2 (netns_paths[slot], MNT_DETACH);
  unlink (netns_paths[slot]);
  netns_paths[slot][0] = '\0';
}

/* Kills what runs in the namespace at @path (a service, its dnsmasq, a QEMU):
 * removing the namespace alone would leave them running, namespace and all.
 * Plain system calls only: the abort handler calls it. */
static void
kill_netns_now (const char *path)
{
  struct stat ns;
  char want[64];

  if (stat (path, &ns) != 0)
    return;
  g_snprintf (want, sizeof want, "net:[%lu]", (unsigned long) ns.st_ino);
  /* Twice: a service may have spawned something while the first pass ran. */
  for (int pass = 0; pass < 2; pass++)
    {
      DIR *proc = opendir ("/proc");
      struct dirent *entry;

      if (!proc)
        return;
      while ((entry = readdir (proc)))
        {
          char link[64], target[64];
          ssize_t n;

          if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
            continue;
          g_snprintf (link, sizeof link, "/proc/%s/ns/net", entry->d_name);
          n = readlink (link, target, sizeof target - 1);
          if (n <= 0)
            continue;
          target[n] = '\0';
          if (strcmp (target, want) == 0)
            kill ((pid_t) atoi (entry->d_name), SIGKILL);
        }
      closedir (proc);
    }
}

void
vb_test_netns_remove_all_now (void)
{
  for (int i = 0; i < MAX_NETNS; i++)
    if (netns_paths[i][0])
      {
        kill_netns_now (netns_paths[i]);
        remove_netns_now (i);
      }
}

/* Namespaces "<prefix><pid>..." of earlier runs that were killed outright. */
static void
remove_stale_netns (const char *prefix)
{
  g_autoptr (GDir) listing = g_dir_open ("/run/netns", 0, NULL);
  const char *entry;

  while (listing && (entry = g_dir_read_name (listing)))
    {
      g_autofree char *path = NULL;
      int pid;

      if (!g_str_has_prefix (entry, prefix))
        continue;
      pid = atoi (entry + strlen (prefix));
      if (pid <= 0 || pid == getpid () || kill (pid, 0) == 0)
        continue;
      path = g_build_filename ("/run/netns", entry, NULL);
      kill_netns_now (path);
      g_free (vb_test_run ("ip netns del %s", entry));
    }
}

char *
vb_test_netns_add (const char *prefix, const char *suffix)
{
  char *name = g_strdup_printf ("%s%d%s", prefix, (int) getpid (), suffix ? suffix : "");
  int slot = 0;

  remove_stale_netns (prefix);
  while (slot < MAX_NETNS && netns_paths[slot][0])
    slot++;
  g_assert_cmpint (slot, <, MAX_NETNS);
  g_free (vb_test_run ("ip netns add %s", name));
  g_snprintf (netns_paths[slot], sizeof netns_paths[slot], "/run/netns/%s", name);
  g_free (vb_test_run ("ip -n %s link set lo up", name));
  return name;
}

void
vb_test_netns_del (const char *name)
{
  g_autofree char *path = g_build_filename ("/run/netns", name, NULL);

  kill_netns_now (path);
  g_free (vb_test_run ("ip netns del %s", name));
  for (int i = 0; i < MAX_NETNS; i++)
    if (strcmp (netns_paths[i], path) == 0)
      netns_paths[i][0] = '\0';
}

gboolean
vb_test_netns_wait_empty (const char *name, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autofree char *pids = g_strstrip (vb_test_run ("ip netns pids %s", name));

      if (!*pids)
        return TRUE;
      if (g_get_monotonic_time () > end)
        {
          g_printerr ("still running in namespace %s: %s\n", name, pids);
          return FALSE;
        }
      g_usleep (50000);
    }
}
