/* <interface type='user'><backend type='passt'/>: passt, a helper the
 * service starts before QEMU (as QEMU's user, qemu-helper-process.c),
 * gives the guest its user network; QEMU 7.2 reaches it through
 * -netdev stream on passt's socket in the run directory. What the XML
 * says (<ip>, <route gateway>, <portForward>, <source dev>, <mtu>,
 * <backend logFile hostname fqdn>) becomes passt's options, each one its
 * own argv element: no shell, no option string a caller's text could
 * split. */
#include "qemu-command-private.h"

#include <gio/gio.h>

#define PASST_BINARY "/usr/bin/passt"

gboolean
vb_qemu_interface_is_passt (xmlNode *iface)
{
  return vb_xml_attr_is (vb_xml_child (iface, "backend"), "type", "passt");
}

/* What only passt acts on, on an interface of another kind: refused. */
gboolean
vb_qemu_passt_only_check (xmlNode *iface, const char *type, GError **error)
{
  static const char *const passt_only[] = { "portForward", "route" };
  xmlNode *backend = vb_xml_child (iface, "backend");

  if (vb_qemu_interface_is_passt (iface))
    {
      if (!g_str_equal (type, "user"))
        return refuse (error, backend, "the passt back end is for <interface type='user'>");
      return TRUE;
    }
  if (backend
      && (xmlHasProp (backend, BAD_CAST "logFile") || xmlHasProp (backend, BAD_CAST "hostname")
          || xmlHasProp (backend, BAD_CAST "fqdn")))
    return refuse (error, backend,
                   "logFile, hostname and fqdn are passt's (<backend type='passt'>)");
  for (guint i = 0; i < G_N_ELEMENTS (passt_only); i++)
    if (vb_xml_child (iface, passt_only[i]))
      return refuse (error, vb_xml_child (iface, passt_only[i]),
                     "<%s> is for the passt back end (<backend type='passt'>)", passt_only[i]);
  return TRUE;
}

/* An IP address as GLib reads it, of @family (0: either): it reaches
 * passt as one argument, but passt must get what the XML meant. */
static gboolean
ip_address (xmlNode *node, const char *attr, GSocketFamily *family, GError **error)
{
  g_autofree char *text = vb_xml_attr (node, attr);
  g_autoptr (GInetAddress) address = text ? g_inet_address_new_from_string (text) : NULL;

  if (!address)
    return refuse (error, node, "%s '%s' is not an IP address", attr, text ? text : "");
  if (family)
    *family = g_inet_address_get_family (address);
  return TRUE;
}

static void
arg2 (VbQemuHelperSpec *spec, const char *option, char *value)
{
  g_ptr_array_add (spec->argv, g_strdup (option));
  g_ptr_array_add (spec->argv, value);
}

static gboolean
passt_addresses (xmlNode *iface, VbQemuHelperSpec *spec, GError **error)
{
  gboolean seen[2] = { FALSE, FALSE }, gateway[2] = { FALSE, FALSE };

  for (xmlNode *ip = vb_xml_child (iface, "ip"); ip; ip = vb_xml_next (ip, "ip"))
    {
      GSocketFamily family;
      gboolean v6;

      if (!ip_address (ip, "address", &family, error))
        return FALSE;
      v6 = family == G_SOCKET_FAMILY_IPV6;
      if ((vb_xml_attr_is (ip, "family", "ipv6") && !v6)
          || (vb_xml_attr_is (ip, "family", "ipv4") && v6))
        return refuse (error, ip, "the address is not of the family the element names");
      if (seen[v6])
        return refuse (error, ip, "passt gives the guest one address of each family");
      seen[v6] = TRUE;
      arg2 (spec, "--address", vb_xml_attr (ip, "address"));
      if (xmlHasProp (ip, BAD_CAST "prefix"))
        {
          guint prefix = vb_xml_attr_uint (ip, "prefix", 0);

          if (v6)
            return refuse (error, ip, "passt takes no prefix for an IPv6 address");
          if (prefix < 1 || prefix > 32)
            return refuse (error, ip, "prefix %u is not an IPv4 prefix (1-32)", prefix);
          arg2 (spec, "--netmask", g_strdup_printf ("%u", prefix));
        }
    }
  for (xmlNode *route = vb_xml_child (iface, "route"); route; route = vb_xml_next (route, "route"))
    {
      GSocketFamily family;
      gboolean v6;

      if (!ip_address (route, "gateway", &family, error))
        return FALSE;
      v6 = family == G_SOCKET_FAMILY_IPV6;
      if (gateway[v6])
        return refuse (error, route, "passt takes one gateway of each family");
      gateway[v6] = TRUE;
      arg2 (spec, "--gateway", vb_xml_attr (route, "gateway"));
    }
  return TRUE;
}

static gboolean
port (xmlNode *node, const char *attr, guint *value, GError **error)
{
  *value = vb_xml_attr_uint (node, attr, 0);
  if (*value < 1 || *value > 65535)
    return refuse (error, node, "%s must be a port number (1-65535)", attr);
  return TRUE;
}

/* One <range> in passt's SPEC: [~]START[-END][:TO[-TO_END]]. */
static gboolean
port_range (xmlNode *range, GString *spec, GError **error)
{
  guint start, end = 0, to = 0;
  gboolean exclude = vb_xml_attr_is (range, "exclude", "yes");

  if (!port (range, "start", &start, error)
      || (xmlHasProp (range, BAD_CAST "end") && !port (range, "end", &end, error))
      || (xmlHasProp (range, BAD_CAST "to") && !port (range, "to", &to, error)))
    return FALSE;
  if (end && end < start)
    return refuse (error, range, "end %u comes before start %u", end, start);
  if (exclude && to)
    return refuse (error, range, "an excluded range is forwarded nowhere: no 'to'");
  if (to && end && to + (end - start) > 65535)
    return refuse (error, range, "the range forwarded to %u ends past port 65535", to);
  if (spec->len)
    g_string_append_c (spec, ',');
  g_string_append_printf (spec, "%s%u", exclude ? "~" : "", start);
  if (end)
    g_string_append_printf (spec, "-%u", end);
  if (to)
    g_string_append_printf (spec, ":%u", to);
  if (to && end)
    g_string_append_printf (spec, "-%u", to + (end - start));
  return TRUE;
}

static gboolean
host_interface (Builder *b, xmlNode *node, const char *dev, GError **error)
{
  g_autofree char *sys = NULL;

  if (!vb_qemu_plain_word (dev, NULL) || strlen (dev) > 15)
    return refuse (error, node, "'%s' is not an interface name", dev);
  sys = g_strdup_printf ("/sys/class/net/%s", dev);
  /* This host's interfaces: checked when the guest starts. */
  if (!b->context->dry_run && !host_has (b->context, sys))
    return refuse (error, node, "the host has no interface %s", dev);
  return TRUE;
}

/* <portForward proto address dev><range .../></portForward>: passt's
 * --tcp-ports / --udp-ports, "[ADDRESS][%DEV]/" before the ranges. */
static gboolean
passt_forwards (Builder *b, xmlNode *iface, VbQemuHelperSpec *spec, GError **error)
{
  for (xmlNode *forward = vb_xml_child (iface, "portForward"); forward;
       forward = vb_xml_next (forward, "portForward"))
    {
      g_autofree char *address = vb_xml_attr (forward, "address");
      g_autofree char *dev = vb_xml_attr (forward, "dev");
      g_autoptr (GString) ranges = g_string_new (NULL);
      GString *value = g_string_new (NULL);

      if (address && !ip_address (forward, "address", NULL, error))
        goto fail;
      if (dev && !host_interface (b, forward, dev, error))
        goto fail;
      for (xmlNode *range = vb_xml_child (forward, "range"); range;
           range = vb_xml_next (range, "range"))
        if (!port_range (range, ranges, error))
          goto fail;
      if (!ranges->len)
        {
          refuse (error, forward, "a <portForward> names its ports in <range> elements");
          goto fail;
        }
      if (address || dev)
        g_string_append_printf (value, "%s%s%s/", address ? address : "", dev ? "%" : "",
                                dev ? dev : "");
      g_string_append (value, ranges->str);
      arg2 (spec, vb_xml_attr_is (forward, "proto", "udp") ? "--udp-ports" : "--tcp-ports",
            g_string_free (value, FALSE));
      continue;
    fail:
      g_string_free (value, TRUE);
      return FALSE;
    }
  return TRUE;
}

/* A host name passt hands out by DHCP: letters, digits, '-' and '.'. */
static gboolean
dns_name (xmlNode *node, const char *attr, GError **error)
{
  g_autofree char *name = vb_xml_attr (node, attr);

  if (name && (!vb_qemu_plain_word (name, NULL) || strchr (name, '_') || strlen (name) > 253))
    return refuse (error, node, "%s '%s' is not a host name", attr, name);
  return TRUE;
}

/* <backend logFile hostname fqdn>. The log only in the domain's own run
 * directory, where QEMU's user writes anyway: passt opens it itself, and
 * anywhere else it would write (and truncate) a host file for the caller. */
static gboolean
passt_backend (Builder *b, xmlNode *backend, VbQemuHelperSpec *spec, GError **error)
{
  g_autofree char *log = vb_xml_attr (backend, "logFile");
  static const struct {
    const char *attr, *option;
  } names[] = { { "hostname", "--hostname" }, { "fqdn", "--fqdn" } };

  if (log)
    {
      g_autofree char *dir = g_path_get_dirname (log);
      g_autofree char *name = g_path_get_basename (log);
      g_autofree char *own = g_strdup_printf ("%s.log", spec->id);

      if (!g_path_is_absolute (log) || g_strcmp0 (dir, b->context->domain_dir) != 0
          || !vb_qemu_plain_word (name, NULL) || !g_str_has_suffix (name, ".log")
          || g_str_equal (name, "qemu.log") || g_str_equal (name, own))
        return refuse (error, backend,
                       "logFile '%s': passt logs only to a file NAME.log of the domain's run "
                       "directory %s (not qemu.log or %s, which the service writes); its output "
                       "is kept in %s there anyway",
                       log, b->context->domain_dir, own, own);
      arg2 (spec, "--log-file", g_steal_pointer (&log));
    }
  else
    /* Its messages on stderr, which the service keeps in "<id>.log". */
    g_ptr_array_add (spec->argv, g_strdup ("--stderr"));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *value = vb_xml_attr (backend, names[i].attr);

      if (!value)
        continue;
      if (!dns_name (backend, names[i].attr, error))
        return FALSE;
      /* Newer passt has them, Debian 12's (2023) has not: this host's
       * passt is asked when the guest starts. */
      if (!b->context->dry_run && b->context->program_has
          && !b->context->program_has (PASST_BINARY, names[i].option))
        return refuse (error, backend, "%s: this host's passt (%s) has no %s option", names[i].attr,
                       PASST_BINARY, names[i].option);
      arg2 (spec, names[i].option, g_steal_pointer (&value));
    }
  return TRUE;
}

gboolean
vb_qemu_build_passt (Builder *b, xmlNode *iface, const char *netdev, GString *out, GError **error)
{
  xmlNode *source = vb_xml_child (iface, "source");
  g_autofree char *dev = source ? vb_xml_attr (source, "dev") : NULL;
  g_autofree char *socket_name = g_strdup_printf ("passt-%s.sock", netdev);
  g_autofree char *socket_path = runtime_path (b, socket_name);
  xmlNode *mtu = vb_xml_child (iface, "mtu");
  VbQemuHelperSpec *spec;

  if (!b->context->dry_run && !host_has (b->context, PASST_BINARY))
    return refuse (error, vb_xml_child (iface, "backend"),
                   "the passt back end needs %s, which this host lacks (Debian package passt)",
                   PASST_BINARY);
  if (dev && !host_interface (b, source, dev, error))
    return FALSE;
  spec = g_new0 (VbQemuHelperSpec, 1);
  spec->id = g_strdup_printf ("passt-%s", netdev);
  spec->what = g_strdup ("passt");
  spec->element = g_strdup ("interface");
  spec->socket_path = g_strdup (socket_path);
  spec->argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (spec->argv, g_strdup (PASST_BINARY));
  /* In the foreground: the service watches it and ends it with QEMU;
   * --one-off: it ends by itself too when QEMU goes. */
  g_ptr_array_add (spec->argv, g_strdup ("--foreground"));
  g_ptr_array_add (spec->argv, g_strdup ("--one-off"));
  arg2 (spec, "--socket", g_strdup (socket_path));
  /* As whom it runs (QEMU's user; root only when QEMU runs as root): passt
   * started as root would otherwise turn itself into "nobody", who cannot
   * reach the run directory. */
  arg2 (spec, "--runas", g_strdup ("@RUNAS@"));
  if (mtu)
    arg2 (spec, "--mtu", g_strdup_printf ("%u", vb_xml_attr_uint (mtu, "size", 0)));
  if (dev)
    arg2 (spec, "--interface", g_strdup (dev));
  if (!passt_backend (b, vb_xml_child (iface, "backend"), spec, error)
      || !passt_addresses (iface, spec, error) || !passt_forwards (b, iface, spec, error))
    {
      vb_qemu_helper_spec_free (spec);
      return FALSE;
    }
  g_ptr_array_add (spec->argv, NULL);
  g_ptr_array_add (b->command->helpers, spec);
  g_string_append_printf (out, "stream,id=%s,server=off,addr.type=unix", netdev);
  vb_qemu_opt (out, "addr.path", socket_path);
  return TRUE;
}
