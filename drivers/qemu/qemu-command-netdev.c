/* The host side of an <interface> that is not a tap of the service's:
 * QEMU's user network (with <ip>), sockets (udp, mcast, client, server),
 * vhost-user and vDPA; and the options of a tap's -netdev. */
#include "qemu-command-private.h"

/* A host name or IPv4 address: QEMU's socket netdev reads "HOST:PORT", so
 * nothing but letters, digits, '.' and '-' (no IPv6: its ':' would split). */
static gboolean
inet_host (xmlNode *node, const char *host, GError **error)
{
  if (vb_qemu_plain_word (host, NULL))
    return TRUE;
  return refuse (error, node, "address '%s' is not an IPv4 address or host name", host);
}

static gboolean
user_ip (xmlNode *iface, GString *out, GError **error)
{
  gboolean v4 = FALSE, v6 = FALSE;

  for (xmlNode *ip = vb_xml_child (iface, "ip"); ip; ip = vb_xml_next (ip, "ip"))
    {
      g_autofree char *address = vb_xml_attr (ip, "address");
      gboolean ipv6 = vb_xml_attr_is (ip, "family", "ipv6") || strchr (address, ':');
      guint prefix = vb_xml_attr_uint (ip, "prefix", ipv6 ? 64 : 24);

      if (!vb_qemu_plain_word (address, ":"))
        return refuse (error, ip, "'%s' is not an IP address", address);
      if (ipv6 ? v6 : v4)
        return refuse (error, ip, "one <ip> of each family at most");
      if (prefix > (ipv6 ? 128u : 32u))
        return refuse (error, ip, "prefix %u is too long", prefix);
      g_string_append_printf (out, ",%s=", ipv6 ? "ipv6-net" : "net");
      vb_qemu_opt_value (out, address);
      g_string_append_printf (out, "/%u", prefix);
      *(ipv6 ? &v6 : &v4) = TRUE;
    }
  return TRUE;
}

static gboolean
socket_netdev (Builder *b, xmlNode *iface, const char *type, GString *out, GError **error)
{
  xmlNode *source = vb_xml_child (iface, "source");
  g_autofree char *address = source ? vb_xml_attr (source, "address") : NULL;
  guint port = vb_xml_attr_uint (source, "port", 0);
  const char *key = g_str_equal (type, "mcast")    ? "mcast"
                    : g_str_equal (type, "udp")    ? "udp"
                    : g_str_equal (type, "client") ? "connect"
                                                   : "listen";

  (void) b;
  if (!source || port == 0 || port > 65535)
    return refuse (error, source ? source : iface,
                   "interface type '%s' needs <source address port> (port 1-65535)", type);
  if (!address && !g_str_equal (type, "server"))
    return refuse (error, source, "interface type '%s' needs <source address>", type);
  if (address && !inet_host (source, address, error))
    return FALSE;
  g_string_append_printf (out, ",%s=%s:%u", key, address ? address : "", port);
  if (g_str_equal (type, "udp"))
    {
      xmlNode *local = vb_xml_child (source, "local");
      g_autofree char *local_address = local ? vb_xml_attr (local, "address") : NULL;
      guint local_port = vb_xml_attr_uint (local, "port", 0);

      if (!local || local_port > 65535 || !inet_host (local, local_address, error))
        return local ? FALSE : refuse (error, source, "a udp interface needs <local address port>");
      g_string_append_printf (out, ",localaddr=%s:%u", local_address, local_port);
    }
  return TRUE;
}

static gboolean
vhostuser_netdev (Builder *b, xmlNode *iface, const char *netdev, GString *out, GError **error)
{
  xmlNode *source = vb_xml_child (iface, "source");
  g_autofree char *path = source ? vb_xml_attr (source, "path") : NULL;
  g_autoptr (GString) chardev = g_string_new (NULL);
  guint queues = vb_xml_attr_uint (vb_xml_child (iface, "driver"), "queues", 1);

  if (!path || !*path || !vb_xml_attr_is (source, "type", "unix"))
    return refuse (error, source ? source : iface,
                   "a vhostuser interface needs <source type='unix' path mode>");
  g_string_append_printf (chardev, "socket,id=char%s", netdev);
  vb_qemu_opt (chardev, "path", path);
  /* mode='server': QEMU listens and waits for the back end before the
   * guest runs, as libvirt has it. */
  if (vb_xml_attr_is (source, "mode", "server"))
    g_string_append (chardev, ",server=on");
  /* A client connects again after the back end restarts. */
  if (vb_xml_attr_is (vb_xml_child (source, "reconnect"), "enabled", "yes"))
    {
      if (vb_xml_attr_is (source, "mode", "server"))
        return refuse (error, vb_xml_child (source, "reconnect"), "reconnect is for mode='client'");
      g_string_append_printf (chardev, ",reconnect=%u",
                              vb_xml_attr_uint (vb_xml_child (source, "reconnect"), "timeout", 1));
    }
  add2 (b, "-chardev", chardev->str);
  g_string_append_printf (out, ",chardev=char%s", netdev);
  if (queues > 1)
    g_string_append_printf (out, ",queues=%u", queues);
  return TRUE;
}

static gboolean
vdpa_netdev (Builder *b, xmlNode *iface, GString *out, GError **error)
{
  xmlNode *source = vb_xml_child (iface, "source");
  g_autofree char *dev = source ? vb_xml_attr (source, "dev") : NULL;

  const char *number =
    dev && g_str_has_prefix (dev, "/dev/vhost-vdpa-") ? dev + strlen ("/dev/vhost-vdpa-") : NULL;

  if (!number || !*number || strspn (number, "0123456789") != strlen (number))
    return refuse (error, source ? source : iface,
                   "a vdpa interface needs <source dev='/dev/vhost-vdpa-N'>");
  /* Hardware these hosts lack: checked when the guest starts. */
  if (!b->context->dry_run && !host_has (b->context, dev))
    return refuse (error, source, "the host has no vDPA device %s", dev);
  vb_qemu_opt (out, "vhostdev", dev);
  return TRUE;
}

/* The attributes of <source> each interface type reads; any other would be
 * accepted and not acted on: refused. */
gboolean
vb_qemu_interface_source_fits (xmlNode *iface, const char *type, GError **error)
{
  static const struct {
    const char *type;
    const char *const attrs[4];
  } fits[] = {
    { "network", { "network", "portgroup", NULL } },
    { "bridge", { "bridge", NULL } },
    { "udp", { "address", "port", NULL } },
    { "mcast", { "address", "port", NULL } },
    { "client", { "address", "port", NULL } },
    { "server", { "address", "port", NULL } },
    { "vhostuser", { "type", "path", "mode", NULL } },
    { "vdpa", { "dev", NULL } },
    { "direct", { "dev", "mode", NULL } },
  };
  /* passt binds to a host interface of its own: --interface. */
  static const char *const passt[] = { "dev", NULL };
  xmlNode *source = vb_xml_child (iface, "source");
  const char *const *attrs = NULL;

  if (!source)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (fits); i++)
    if (g_str_equal (type, fits[i].type))
      attrs = fits[i].attrs;
  if (g_str_equal (type, "user") && vb_qemu_interface_is_passt (iface))
    attrs = passt;
  for (xmlAttr *attr = source->properties; attr; attr = attr->next)
    if (!attrs || !g_strv_contains (attrs, (const char *) attr->name))
      return refuse (error, source, "attribute '%s' does not apply to an interface of type '%s'",
                     (const char *) attr->name, type);
  if (vb_xml_child (source, "local") && !g_str_equal (type, "udp"))
    return refuse (error, vb_xml_child (source, "local"), "<local> is for type='udp' only");
  if (vb_xml_child (source, "reconnect") && !g_str_equal (type, "vhostuser"))
    return refuse (error, vb_xml_child (source, "reconnect"), "<reconnect> is for vhostuser");
  return TRUE;
}

gboolean
vb_qemu_build_netdev (Builder *b, xmlNode *iface, const char *type, const char *netdev,
                      GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean ok;

  if ((g_str_equal (type, "vhostuser") || g_str_equal (type, "vdpa"))
      && !g_str_has_prefix (vb_qemu_nic_device (iface, NULL), "virtio-net"))
    return refuse (error, iface, "a %s interface needs a virtio NIC model", type);
  if (g_str_equal (type, "user") && vb_qemu_interface_is_passt (iface))
    ok = vb_qemu_build_passt (b, iface, netdev, out, error);
  else if (g_str_equal (type, "user"))
    {
      g_string_append_printf (out, "user,id=%s", netdev);
      ok = user_ip (iface, out, error);
    }
  else if (g_str_equal (type, "udp") || g_str_equal (type, "mcast") || g_str_equal (type, "client")
           || g_str_equal (type, "server"))
    {
      g_string_append_printf (out, "socket,id=%s", netdev);
      ok = socket_netdev (b, iface, type, out, error);
    }
  else if (g_str_equal (type, "vhostuser"))
    {
      g_string_append_printf (out, "vhost-user,id=%s", netdev);
      ok = vhostuser_netdev (b, iface, netdev, out, error);
    }
  else if (g_str_equal (type, "vdpa"))
    {
      g_string_append_printf (out, "vhost-vdpa,id=%s", netdev);
      ok = vdpa_netdev (b, iface, out, error);
    }
  else
    return refuse (error, iface, "interface type '%s' is not supported", type);
  if (!ok)
    return FALSE;
  if (!g_str_equal (type, "user") && vb_xml_child (iface, "ip"))
    return refuse (error, vb_xml_child (iface, "ip"), "<ip> applies to type='user' only");
  if (vb_xml_child (iface, "tune"))
    return refuse (error, vb_xml_child (iface, "tune"), "<tune><sndbuf> applies to taps only");
  /* SLIRP runs inside QEMU: there is no tap for a vhost-net to serve.
   * libvirt runs such a NIC without vhost-net; virtbus refuses rather than
   * run it otherwise than the XML asks. */
  if (vb_xml_attr_is (vb_xml_child (iface, "driver"), "name", "vhost"))
    return refuse (error, vb_xml_child (iface, "driver"),
                   "driver name='vhost' applies to taps (bridge, network, ethernet) only");
  add2 (b, "-netdev", out->str);
  return TRUE;
}

gboolean
vb_qemu_netdev_tap_options (Builder *b, xmlNode *iface, GString *out, GError **error)
{
  xmlNode *driver = vb_xml_child (iface, "driver");
  xmlNode *sndbuf = vb_xml_child (vb_xml_child (iface, "tune"), "sndbuf");
  xmlNode *target = vb_xml_child (iface, "target");
  g_autofree char *dev = target ? vb_xml_attr (target, "dev") : NULL;
  xmlNode *backend = vb_xml_child (iface, "backend");
  g_autofree char *tun_path = backend ? vb_xml_attr (backend, "tap") : NULL;
  g_autofree char *vhost_path = backend ? vb_xml_attr (backend, "vhost") : NULL;

  /* managed='no': a tap the host's administrator made, used as it is. */
  if (vb_xml_attr_is (target, "managed", "no"))
    {
      g_autofree char *sys = dev ? g_strdup_printf ("/sys/class/net/%s", dev) : NULL;

      if (!vb_xml_attr_is (iface, "type", "ethernet") || !dev)
        return refuse (error, target, "managed='no' is for type='ethernet' with a <target dev>");
      if (!b->context->dry_run && !host_has (b->context, sys))
        return refuse (error, target, "the host has no tap device %s (managed='no')", dev);
    }

  if (vb_xml_child (iface, "ip"))
    return refuse (error, vb_xml_child (iface, "ip"), "<ip> applies to type='user' only");
  if (vhost_path)
    {
      VbQemuTap *tap = b->command->taps->pdata[b->command->taps->len - 1];

      /* The device the service opens for QEMU: which one it is, is checked
       * when it is opened (qemu-tap-devices.c). */
      if (vb_xml_attr_is (driver, "name", "qemu"))
        return refuse (error, backend,
                       "vhost='%s' names the vhost-net device, and driver name='qemu' uses none",
                       vhost_path);
      if (!g_path_is_absolute (vhost_path))
        return refuse (error, backend, "vhost='%s' is not an absolute path", vhost_path);
      tap->vhost_path = g_strdup (vhost_path);
      tap->vhost_fd_arg = g_strdup_printf ("@VHOSTFD%u@", b->command->taps->len - 1);
      /* One vhost-net descriptor per queue of the tap. */
      g_string_append_printf (out, ",vhost=on,%s=%s", tap->queues > 1 ? "vhostfds" : "vhostfd",
                              tap->vhost_fd_arg);
    }
  else if (vb_xml_attr_is (driver, "name", "vhost"))
    {
      /* The kernel's virtio-net back end: checked when the guest starts.
       * QEMU opens /dev/vhost-net itself, once per queue. */
      if (!b->context->dry_run && !host_has (b->context, "/dev/vhost-net"))
        return refuse (error, driver,
                       "driver name='vhost' needs /dev/vhost-net, which this "
                       "host lacks (modprobe vhost_net)");
      g_string_append (out, ",vhost=on");
    }
  else if (vb_xml_attr_is (driver, "name", "qemu"))
    g_string_append (out, ",vhost=off");
  if (tun_path)
    {
      VbQemuTap *tap = b->command->taps->pdata[b->command->taps->len - 1];

      if (!g_path_is_absolute (tun_path))
        return refuse (error, backend, "tap='%s' is not an absolute path", tun_path);
      tap->tun_path = g_strdup (tun_path);
    }
  if (sndbuf)
    {
      g_autofree char *text = vb_xml_text (sndbuf);

      vb_qemu_opt (out, "sndbuf", text);
    }
  return TRUE;
}
