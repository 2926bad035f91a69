/* Files and commands on the host, for what a test prepares or checks
 * outside the service: see vb-test-host.h. */
#include "vb-test-host.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>

#include <string.h>
#include <unistd.h>

void
vb_test_sparse_file (const char *path, goffset size)
{
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  g_assert_cmpint (truncate (path, size), ==, 0);
}

char *
vb_test_file_md5 (const char *file)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (file, &data, &length, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guchar *) data, length);
}

char *
vb_test_run (const char *format, ...)
{
  g_autofree char *command = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;
  va_list args;

  va_start (args, format);
  command = g_strdup_vprintf (format, args);
  va_end (args);
  g_assert_true (g_spawn_command_line_sync (command, &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("'%s' failed: %s%s", command, out, err);
  return out;
}

gboolean
vb_test_shell_succeeds (const char *command)
{
  g_autofree char *quoted = g_shell_quote (command);
  g_autofree char *line = g_strdup_printf ("sh -c %s", quoted);
  int status = 0;

  g_assert_true (g_spawn_command_line_sync (line, NULL, NULL, &status, NULL));
  return g_spawn_check_wait_status (status, NULL);
}

char *
vb_test_kernel_cpus (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/sys/devices/system/cpu", 0, NULL);
  g_autoptr (GString) cpus = g_string_new (NULL);
  const char *name;
  guint highest = 0;
  gboolean any = FALSE;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    if (g_str_has_prefix (name, "cpu") && g_ascii_isdigit (name[3])
        && strspn (name + 3, "0123456789") == strlen (name + 3))
      {
        highest = MAX (highest, (guint) g_ascii_strtoull (name + 3, NULL, 10));
        any = TRUE;
      }
  g_assert_true (any);
  for (guint cpu = 0; cpu <= highest; cpu++)
    {
      g_autofree char *dir_path = g_strdup_printf ("/sys/devices/system/cpu/cpu%u", cpu);
      g_autofree char *online_path = g_strdup_printf ("%s/online", dir_path);
      g_autofree char *online = NULL;

      if (!g_file_test (dir_path, G_FILE_TEST_IS_DIR))
        g_string_append_c (cpus, '-');
      else if (g_file_get_contents (online_path, &online, NULL, NULL))
        g_string_append_c (cpus, g_strstrip (online)[0] == '1' ? '1' : '0');
      else
        g_string_append_c (cpus, '1');
    }
  return g_string_free (g_steal_pointer (&cpus), FALSE);
}

char *
vb_test_run_argv (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
  return out;
}

gboolean
vb_test_port_open (int port)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = { .sin_family = AF_INET,
                              .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
                              .sin_port = htons (port) };
  gboolean open = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0;

  close (fd);
  return open;
}

GSubprocess *
vb_test_serve_nbd (const char *image, const char *export, int *port)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  g_autofree char *port_text = NULL;
  g_autofree char *name = g_strdup_printf ("--export-name=%s", export);
  GError *error = NULL;
  GSubprocess *nbd;

  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  *port = ntohs (addr.sin_port);
  close (fd);
  port_text = g_strdup_printf ("%d", *port);
  nbd = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                          &error, "qemu-nbd", "--persistent", "--shared=4", "--format=raw",
                          "--bind=127.0.0.1", "--port", port_text, name, image, NULL);
  g_assert_no_error (error);
  for (int i = 0; i < 100 && !vb_test_port_open (*port); i++)
    g_usleep (50000);
  g_assert_true (vb_test_port_open (*port));
  return nbd;
}
