/* macvtap links of <interface type='direct'>: see qemu-macvtap.h. */
#include "qemu-macvtap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "qemu-rtnl.h"
#include "vb-error.h"
#include "vb-log.h"
#include "xml-schema.h"

/* libvirt's bound on generated names (macvtap0 ... macvtap8191). */
#define MAX_GENERATED 8192

guint
vb_macvtap_mode (const char *mode)
{
  if (!mode || g_str_equal (mode, "vepa"))
    return MACVLAN_MODE_VEPA;
  if (g_str_equal (mode, "bridge"))
    return MACVLAN_MODE_BRIDGE;
  if (g_str_equal (mode, "private"))
    return MACVLAN_MODE_PRIVATE;
  /* libvirt's word for the kernel's passthru: the one macvtap of the device. */
  if (g_str_equal (mode, "passthrough"))
    return MACVLAN_MODE_PASSTHRU;
  return 0;
}

gboolean
vb_macvtap_valid_ifname (const char *name)
{
  if (!name || !*name || strlen (name) >= IFNAMSIZ || name[0] == '-' || g_str_equal (name, ".")
      || g_str_equal (name, ".."))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("._-", *p))
      return FALSE;
  return TRUE;
}

char *
vb_macvtap_requested_name (const char *target)
{
  if (!target || g_str_has_prefix (target, "macvtap") || g_str_has_prefix (target, "macvlan")
      || g_str_has_prefix (target, "vnet"))
    return NULL;
  return g_strdup (target);
}

typedef struct {
  struct nlmsghdr header;
  struct ifinfomsg info;
  char attrs[256];
} Request;

static struct rtattr *
put_attr (Request *request, unsigned short type, const void *data, gsize length)
{
  struct rtattr *attr =
    (struct rtattr *) ((char *) request + NLMSG_ALIGN (request->header.nlmsg_len));

  g_assert (NLMSG_ALIGN (request->header.nlmsg_len) + RTA_SPACE (length) <= sizeof *request);
  attr->rta_type = type;
  attr->rta_len = RTA_LENGTH (length);
  if (length)
    memcpy (RTA_DATA (attr), data, length);
  request->header.nlmsg_len = NLMSG_ALIGN (request->header.nlmsg_len) + RTA_SPACE (length);
  return attr;
}

/* Closes a nested attribute opened by put_attr (.., NULL, 0). */
static void
end_nest (Request *request, struct rtattr *nest)
{
  nest->rta_len = (unsigned short) ((char *) request + request->header.nlmsg_len - (char *) nest);
}

static int
new_link (const char *name, unsigned lower, guint mode, const unsigned char mac[6])
{
  Request request = { 0 };
  struct rtattr *linkinfo, *data;
  guint32 link = lower, mode32 = mode;

  request.header.nlmsg_len = NLMSG_LENGTH (sizeof (struct ifinfomsg));
  request.header.nlmsg_type = RTM_NEWLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  request.info.ifi_family = AF_UNSPEC;
  /* Up at once: the guest's end works as soon as QEMU has it. */
  request.info.ifi_flags = IFF_UP;
  request.info.ifi_change = IFF_UP;
  put_attr (&request, IFLA_LINK, &link, sizeof link);
  put_attr (&request, IFLA_IFNAME, name, strlen (name) + 1);
  put_attr (&request, IFLA_ADDRESS, mac, 6);
  linkinfo = put_attr (&request, IFLA_LINKINFO, NULL, 0);
  put_attr (&request, IFLA_INFO_KIND, "macvtap", strlen ("macvtap"));
  data = put_attr (&request, IFLA_INFO_DATA, NULL, 0);
  put_attr (&request, IFLA_MACVLAN_MODE, &mode32, sizeof mode32);
  end_nest (&request, data);
  end_nest (&request, linkinfo);
  return vb_qemu_rtnl_talk (&request.header);
}

static gboolean
is_macvtap (const char *name)
{
  g_autofree char *sys = g_build_filename ("/sys/class/net", name, "macvtap", NULL);

  return g_file_test (sys, G_FILE_TEST_IS_DIR);
}

/* Deletes macvtap @name if it is still link @expected (0: any link of
 * that name). */
static gboolean
delete_link (const char *name, unsigned expected, GError **error)
{
  Request request = { 0 };
  unsigned index = if_nametoindex (name);
  int saved;

  /* Never another interface that took the name since: the kernel deletes a
   * macvtap with its lower device (a NIC unplugged, a VLAN or veth deleted),
   * and the next macvtapN made, anyone's, gets the name. */
  if (index == 0 || (expected && index != expected) || !is_macvtap (name))
    return TRUE;
  request.header.nlmsg_len = NLMSG_LENGTH (sizeof (struct ifinfomsg));
  request.header.nlmsg_type = RTM_DELLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  request.info.ifi_family = AF_UNSPEC;
  request.info.ifi_index = (int) index;
  saved = vb_qemu_rtnl_talk (&request.header);
  if (saved && saved != ENODEV)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot delete macvtap %s: %s", name,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_tap (const char *name)
{
  g_autofree char *sys = g_build_filename ("/sys/class/net", name, "tun_flags", NULL);

  return g_file_test (sys, G_FILE_TEST_EXISTS);
}

gboolean
vb_macvtap_delete (const char *name, GError **error)
{
  return delete_link (name, 0, error);
}

/* "NAME:IFINDEX" (a record of vb_qemu_macvtaps_of(); a status file written
 * before the index was kept has NAME alone: index 0). */
static char *
record_name (const char *record, unsigned *index)
{
  const char *colon = strchr (record, ':');
  guint64 value = 0;

  *index = 0;
  if (!colon)
    return g_strdup (record);
  if (g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXINT, &value, NULL))
    *index = (unsigned) value;
  return g_strndup (record, colon - record);
}

static gboolean
delete_record (const char *record, GError **error)
{
  unsigned index;
  g_autofree char *name = record_name (record, &index);

  return delete_link (name, index, error);
}

void
vb_macvtap_delete_all (const char *const *records, const char *log_name)
{
  for (guint i = 0; records && records[i]; i++)
    {
      g_autoptr (GError) error = NULL;

      if (!delete_record (records[i], &error))
        vb_log_warning (log_name, "%s", error->message);
    }
}

/* The link's character device, /dev/tapN (N: its ifindex), which devtmpfs
 * makes; checked against the numbers sysfs gives it. */
static int
open_tap_device (const char *name, unsigned *opened_index, GError **error)
{
  unsigned index = if_nametoindex (name);
  g_autofree char *sys = g_strdup_printf ("/sys/class/net/%s/macvtap/tap%u/dev", name, index);
  g_autofree char *dev = g_strdup_printf ("/dev/tap%u", index);
  g_autofree char *numbers = NULL;
  unsigned major_number = 0, minor_number = 0;
  struct stat st;
  struct ifreq ifr;
  int fd = -1;

  if (index == 0 || !g_file_get_contents (sys, &numbers, NULL, NULL)
      || sscanf (numbers, "%u:%u", &major_number, &minor_number) != 2)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot find the device of macvtap %s", name);
      return -1;
    }
  /* devtmpfs makes the node as the link appears: a short wait at most. */
  for (int tries = 0; tries < 50 && fd < 0; tries++)
    {
      fd = open (dev, O_RDWR | O_CLOEXEC | O_NOCTTY);
      if (fd < 0 && errno == ENOENT)
        g_usleep (20000);
      else if (fd < 0)
        break;
    }
  if (fd < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot open %s for macvtap %s: %s", dev, name,
                   g_strerror (errno));
      return -1;
    }
  if (fstat (fd, &st) < 0 || !S_ISCHR (st.st_mode) || major (st.st_rdev) != major_number
      || minor (st.st_rdev) != minor_number)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "%s is not the device of macvtap %s", dev,
                   name);
      close (fd);
      return -1;
    }
  /* Virtio headers, as on the taps the service makes (IFF_VNET_HDR). */
  memset (&ifr, 0, sizeof ifr);
  if (ioctl (fd, TUNGETIFF, &ifr) == 0 && !(ifr.ifr_flags & IFF_VNET_HDR))
    {
      ifr.ifr_flags |= IFF_VNET_HDR;
      if (ioctl (fd, TUNSETIFF, &ifr) < 0)
        vb_log_warning (NULL, "macvtap %s: no virtio headers: %s", name, g_strerror (errno));
    }
  *opened_index = index;
  return fd;
}

static gboolean
parse_mac (const char *text, unsigned char mac[6])
{
  return text
         && sscanf (text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
                    &mac[4], &mac[5])
              == 6;
}

int
vb_macvtap_create (const char *name, const char *lower, guint mode, const char *mac, char **created,
                   guint *created_index, GError **error)
{
  unsigned char bytes[6];
  unsigned lower_index;
  g_autofree char *made = NULL;
  int saved = 0, fd;

  if (!vb_macvtap_valid_ifname (lower) || (lower_index = if_nametoindex (lower)) == 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "<interface type='direct'>: the host has no network device '%s' (<source dev>)",
                   lower);
      return -1;
    }
  /* A tap is a guest's (type='ethernet' routes it, unbridged): a macvtap on
   * it would reach that guest past its host side, and go when it goes. */
  if (is_tap (lower))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "<interface type='direct'>: '%s' is a tap, another guest's end, not a host "
                   "network device (<source dev>)",
                   lower);
      return -1;
    }
  if ((name && !vb_macvtap_valid_ifname (name)) || !parse_mac (mac, bytes) || mode == 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "Cannot make a macvtap named '%s' with MAC '%s'", name ? name : "",
                   mac ? mac : "");
      return -1;
    }
  if (name)
    {
      made = g_strdup (name);
      saved = new_link (made, lower_index, mode, bytes);
      if (saved == EEXIST)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                       "The host already has an interface '%s': name another <target dev>", name);
          return -1;
        }
    }
  else
    {
      /* The lowest free macvtapN; EEXIST is a name taken, try the next. */
      saved = EEXIST;
      for (guint n = 0; n < MAX_GENERATED && saved == EEXIST; n++)
        {
          g_free (made);
          made = g_strdup_printf ("macvtap%u", n);
          if (if_nametoindex (made) == 0)
            saved = new_link (made, lower_index, mode, bytes);
        }
    }
  if (saved)
    {
      g_set_error (error, VB_ERROR, saved == EOPNOTSUPP ? VB_ERROR_NOT_SUPPORTED : VB_ERROR_FAILED,
                   "Cannot make macvtap %s on '%s': %s", made, lower,
                   saved == EOPNOTSUPP || (saved == EINVAL && mode == MACVLAN_MODE_PASSTHRU)
                     ? "the kernel refused it (a passthru macvtap needs a device no other "
                       "macvtap uses)"
                     : g_strerror (saved));
      return -1;
    }
  fd = open_tap_device (made, created_index, error);
  if (fd < 0)
    {
      vb_macvtap_delete (made, NULL);
      return -1;
    }
  *created = g_steal_pointer (&made);
  return fd;
}

int
vb_macvtap_open_queue (const char *name, unsigned index, GError **error)
{
  unsigned opened = 0;
  int fd = open_tap_device (name, &opened, error);

  /* The name may have gone to another link since the first queue opened. */
  if (fd >= 0 && opened != index)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "macvtap %s changed while its queues were opened", name);
      close (fd);
      return -1;
    }
  return fd;
}

GStrv
vb_qemu_macvtaps_of (const VbQemuCommand *command)
{
  GPtrArray *names = g_ptr_array_new ();

  for (guint i = 0; i < command->taps->len; i++)
    {
      const VbQemuTap *tap = command->taps->pdata[i];

      if (tap->macvtap_dev && tap->macvtap_made)
        g_ptr_array_add (names, g_strdup_printf ("%s:%u", tap->ifname, tap->macvtap_index));
    }
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

void
vb_qemu_macvtap_name_live (VbDomain *domain, const VbQemuCommand *command)
{
  g_auto (GStrv) names = vb_qemu_macvtaps_of (command);
  g_autoptr (xmlDoc) doc = NULL;
  xmlNode *devices;
  g_autofree char *xml = NULL;
  VbDomainDef *updated;

  if (!names[0])
    return;
  doc = vb_xml_parse (vb_domain_get_live_def (domain)->xml, "domain", NULL);
  devices = doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;
  for (xmlNode *iface = vb_xml_child (devices, "interface"); iface;
       iface = vb_xml_next (iface, "interface"))
    {
      xmlNode *mac = vb_xml_child (iface, "mac");
      g_autofree char *address = mac ? vb_xml_attr (mac, "address") : NULL;

      if (!vb_xml_attr_is (iface, "type", "direct") || !address)
        continue;
      for (guint i = 0; i < command->taps->len; i++)
        {
          const VbQemuTap *tap = command->taps->pdata[i];
          xmlNode *target;

          if (!tap->macvtap_made || g_ascii_strcasecmp (tap->mac, address) != 0)
            continue;
          target = vb_xml_child (iface, "target");
          if (!target)
            target = xmlNewChild (iface, NULL, BAD_CAST "target", NULL);
          xmlSetProp (target, BAD_CAST "dev", BAD_CAST tap->ifname);
        }
    }
  if (!devices)
    return;
  xml = vb_xml_format (doc);
  updated = vb_domain_def_parse_live (xml, NULL);
  if (updated)
    vb_domain_set_live_def (domain, updated);
}

void
vb_qemu_macvtap_release (QemuDomain *qd, const char *mac)
{
  GPtrArray *kept = g_ptr_array_new ();

  for (guint i = 0; mac && qd->status && qd->status->macvtaps && qd->status->macvtaps[i]; i++)
    {
      unsigned index;
      g_autofree char *name = record_name (qd->status->macvtaps[i], &index);
      g_autofree char *sys = g_build_filename ("/sys/class/net", name, "address", NULL);
      g_autofree char *address = NULL;
      g_autoptr (GError) error = NULL;

      if (!g_file_get_contents (sys, &address, NULL, NULL)
          || g_ascii_strcasecmp (g_strstrip (address), mac) != 0)
        {
          g_ptr_array_add (kept, g_strdup (qd->status->macvtaps[i]));
          continue;
        }
      if (!delete_link (name, index, &error))
        vb_log_warning (vb_qemu_log_name (qd->domain), "%s", error->message);
    }
  g_ptr_array_add (kept, NULL);
  if (qd->status)
    {
      g_strfreev (qd->status->macvtaps);
      qd->status->macvtaps = (GStrv) g_ptr_array_free (kept, FALSE);
    }
  else
    g_ptr_array_free (kept, TRUE);
}

static void
gone (QemuDomain *qd)
{
  if (qd->status && qd->status->macvtaps)
    vb_macvtap_delete_all ((const char *const *) qd->status->macvtaps,
                           vb_qemu_log_name (qd->domain));
}

const VbQemuPart vb_qemu_macvtap_part = {
  .name = "macvtap",
  .gone = gone,
};
