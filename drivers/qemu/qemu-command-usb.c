/* The command line of the USB devices beyond inputs and disks: <hub>,
 * <redirdev> with its <redirfilter>, <smartcard> (and the ccid controller
 * it sits on), and the chardevs device back ends read from. */
#include "qemu-command-private.h"

#include <stdio.h>

/* ---- chardevs of device back ends ---- */

static gboolean
tcp_endpoint (xmlNode *source, GString *out, const char *host_key, const char *port_key,
              GError **error)
{
  g_autofree char *host = vb_xml_attr (source, "host");
  g_autofree char *service = vb_xml_attr (source, "service");
  guint port = vb_xml_attr_uint (source, "service", 0);

  if (!service || port == 0 || port > 65535 || strspn (service, "0123456789") != strlen (service))
    return refuse (error, source, "service='%s' is not a port number (1-65535)",
                   service ? service : "");
  vb_qemu_opt (out, host_key, host && *host ? host : "localhost");
  g_string_append_printf (out, ",%s=%u", port_key, port);
  return TRUE;
}

static xmlNode *
source_of_mode (xmlNode *parent, const char *mode)
{
  for (xmlNode *s = vb_xml_child (parent, "source"); s; s = vb_xml_next (s, "source"))
    if (g_strcmp0 (mode, "connect") == 0 ? !vb_xml_attr_is (s, "mode", "bind")
                                         : vb_xml_attr_is (s, "mode", mode))
      return s;
  return NULL;
}

gboolean
vb_qemu_device_chardev (Builder *b, xmlNode *node, const char *id, const char *type,
                        xmlNode *source_parent, const char *spice_name, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  xmlNode *connect = source_of_mode (source_parent, "connect");
  xmlNode *bind = source_of_mode (source_parent, "bind");

  if (g_str_equal (type, "tcp"))
    {
      xmlNode *source = bind ? bind : connect;

      if (!source)
        return refuse (error, node, "a tcp back end needs a <source host service>");
      g_string_append_printf (out, "socket,id=%s", id);
      if (!tcp_endpoint (source, out, "host", "port", error))
        return FALSE;
      /* mode='bind': QEMU listens, and does not wait for the peer to run. */
      if (source == bind)
        g_string_append (out, ",server=on,wait=off");
      if (!vb_qemu_chardev_reconnect (source, source == bind, out, error))
        return FALSE;
    }
  else if (g_str_equal (type, "udp"))
    {
      if (!connect)
        return refuse (error, node, "a udp back end needs a <source mode='connect' host service>");
      for (xmlNode *s = vb_xml_child (source_parent, "source"); s; s = vb_xml_next (s, "source"))
        if (vb_xml_child (s, "reconnect"))
          return refuse (error, vb_xml_child (s, "reconnect"),
                         "<reconnect> is for a tcp or unix socket of mode 'connect'");
      g_string_append_printf (out, "udp,id=%s", id);
      if (!tcp_endpoint (connect, out, "host", "port", error)
          || (bind && !tcp_endpoint (bind, out, "localaddr", "localport", error)))
        return FALSE;
    }
  else if (g_str_equal (type, "unix"))
    {
      xmlNode *source = bind ? bind : connect;
      g_autofree char *path = source ? vb_xml_attr (source, "path") : NULL;

      if (!path || !*path)
        return refuse (error, node, "a unix back end needs a <source path>");
      g_string_append_printf (out, "socket,id=%s", id);
      vb_qemu_opt (out, "path", path);
      if (source == bind)
        g_string_append (out, ",server=on,wait=off");
      if (!vb_qemu_chardev_reconnect (source, source == bind, out, error))
        return FALSE;
    }
  else if (g_str_equal (type, "file") || g_str_equal (type, "pipe"))
    {
      /* A file written (file) or a FIFO pair read and written (pipe): the
       * path is a host path like a serial port's (domain-host-paths.c). */
      g_autofree char *path = connect ? vb_xml_attr (connect, "path") : NULL;

      if (!path || !*path)
        return refuse (error, node, "a %s back end needs a <source path>", type);
      g_string_append_printf (out, "%s,id=%s", type, id);
      vb_qemu_opt (out, "path", path);
    }
  else if (g_str_equal (type, "spicevmc") && spice_name)
    {
      if (vb_xml_child (source_parent, "source"))
        return refuse (error, node, "a spicevmc back end has no <source>");
      if (!b->spice)
        return refuse (error, node, "a spicevmc back end needs <graphics type='spice'>");
      g_string_append_printf (out, "spicevmc,id=%s,name=%s", id, spice_name);
    }
  else if (g_str_equal (type, "spicevmc"))
    return refuse (error, node,
                   "a spicevmc back end is SPICE's channel of a redirdev or a smartcard; "
                   "SPICE has none for an RNG");
  else
    /* The other types as a serial port takes them (qemu-command-chardev.c). */
    return vb_qemu_build_backend_chardev (b, node, id, error);
  add2 (b, "-chardev", out->str);
  return TRUE;
}

/* ---- hubs ---- */

gboolean
vb_qemu_build_hub (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *id = g_strdup_printf ("hub%u", b->hubs++);
  g_autoptr (GString) out = g_string_new (NULL);

  if (!need_usb (b, node, error) || !fixed_id (node, id, error))
    return FALSE;
  g_string_append_printf (out, "usb-hub,id=%s", id);
  usb_address (node, out);
  add2 (b, "-device", out->str);
  return TRUE;
}

/* ---- redirection ---- */

/* -1 (any) or a number up to @max: "0x.."/decimal as libvirt reads it. */
static gboolean
filter_number (xmlNode *usbdev, const char *attr, guint max, GString *out, GError **error)
{
  g_autofree char *text = vb_xml_attr (usbdev, attr);
  char *end = NULL;
  guint64 value;

  if (!text || g_str_equal (text, "-1"))
    {
      g_string_append (out, "-1:");
      return TRUE;
    }
  value = g_ascii_strtoull (text, &end, 0);
  if (!*text || *end || value > max)
    return refuse (error, usbdev, "%s='%s' is not -1 or a number up to 0x%x", attr, text, max);
  g_string_append_printf (out, "0x%0*" G_GINT64_MODIFIER "x:", max > 0xff ? 4 : 2, value);
  return TRUE;
}

/* "M.mm" (USB's bcdDevice) or -1. */
static gboolean
filter_version (xmlNode *usbdev, GString *out, GError **error)
{
  g_autofree char *text = vb_xml_attr (usbdev, "version");
  guint major = 0, minor = 0;
  char dot = 0, extra = 0;

  if (!text || g_str_equal (text, "-1"))
    {
      g_string_append (out, "-1:");
      return TRUE;
    }
  if (sscanf (text, "%2u%c%2u%c", &major, &dot, &minor, &extra) != 3 || dot != '.'
      || strspn (text, "0123456789.") != strlen (text))
    return refuse (error, usbdev, "version='%s' is not -1 or M.mm", text);
  /* Binary-coded decimal: 2.00 is 0x0200. */
  g_string_append_printf (out, "0x%02x%02x:", (major / 10) << 4 | major % 10,
                          (minor / 10) << 4 | minor % 10);
  return TRUE;
}

/* The filter string usb-redir takes: rules "class:vendor:product:version:
 * allow" joined by '|', the first that matches decides. */
static gboolean
redir_filter (Builder *b, GString *filter, GError **error)
{
  xmlNode *redirfilter = vb_xml_child (b->devices, "redirfilter");

  for (xmlNode *usbdev = vb_xml_child (redirfilter, "usbdev"); usbdev;
       usbdev = vb_xml_next (usbdev, "usbdev"))
    {
      if (filter->len)
        g_string_append_c (filter, '|');
      if (!filter_number (usbdev, "class", 0xff, filter, error)
          || !filter_number (usbdev, "vendor", 0xffff, filter, error)
          || !filter_number (usbdev, "product", 0xffff, filter, error)
          || !filter_version (usbdev, filter, error))
        return FALSE;
      g_string_append_printf (filter, "%d", vb_xml_attr_is (usbdev, "allow", "yes"));
    }
  return TRUE;
}

gboolean
vb_qemu_build_redirfilter (Builder *b, xmlNode *node, GError **error)
{
  g_autoptr (GString) filter = g_string_new (NULL);

  /* The filter goes on every usb-redir (vb_qemu_build_redirdev): checked
   * here too, so a filter without a redirdev is still a valid one. */
  (void) node;
  return redir_filter (b, filter, error);
}

gboolean
vb_qemu_build_redirdev (Builder *b, xmlNode *redirdev, GError **error)
{
  guint index = b->redirs++;
  g_autofree char *type = vb_xml_attr (redirdev, "type");
  g_autofree char *id = g_strdup_printf ("redir%u", index);
  g_autofree char *chardev = g_strdup_printf ("charredir%u", index);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GString) filter = g_string_new (NULL);
  g_autofree char *channel = child_attr (redirdev, "source", "channel");

  if (!vb_xml_attr_is (redirdev, "bus", "usb"))
    return refuse (error, redirdev, "only USB redirection is supported");
  if (!need_usb (b, redirdev, error))
    return FALSE;
  if (!g_str_equal (type, "dbus") && !g_str_equal (type, "spiceport") && channel)
    return refuse (error, vb_xml_child (redirdev, "source"),
                   "a source channel is for a dbus or spiceport redirdev");
  if (g_str_equal (type, "dbus") ? !vb_qemu_build_dbus_redirdev (b, redirdev, chardev, error)
                                 : !vb_qemu_device_chardev (b, redirdev, chardev, type, redirdev,
                                                            "usbredir", error))
    return FALSE;
  if (!redir_filter (b, filter, error))
    return FALSE;
  g_string_append_printf (out, "usb-redir,chardev=%s,id=%s", chardev, id);
  if (filter->len)
    vb_qemu_opt (out, "filter", filter->str);
  if (!fixed_id (redirdev, id, error))
    return FALSE;
  usb_address (redirdev, out);
  boot_index (b, redirdev, out);
  add2 (b, "-device", out->str);
  return TRUE;
}

/* ---- smartcards ---- */

/* The NSS database of the host's smartcard readers and certificates. */
#define NSS_DB "/etc/pki/nssdb"

gboolean
vb_qemu_build_ccid_controller (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *id = g_strdup_printf ("ccid%u", vb_xml_attr_uint (node, "index", 0));
  g_autoptr (GString) out = g_string_new (NULL);

  gboolean usb = FALSE;

  /* Built with the controllers, maybe before the USB one: looked up. */
  for (xmlNode *c = vb_xml_child (b->devices, "controller"); c; c = vb_xml_next (c, "controller"))
    usb |= vb_xml_attr_is (c, "type", "usb") && !vb_xml_attr_is (c, "model", "none");
  if (!usb)
    return refuse (error, node, "a ccid controller needs a USB controller");
  if (!fixed_id (node, id, error))
    return FALSE;
  g_string_append_printf (out, "usb-ccid,id=%s", id);
  usb_address (node, out);
  add2 (b, "-device", out->str);
  return TRUE;
}

static gboolean
has_ccid_controller (Builder *b, guint index)
{
  for (xmlNode *c = vb_xml_child (b->devices, "controller"); c; c = vb_xml_next (c, "controller"))
    if (vb_xml_attr_is (c, "type", "ccid") && vb_xml_attr_uint (c, "index", 0) == index)
      return TRUE;
  return FALSE;
}

static gboolean
emulated_card (Builder *b, xmlNode *card, const char *mode, GString *out, GError **error)
{
  xmlNode *database = vb_xml_child (card, "database");
  g_autofree char *db = database ? vb_xml_text (database) : g_strdup (NSS_DB);
  guint n = 0;

  if (g_str_equal (mode, "host"))
    {
      if (vb_xml_child (card, "certificate") || database)
        return refuse (error, card, "mode='host' takes no certificates or database");
      g_string_append (out, "ccid-card-emulated,backend=nss-emulated");
    }
  else
    {
      g_string_append (out, "ccid-card-emulated,backend=certificates");
      for (xmlNode *cert = vb_xml_child (card, "certificate"); cert;
           cert = vb_xml_next (cert, "certificate"))
        {
          g_autofree char *name = vb_xml_text (cert);
          g_autofree char *key = g_strdup_printf ("cert%u", ++n);

          if (n > 3 || !*name)
            return refuse (error, cert, "mode='host-certificates' takes three certificate names");
          vb_qemu_opt (out, key, name);
        }
      if (n != 3)
        return refuse (error, card, "mode='host-certificates' takes three <certificate> names");
      if (!g_path_is_absolute (db))
        return refuse (error, database, "the database '%s' is not an absolute path", db);
      vb_qemu_opt (out, "db", db);
    }
  /* The host's readers or certificates: known when the guest starts. */
  if (!b->context->dry_run && !host_has (b->context, db))
    return refuse (error, card, "the host has no NSS database %s for mode='%s'", db, mode);
  return TRUE;
}

gboolean
vb_qemu_build_smartcard (Builder *b, xmlNode *card, GError **error)
{
  g_autofree char *mode = vb_xml_attr (card, "mode");
  xmlNode *address = vb_xml_child (card, "address");
  guint controller = vb_xml_attr_uint (address, "controller", 0);
  g_autofree char *id = g_strdup_printf ("smartcard%u", b->smartcards++);
  g_autoptr (GString) out = g_string_new (NULL);

  if (address && !vb_xml_attr_is (address, "type", "ccid"))
    return refuse (error, address, "a smartcard's address is type='ccid'");
  if (vb_xml_attr_uint (address, "slot", 0) != 0)
    return refuse (error, address, "a ccid controller has one slot, 0");
  if (!g_str_equal (mode, "passthrough")
      && (xmlHasProp (card, BAD_CAST "type") || vb_xml_child (card, "source")
          || vb_xml_child (card, "protocol")))
    return refuse (error, card, "type, <source> and <protocol> are for mode='passthrough'");
  /* Without a <controller type='ccid'>, the card brings its reader. */
  if (!has_ccid_controller (b, controller))
    {
      g_autoptr (GString) reader = g_string_new (NULL);
      g_autofree char *bus = vb_qemu_usb_bus_name (card, 0);
      g_autofree char *bus_id = g_strdup_printf ("%s.0", bus);

      if (!need_usb (b, card, error))
        return FALSE;
      g_string_append_printf (reader, "usb-ccid,id=ccid-%s", id);
      vb_qemu_opt (reader, "bus", bus_id);
      add2 (b, "-device", reader->str);
    }
  if (g_str_equal (mode, "passthrough"))
    {
      g_autofree char *type = vb_xml_attr (card, "type");
      g_autofree char *chardev = g_strdup_printf ("char%s", id);

      if (!type)
        return refuse (error, card, "mode='passthrough' needs a character device type=");
      if (!vb_qemu_device_chardev (b, card, chardev, type, card, "smartcard", error))
        return FALSE;
      g_string_append_printf (out, "ccid-card-passthru,chardev=%s", chardev);
    }
  else if (!emulated_card (b, card, mode, out, error))
    return FALSE;
  if (!fixed_id (card, id, error))
    return FALSE;
  g_string_append_printf (out, ",id=%s", id);
  if (has_ccid_controller (b, controller))
    g_string_append_printf (out, ",bus=ccid%u.0", controller);
  else
    g_string_append_printf (out, ",bus=ccid-%s.0", id);
  add2 (b, "-device", out->str);
  return TRUE;
}
