/* Whatever QEMU and its helpers write to files in a domain's run directory
 * (QEMU's stdout and stderr, a pty console's log, a chardev's <log file> there,
 * virtiofsd's or swtpm's log) is the guest's to make long, and fast: a guest
 * writing to a logged virtio port fills hundreds of MiB a second, and the
 * run directory is a tmpfs, that is memory. As virtlogd does for libvirt,
 * each log is cut when it passes VB_QEMU_LOG_LIMIT, its end kept beside it
 * as NAME.log.1. A thread of its own waits on inotify for the writes
 * (IN_MODIFY, which the kernel merges while unread) and lets them gather
 * 10 ms after each batch, so a log passes the limit by what is written in
 * those 10 ms and while it is being cut (at 400 MiB/s, some 4 MiB more); the
 * copy of the end is made at most once a second per log, a cut without it
 * otherwise. */
#include "qemu-log-cap.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "vb-log-file.h"

#define KEEP_INTERVAL_US G_USEC_PER_SEC
/* After each batch of events the thread lets the next ones gather: QEMU
 * writes a serial console's log a few bytes at a time, so a booting guest
 * would otherwise wake it thousands of times a second (it cost virtbusd
 * more CPU than a Start did). A guest writing 400 MiB/s passes the limit
 * by 4 MiB more meanwhile. */
#define GATHER_US (10 * 1000)

static GMutex lock;
static int inotify_fd = -1;
static GHashTable *dirs; /* watch descriptor -> directory path; under lock */

/* Cuts @name in the directory of watch @wd, if it is a log past the limit. */
static void
cap (int wd, const char *name, GHashTable *last_keep)
{
  g_autofree char *dir = NULL;
  g_autofree char *key = NULL;
  gint64 now = g_get_monotonic_time ();
  gint64 *kept_at;
  gboolean keep;
  int dir_fd;

  if (!g_str_has_suffix (name, ".log"))
    return;
  g_mutex_lock (&lock);
  dir = g_strdup (g_hash_table_lookup (dirs, GINT_TO_POINTER (wd)));
  g_mutex_unlock (&lock);
  if (!dir)
    return;
  dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd < 0)
    return;
  key = g_strdup_printf ("%d/%s", wd, name);
  kept_at = g_hash_table_lookup (last_keep, key);
  keep = !kept_at || now - *kept_at >= KEEP_INTERVAL_US;
  if (vb_log_file_cap (dir_fd, name, VB_QEMU_LOG_LIMIT, keep) && keep)
    g_hash_table_insert (last_keep, g_steal_pointer (&key), g_memdup2 (&now, sizeof now));
  close (dir_fd);
}

static gpointer
watch_thread (gpointer data)
{
  g_autoptr (GHashTable) last_keep = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  char buffer[64 * 1024] __attribute__ ((aligned (__alignof__ (struct inotify_event))));

  for (;;)
    {
      ssize_t n = read (inotify_fd, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return NULL;
      for (char *p = buffer; p < buffer + n;)
        {
          const struct inotify_event *event = (const struct inotify_event *) p;

          if (event->mask & IN_IGNORED)
            {
              /* The directory went (the domain stopped). */
              g_mutex_lock (&lock);
              g_hash_table_remove (dirs, GINT_TO_POINTER (event->wd));
              g_mutex_unlock (&lock);
              g_hash_table_remove_all (last_keep);
            }
          else if (event->len > 0)
            cap (event->wd, event->name, last_keep);
          p += sizeof *event + event->len;
        }
      g_usleep (GATHER_US);
    }
}

void
vb_qemu_log_cap_watch (const char *dir)
{
  int wd;

  g_mutex_lock (&lock);
  if (inotify_fd < 0)
    {
      inotify_fd = inotify_init1 (IN_CLOEXEC);
      if (inotify_fd < 0)
        {
          g_mutex_unlock (&lock);
          g_warning ("inotify: %s: logs of the guests are not kept small", g_strerror (errno));
          return;
        }
      dirs = g_hash_table_new_full (NULL, NULL, NULL, g_free);
      g_thread_unref (g_thread_new ("log-cap", watch_thread, NULL));
    }
  /* IN_MODIFY: QEMU writes; IN_CLOSE_WRITE too, for a writer that wrote
   * before the watch began. The same directory again gives the same wd. */
  wd = inotify_add_watch (inotify_fd, dir,
                          IN_MODIFY | IN_CLOSE_WRITE | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK);
  if (wd < 0)
    g_warning ("inotify on %s: %s: its logs are not kept small", dir, g_strerror (errno));
  else
    g_hash_table_replace (dirs, GINT_TO_POINTER (wd), g_strdup (dir));
  g_mutex_unlock (&lock);
}
