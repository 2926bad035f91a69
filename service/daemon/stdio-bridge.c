#include "stdio-bridge.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SYSTEM_BUS "unix:path=/run/dbus/system_bus_socket"

static int
connect_unix (const char *address)
{
  const char *path = strstr (address, "path=");
  g_autofree char *socket_path = NULL;
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  int fd;

  if (!g_str_has_prefix (address, "unix:") || !path)
    {
      g_printerr ("virtbusd --stdio-bridge: only unix:path= addresses are supported (%s)\n",
                  address);
      return -1;
    }
  socket_path = g_strdup (path + strlen ("path="));
  if (strchr (socket_path, ','))
    *strchr (socket_path, ',') = '\0';
  if (strlen (socket_path) >= sizeof sun.sun_path)
    return -1;
  strcpy (sun.sun_path, socket_path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &sun, sizeof sun) < 0)
    {
      g_printerr ("virtbusd --stdio-bridge: cannot connect to %s: %s\n", socket_path,
                  g_strerror (errno));
      if (fd >= 0)
        close (fd);
      return -1;
    }
  return fd;
}

/* Copies what @from has to @to; FALSE at the end of @from or on an error. */
static gboolean
pump (int from, int to)
{
  char buffer[65536];
  ssize_t n = read (from, buffer, sizeof buffer);

  if (n < 0 && errno == EINTR)
    return TRUE;
  if (n <= 0)
    return FALSE;
  for (ssize_t done = 0; done < n;)
    {
      ssize_t w = write (to, buffer + done, n - done);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return FALSE;
      done += w;
    }
  return TRUE;
}

int
vb_stdio_bridge_run (const char *address)
{
  const char *bus = address ? address : g_getenv ("DBUS_SYSTEM_BUS_ADDRESS");
  int sock = connect_unix (bus ? bus : DEFAULT_SYSTEM_BUS);

  if (sock < 0)
    return 1;
  /* A plain copy both ways: the D-Bus authentication runs end to end, so the
   * bus sees this bridge's credentials, those of the ssh login. */
  for (;;)
    {
      struct pollfd fds[2] = { { STDIN_FILENO, POLLIN, 0 }, { sock, POLLIN, 0 } };

      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if ((fds[0].revents & (POLLIN | POLLHUP)) && !pump (STDIN_FILENO, sock))
        break;
      if ((fds[1].revents & (POLLIN | POLLHUP)) && !pump (sock, STDOUT_FILENO))
        break;
    }
  close (sock);
  return 0;
}
