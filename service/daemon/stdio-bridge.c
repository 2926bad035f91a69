#include "stdio-bridge.h"

#include "bridge-filter.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vb-files.h"

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

/* Reads what @from has and passes it through the filter, @from_peer saying
 * which side it is; FALSE at the end of @from, on an error, or when the
 * peer broke the protocol. */
static gboolean
pump (VbBridgeFilter *filter, gboolean from_peer, int from, int bus, int peer)
{
  guint8 buffer[65536];
  ssize_t n = read (from, buffer, sizeof buffer);
  g_autoptr (GByteArray) to_bus = g_byte_array_new ();
  g_autoptr (GByteArray) to_peer = g_byte_array_new ();
  gboolean ok;

  if (n < 0 && errno == EINTR)
    return TRUE;
  if (n <= 0)
    return FALSE;
  ok = from_peer ? vb_bridge_filter_from_peer (filter, buffer, (gsize) n, to_bus, to_peer)
                 : vb_bridge_filter_from_bus (filter, buffer, (gsize) n, to_peer);
  if (!ok)
    g_printerr ("virtbusd --stdio-bridge: unreadable D-Bus traffic from the %s; closing\n",
                from_peer ? "peer" : "bus");
  return vb_write_all (bus, to_bus->data, to_bus->len) && vb_write_all (peer, to_peer->data, to_peer->len)
         && ok;
}

int
vb_stdio_bridge_run (const char *address)
{
  const char *bus = address ? address : g_getenv ("DBUS_SYSTEM_BUS_ADDRESS");
  int sock = connect_unix (bus ? bus : DEFAULT_SYSTEM_BUS);
  g_autoptr (VbBridgeFilter) filter = NULL;

  if (sock < 0)
    return 1;
  filter = vb_bridge_filter_new ();
  /* The authentication runs end to end, so the bus sees this bridge's
   * credentials, those of the ssh login; then each message is checked
   * (bridge-filter.c): the peer reaches virtbus and nothing else. */
  for (;;)
    {
      struct pollfd fds[2] = { { STDIN_FILENO, POLLIN, 0 }, { sock, POLLIN, 0 } };

      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if ((fds[0].revents & (POLLIN | POLLHUP))
          && !pump (filter, TRUE, STDIN_FILENO, sock, STDOUT_FILENO))
        break;
      if ((fds[1].revents & (POLLIN | POLLHUP)) && !pump (filter, FALSE, sock, sock, STDOUT_FILENO))
        break;
    }
  close (sock);
  return 0;
}
