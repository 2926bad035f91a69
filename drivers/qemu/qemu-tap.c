#include "qemu-tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "vb-error.h"

static gboolean
fail (GError **error, const char *what, const char *ifname, int saved)
{
  g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot %s for %s: %s", what, ifname,
               g_strerror (saved));
  return FALSE;
}

static gboolean
parse_mac (const char *text, unsigned char mac[6])
{
  return text && sscanf (text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
                         &mac[4], &mac[5]) == 6;
}

static gboolean
configure (int sock, const char *ifname, const char *bridge, const char *guest_mac,
           GError **error)
{
  struct ifreq ifr;
  unsigned char mac[6];

  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, ifname, IFNAMSIZ);
  if (parse_mac (guest_mac, mac))
    {
      mac[0] = 0xfe;
      ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
      memcpy (ifr.ifr_hwaddr.sa_data, mac, 6);
      if (ioctl (sock, SIOCSIFHWADDR, &ifr) < 0)
        return fail (error, "set the MAC address", ifname, errno);
    }

  /* type='ethernet': a tap on no bridge. */
  memset (&ifr, 0, sizeof ifr);
  if (bridge)
    g_strlcpy (ifr.ifr_name, bridge, IFNAMSIZ);
  ifr.ifr_ifindex = (int) if_nametoindex (ifname);
  if (bridge && (ifr.ifr_ifindex == 0 || ioctl (sock, SIOCBRADDIF, &ifr) < 0))
    {
      int saved = errno;
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot attach %s to bridge '%s': %s",
                   ifname, bridge,
                   saved == ENODEV ? "no such bridge" : g_strerror (saved));
      return FALSE;
    }

  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, ifname, IFNAMSIZ);
  if (ioctl (sock, SIOCGIFFLAGS, &ifr) < 0)
    return fail (error, "read the flags", ifname, errno);
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (sock, SIOCSIFFLAGS, &ifr) < 0)
    return fail (error, "bring up", ifname, errno);
  return TRUE;
}

/* Opens tap @ifname, attaching to it when it exists (TUNSETIFF does both),
 * as one queue of a multiqueue tap when @multi_queue; *@persistent tells
 * whether it is a persistent tap, one its owner made. */
static int
open_tap (const char *tun_path, const char *ifname, gboolean multi_queue, gboolean *persistent,
          GError **error)
{
  struct ifreq ifr;
  int fd;

  if (strlen (ifname) >= IFNAMSIZ)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "Interface name '%s' is longer than %d characters", ifname, IFNAMSIZ - 1);
      return -1;
    }
  if (tun_path)
    fd = vb_tap_open_device (tun_path, "tun", "<backend tap>", error);
  else if ((fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0)
    fail (error, "open /dev/net/tun", ifname, errno);
  if (fd < 0)
    return -1;
  memset (&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | (multi_queue ? IFF_MULTI_QUEUE : 0);
  g_strlcpy (ifr.ifr_name, ifname, IFNAMSIZ);
  if (ioctl (fd, TUNSETIFF, &ifr) < 0)
    {
      int saved = errno;

      /* The kernel's answer when an existing tap's IFF_MULTI_QUEUE differs. */
      if (saved == EINVAL && if_nametoindex (ifname) != 0)
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "Cannot open tap %s %s: the kernel refused (%s); a multiqueue interface "
                     "(<driver queues>) needs a tap made multi_queue, and one queue a tap that "
                     "is not",
                     ifname, multi_queue ? "with several queues" : "with one queue",
                     g_strerror (saved));
      else
        fail (error, "create the tap device", ifname, saved);
      close (fd);
      return -1;
    }
  memset (&ifr, 0, sizeof ifr);
  if (ioctl (fd, TUNGETIFF, &ifr) < 0)
    {
      fail (error, "read the flags of the tap device", ifname, errno);
      close (fd);
      return -1;
    }
  *persistent = (ifr.ifr_flags & IFF_PERSIST) != 0;
  return fd;
}

int
vb_tap_create_via (const char *tun_path, const char *ifname, const char *bridge,
                   const char *guest_mac, gboolean multi_queue, GError **error)
{
  gboolean persistent = FALSE;
  int fd, sock;

  /* TUNSETIFF attaches to a tap that exists: a name the caller chose must
   * not take over a tap (or its traffic) the host already has. The check
   * after opening closes the race with a tap made in between. */
  if (if_nametoindex (ifname) != 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "The host already has an interface '%s': name another <target dev>, or use "
                   "managed='no' on type='ethernet' for a tap the host's administrator made",
                   ifname);
      return -1;
    }
  fd = open_tap (tun_path, ifname, multi_queue, &persistent, error);
  if (fd < 0)
    return -1;
  if (persistent)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "The host already has a persistent tap '%s' (managed='no' uses it)", ifname);
      close (fd);
      return -1;
    }
  sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || !configure (sock, ifname, bridge, guest_mac, error))
    {
      if (sock < 0)
        fail (error, "open a socket", ifname, errno);
      else
        close (sock);
      close (fd);
      return -1;
    }
  close (sock);
  return fd;
}

int
vb_tap_open_existing (const char *ifname, const char *tun_path, gboolean multi_queue,
                      GError **error)
{
  gboolean persistent = FALSE;
  int fd;

  if (if_nametoindex (ifname) == 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "The host has no tap device '%s' (managed='no')", ifname);
      return -1;
    }
  fd = open_tap (tun_path, ifname, multi_queue, &persistent, error);
  if (fd >= 0 && !persistent)
    {
      /* It went away and TUNSETIFF made a new one: not the administrator's. */
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "'%s' is not a persistent tap the host's administrator made (managed='no')",
                   ifname);
      close (fd);
      return -1;
    }
  return fd;
}

int
vb_tap_open_queue (const char *tun_path, const char *ifname, gboolean existing, GError **error)
{
  gboolean persistent = FALSE;
  int fd = open_tap (tun_path, ifname, TRUE, &persistent, error);

  /* The tap cannot go while the first queue's descriptor holds it, and a
   * persistent one cannot become another's: the same device. */
  if (fd >= 0 && persistent != existing)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "Tap %s changed while its queues were opened", ifname);
      close (fd);
      return -1;
    }
  return fd;
}

gboolean
vb_tap_set_mtu (const char *ifname, guint mtu, GError **error)
{
  struct ifreq ifr;
  int sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  gboolean ok;

  if (sock < 0)
    return fail (error, "open a socket", ifname, errno);
  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, ifname, IFNAMSIZ);
  ifr.ifr_mtu = (int) mtu;
  ok = ioctl (sock, SIOCSIFMTU, &ifr) == 0 || fail (error, "set the MTU of", ifname, errno);
  close (sock);
  return ok;
}

/* The kernel's fixed misc minors (include/linux/miscdevice.h, not in the
 * UAPI headers): what /dev/net/tun and /dev/vhost-net are. */
#define MISC_MAJOR_NUMBER 10
#define TUN_MINOR_NUMBER 200
#define VHOST_NET_MINOR_NUMBER 238

static gboolean
is_device (const struct stat *st, const char *kind)
{
  unsigned int minor = g_str_equal (kind, "tun") ? TUN_MINOR_NUMBER : VHOST_NET_MINOR_NUMBER;

  return S_ISCHR (st->st_mode) && major (st->st_rdev) == MISC_MAJOR_NUMBER
         && minor (st->st_rdev) == minor;
}

int
vb_tap_open_device (const char *path, const char *kind, const char *what, GError **error)
{
  struct stat st;
  int fd;

  if (stat (path, &st) < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "%s: the host has no %s (%s)", what,
                   path, g_strerror (errno));
      return -1;
    }
  if (!is_device (&st, kind))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "%s: %s is not the %s device (a character device %d:%d, as /dev/%s is)", what,
                   path, kind, MISC_MAJOR_NUMBER,
                   g_str_equal (kind, "tun") ? TUN_MINOR_NUMBER : VHOST_NET_MINOR_NUMBER,
                   g_str_equal (kind, "tun") ? "net/tun" : "vhost-net");
      return -1;
    }
  fd = open (path, O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "%s: cannot open %s: %s", what, path,
                   g_strerror (errno));
      return -1;
    }
  /* The node may have been replaced between the two looks. */
  if (fstat (fd, &st) < 0 || !is_device (&st, kind))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "%s: %s is not the %s device", what,
                   path, kind);
      close (fd);
      return -1;
    }
  return fd;
}

static gboolean
coalesce_ioctl (const char *ifname, struct ethtool_coalesce *ec, GError **error)
{
  struct ifreq ifr;
  int sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int saved;

  if (sock < 0)
    return fail (error, "open a socket", ifname, errno);
  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, ifname, IFNAMSIZ);
  ifr.ifr_data = (void *) ec;
  if (ioctl (sock, SIOCETHTOOL, &ifr) == 0)
    {
      close (sock);
      return TRUE;
    }
  saved = errno;
  close (sock);
  g_set_error (error, VB_ERROR, saved == EOPNOTSUPP ? VB_ERROR_NOT_SUPPORTED : VB_ERROR_FAILED,
               "<coalesce>: the kernel does not %s the interrupt coalescing of tap %s: %s",
               ec->cmd == ETHTOOL_SCOALESCE ? "set" : "read", ifname, g_strerror (saved));
  return FALSE;
}

gboolean
vb_tap_set_rx_frames (const char *ifname, guint frames, GError **error)
{
  struct ethtool_coalesce ec = { .cmd = ETHTOOL_GCOALESCE };

  /* Read first: the set writes every field, and the others stay the tap's. */
  if (!coalesce_ioctl (ifname, &ec, error))
    return FALSE;
  ec.cmd = ETHTOOL_SCOALESCE;
  ec.rx_max_coalesced_frames = frames;
  return coalesce_ioctl (ifname, &ec, error);
}

gboolean
vb_tap_get_rx_frames (const char *ifname, guint *frames, GError **error)
{
  struct ethtool_coalesce ec = { .cmd = ETHTOOL_GCOALESCE };

  if (!coalesce_ioctl (ifname, &ec, error))
    return FALSE;
  *frames = ec.rx_max_coalesced_frames;
  return TRUE;
}

gboolean
vb_tap_check_mtu (const char *ifname, guint mtu, GError **error)
{
  struct ifreq ifr;
  int sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  gboolean read;

  if (sock < 0)
    return fail (error, "open a socket", ifname, errno);
  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, ifname, IFNAMSIZ);
  read = ioctl (sock, SIOCGIFMTU, &ifr) == 0 || fail (error, "read the MTU of", ifname, errno);
  close (sock);
  if (!read)
    return FALSE;
  if ((guint) ifr.ifr_mtu != mtu)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "<mtu size='%u'>: tap %s is the host's (managed='no') and its MTU is %d; the "
                   "service does not change it: set it on the host or leave <mtu> out",
                   mtu, ifname, ifr.ifr_mtu);
      return FALSE;
    }
  return TRUE;
}
