/* The command line of <serial>, <console>, <channel> and <parallel>: a
 * -chardev backend and the device it feeds. Every path, host and name in
 * them is the caller's: each goes into the option string through
 * vb_qemu_opt(). */
#include "qemu-command-private.h"

gboolean
vb_qemu_chardev_reconnect (xmlNode *source, gboolean server, GString *out, GError **error)
{
  xmlNode *node = vb_xml_child (source, "reconnect");

  if (!node || vb_xml_attr_is (node, "enabled", "no"))
    return TRUE;
  if (server)
    return refuse (error, node, "<reconnect> is for a socket of mode 'connect'");
  if (!xmlHasProp (node, BAD_CAST "timeout"))
    return refuse (error, node, "<reconnect enabled='yes'> needs a timeout (seconds)");
  g_string_append_printf (out, ",reconnect=%u", vb_xml_attr_uint (node, "timeout", 0));
  return TRUE;
}

/* The <source> of @node whose mode is @mode (udp has one of each); the
 * first one when @mode is NULL. */
static xmlNode *
source_of_mode (xmlNode *node, const char *mode)
{
  for (xmlNode *s = vb_xml_child (node, "source"); s; s = vb_xml_next (s, "source"))
    {
      g_autofree char *m = vb_xml_attr (s, "mode");

      if (!mode || g_strcmp0 (m, mode) == 0 || (!m && g_str_equal (mode, "connect")))
        return s;
    }
  return NULL;
}

static gboolean
chardev_tcp (xmlNode *node, xmlNode *source, GString *out, GError **error)
{
  g_autofree char *host = source ? vb_xml_attr (source, "host") : NULL;
  g_autofree char *service = source ? vb_xml_attr (source, "service") : NULL;
  g_autofree char *protocol = child_attr (node, "protocol", "type");
  gboolean server = vb_xml_attr_is (source, "mode", "bind");

  if (!service)
    return refuse (error, node, "a tcp character device needs <source service='PORT'>");
  if (vb_xml_attr_is (source, "tls", "yes") || g_strcmp0 (protocol, "tls") == 0
      || g_strcmp0 (protocol, "telnets") == 0)
    return refuse (error, source ? source : node,
                   "TLS on a tcp character device is not supported (the service configures no "
                   "certificates for character devices)");
  vb_qemu_opt (out, "host", host ? host : "localhost");
  vb_qemu_opt (out, "port", service);
  if (g_strcmp0 (protocol, "telnet") == 0)
    g_string_append (out, ",telnet=on");
  if (server)
    g_string_append (out, ",server=on,wait=off");
  return vb_qemu_chardev_reconnect (source, server, out, error);
}

static gboolean
chardev_udp (xmlNode *node, GString *out, GError **error)
{
  xmlNode *connect = source_of_mode (node, "connect");
  xmlNode *bind = source_of_mode (node, "bind");
  g_autofree char *host = connect ? vb_xml_attr (connect, "host") : NULL;
  g_autofree char *service = connect ? vb_xml_attr (connect, "service") : NULL;

  if (!service)
    return refuse (error, node, "a udp character device needs <source mode='connect' service>");
  vb_qemu_opt (out, "host", host ? host : "localhost");
  vb_qemu_opt (out, "port", service);
  if (bind)
    {
      g_autofree char *local = vb_xml_attr (bind, "host");
      g_autofree char *local_port = vb_xml_attr (bind, "service");

      if (local)
        vb_qemu_opt (out, "localaddr", local);
      vb_qemu_opt (out, "localport", local_port ? local_port : "0");
    }
  return TRUE;
}

/* Which <source> attributes and children each type has (the schema takes
 * their union): another type's is refused, never dropped. A pty's path is
 * what a live XML shows (libvirt's /dev/pts/N), not a setting. */
static gboolean
source_fits (xmlNode *node, const char *type, GError **error)
{
  static const struct {
    const char *name, *types;
  } fits[] = {
    { "path", "pty file pipe dev unix" },
    { "mode", "unix tcp udp" },
    { "append", "file" },
    { "host", "tcp udp" },
    { "service", "tcp udp" },
    { "tls", "tcp" },
    { "channel", "spiceport dbus" },
    { "reconnect", "unix tcp" },
    { "clipboard", "qemu-vdagent" },
    { "mouse", "qemu-vdagent" },
  };
  guint sources = 0;

  for (xmlNode *source = vb_xml_child (node, "source"); source;
       source = vb_xml_next (source, "source"), sources++)
    for (guint i = 0; i < G_N_ELEMENTS (fits); i++)
      if (xmlHasProp (source, BAD_CAST fits[i].name) || vb_xml_child (source, fits[i].name))
        {
          g_auto (GStrv) types = g_strsplit (fits[i].types, " ", -1);

          if (!g_strv_contains ((const char *const *) types, type))
            return refuse (error, source, "'%s' is not one of a %s character device's source",
                           fits[i].name, type);
        }
  if (sources > (g_str_equal (type, "udp") ? 2u : 1u))
    return refuse (error, node, "too many <source> elements for a %s character device", type);
  /* Every other type carries the guest's bytes as they are: raw is what it
   * does (libvirt reads <protocol> of tcp only and drops it elsewhere). */
  if (vb_xml_child (node, "protocol") && !g_str_equal (type, "tcp")
      && !vb_xml_attr_is (vb_xml_child (node, "protocol"), "type", "raw"))
    return refuse (error, vb_xml_child (node, "protocol"),
                   "a %s character device carries bytes raw: telnet and TLS are tcp's <protocol>",
                   type);
  return TRUE;
}

/* Whether a display shows QEMU's text consoles (a 'vc' chardev): VNC,
 * SPICE, SDL and D-Bus do; egl-headless and rdp do not. */
static gboolean
has_text_console_display (Builder *b)
{
  static const char *const types[] = { "vnc", "spice", "sdl", "dbus", NULL };

  for (xmlNode *g = vb_xml_child (b->devices, "graphics"); g; g = vb_xml_next (g, "graphics"))
    {
      g_autofree char *type = vb_xml_attr (g, "type");

      if (type && g_strv_contains (types, type))
        return TRUE;
    }
  return FALSE;
}

/* The chardev for a serial, console, channel or parallel port: returns its
 * id ("char" @id_prefix @index, else @fixed_id). */
static char *
build_chardev (Builder *b, xmlNode *node, const char *id_prefix, guint index, gboolean console,
               const char *fixed_id, GError **error)
{
  g_autofree char *type = vb_xml_attr (node, "type");
  xmlNode *source = source_of_mode (node, NULL);
  xmlNode *log = vb_xml_child (node, "log");
  g_autofree char *path = source ? vb_xml_attr (source, "path") : NULL;
  g_autofree char *id =
    fixed_id ? g_strdup (fixed_id) : g_strdup_printf ("char%s%u", id_prefix, index);
  g_autoptr (GString) out = g_string_new (NULL);

  if (!source_fits (node, type, error))
    return NULL;
  if (g_str_equal (type, "pty"))
    {
      /* Our "pty" is a socket in the run directory that OpenConsole()
       * hands out, logged to a file so nothing the guest printed is lost. */
      g_autofree char *sock = NULL;
      g_autofree char *file = NULL;
      g_autofree char *name = g_strdup_printf ("%s%u.sock", id_prefix, index);
      g_autofree char *log_name = g_strdup_printf ("%s%u.log", id_prefix, index);

      sock = runtime_path (b, name);
      file = runtime_path (b, log_name);
      g_string_append_printf (out, "socket,id=%s", id);
      vb_qemu_opt (out, "path", sock);
      g_string_append (out, ",server=on,wait=off");
      vb_qemu_opt (out, "logfile", file);
      g_string_append (out, ",logappend=on");
      if (console && !b->command->console_path)
        {
          b->command->console_path = g_steal_pointer (&sock);
          b->command->console_log = g_steal_pointer (&file);
        }
    }
  else if (g_str_equal (type, "file") || g_str_equal (type, "pipe") || g_str_equal (type, "dev"))
    {
      /* A host tty is QEMU's "serial" backend, a parallel port's "parallel". */
      const char *backend = g_str_equal (type, "dev")
                              ? (g_str_equal (id_prefix, "parallel") ? "parallel" : "serial")
                              : type;

      if (!path)
        {
          refuse (error, node, "a character device of type '%s' needs <source path>", type);
          return NULL;
        }
      if (g_str_equal (type, "dev") && !b->context->dry_run && !host_has (b->context, path))
        {
          refuse (error, source, "the host device %s does not exist", path);
          return NULL;
        }
      g_string_append_printf (out, "%s,id=%s", backend, id);
      vb_qemu_opt (out, "path", path);
      if (g_str_equal (type, "file") && vb_xml_attr_is (source, "append", "on"))
        g_string_append (out, ",append=on");
    }
  else if (g_str_equal (type, "unix"))
    {
      gboolean server = !source || !vb_xml_attr_is (source, "mode", "connect");

      if (!path)
        {
          g_autofree char *name = g_strdup_printf ("%s%u.sock", id_prefix, index);
          path = runtime_path (b, name);
        }
      g_string_append_printf (out, "socket,id=%s", id);
      vb_qemu_opt (out, "path", path);
      if (server)
        g_string_append (out, ",server=on,wait=off");
      if (!vb_qemu_chardev_reconnect (source, server, out, error))
        return NULL;
      /* The service talks to the guest agent over the first channel it serves. */
      if (server && g_str_equal (id_prefix, "channel") && !b->command->agent_path)
        b->command->agent_path = g_strdup (path);
    }
  else if (g_str_equal (type, "tcp"))
    {
      g_string_append_printf (out, "socket,id=%s", id);
      if (!chardev_tcp (node, source, out, error))
        return NULL;
    }
  else if (g_str_equal (type, "udp"))
    {
      g_string_append_printf (out, "udp,id=%s", id);
      if (!chardev_udp (node, out, error))
        return NULL;
    }
  else if (g_str_equal (type, "null"))
    g_string_append_printf (out, "null,id=%s", id);
  else if (g_str_equal (type, "spicevmc") || g_str_equal (type, "spiceport"))
    {
      g_autofree char *channel = source ? vb_xml_attr (source, "channel") : NULL;

      if (!b->spice)
        {
          refuse (error, node, "a %s character device needs <graphics type='spice'>", type);
          return NULL;
        }
      if (g_str_equal (type, "spiceport") && !channel)
        {
          refuse (error, node, "a spiceport character device needs <source channel>");
          return NULL;
        }
      g_string_append_printf (out, "%s,id=%s", type, id);
      /* spicevmc's channel is SPICE's agent (its other kinds are redirdev's). */
      vb_qemu_opt (out, "name", g_str_equal (type, "spicevmc") ? "vdagent" : channel);
    }
  else if (g_str_equal (type, "dbus"))
    {
      if (!vb_qemu_build_dbus_chardev (b, node, id, NULL, out, error))
        return NULL;
    }
  else if (g_str_equal (type, "qemu-vdagent"))
    {
      xmlNode *clipboard = vb_xml_child (source, "clipboard");
      xmlNode *mouse = vb_xml_child (source, "mouse");

      g_string_append_printf (out, "qemu-vdagent,id=%s,name=vdagent", id);
      if (clipboard)
        g_string_append_printf (out, ",clipboard=%s",
                                vb_xml_attr_is (clipboard, "copypaste", "yes") ? "on" : "off");
      if (mouse)
        g_string_append_printf (out, ",mouse=%s",
                                vb_xml_attr_is (mouse, "mode", "client") ? "on" : "off");
    }
  else if (g_str_equal (type, "vc"))
    {
      /* A text console of QEMU's display: only a display shows it. */
      if (!has_text_console_display (b))
        {
          refuse (error, node,
                  "character device type 'vc' is a text console of QEMU's display, and the "
                  "domain has none (add <graphics type='vnc|spice|sdl|dbus'>, or use pty)");
          return NULL;
        }
      g_string_append_printf (out, "vc,id=%s", id);
    }
  else if (g_str_equal (type, "stdio"))
    {
      /* QEMU's stdout and stderr are one file the service made (qemu.log):
       * a guest writing there would write among QEMU's own messages, whose
       * tail a failed Start or migration quotes to the caller. */
      refuse (error, node,
              "character device type 'stdio' would write the guest's output into QEMU's own log, "
              "whose end a failed Start quotes as QEMU's words (use pty, file or null)");
      return NULL;
    }
  else
    {
      refuse (error, node, "character device type '%s' is not supported (FreeBSD's nmdm)", type);
      return NULL;
    }
  if (log && !g_str_equal (type, "pty"))
    {
      g_autofree char *file = vb_xml_attr (log, "file");
      vb_qemu_opt (out, "logfile", file);
      if (vb_xml_attr_is (log, "append", "on"))
        g_string_append (out, ",logappend=on");
    }
  add2 (b, "-chardev", out->str);
  return g_steal_pointer (&id);
}

gboolean
vb_qemu_build_backend_chardev (Builder *b, xmlNode *node, const char *id, GError **error)
{
  g_autofree char *built = build_chardev (b, node, id, 0, FALSE, id, error);

  return built != NULL;
}

/* The device model of a serial port: <target type> is its bus, <target><model
 * name> the device; libvirt pairs them one to one. */
static const char *
serial_model (xmlNode *node, GError **error)
{
  xmlNode *target = vb_xml_child (node, "target");
  g_autofree char *target_type = target ? vb_xml_attr (target, "type") : NULL;
  g_autofree char *model = child_attr (target, "model", "name");

  if (target_type && g_str_equal (target_type, "serial"))
    g_clear_pointer (&target_type, g_free); /* a <console>'s own target type */
  /* The one pair whose names differ: bus isa-debug, device isa-debugcon
   * (the Bochs debug port firmware writes its log to). */
  if (target_type && g_str_equal (target_type, "isa-debug"))
    {
      if (model && !g_str_equal (model, "isa-debugcon"))
        {
          refuse (error, target,
                  "serial target type 'isa-debug' takes model 'isa-debugcon', not '%s'", model);
          return NULL;
        }
      return "isa-debugcon";
    }
  if (model && target_type && !g_str_equal (model, target_type))
    {
      refuse (error, target, "serial target type '%s' takes model '%s', not '%s'", target_type,
              target_type, model);
      return NULL;
    }
  if (!model)
    model = g_steal_pointer (&target_type);
  if (!model || g_str_equal (model, "isa-serial"))
    return "isa-serial";
  if (g_str_equal (model, "usb-serial"))
    return "usb-serial";
  if (g_str_equal (model, "pci-serial"))
    return "pci-serial";
  if (g_str_equal (model, "isa-debugcon"))
    return "isa-debugcon";
  refuse (error, target, "serial target '%s' is not supported", model);
  return NULL;
}

gboolean
vb_qemu_build_serial (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *target = vb_xml_child (node, "target");
  guint port = vb_xml_attr_uint (target, "port", b->serials);
  const char *model = serial_model (node, error);
  g_autofree char *chardev = NULL;
  g_autofree char *id = NULL;
  g_autoptr (GString) out = g_string_new (NULL);

  if (!model)
    return FALSE;
  if (g_str_equal (model, "usb-serial") && !need_usb (b, node, error))
    return FALSE;
  chardev = build_chardev (b, node, "serial", port, port == 0, NULL, error);
  if (!chardev)
    return FALSE;
  id = device_id (node, g_strdup_printf ("serial%u", port));
  g_string_append_printf (out, "%s,chardev=%s", model, chardev);
  vb_qemu_opt (out, "id", id);
  if (g_str_equal (model, "isa-serial"))
    {
      xmlNode *address = vb_xml_child (node, "address");

      g_string_append_printf (out, ",index=%u", port);
      /* An ISA port where the XML puts it (else the index's: 0x3f8/4, ...). */
      if (address && !vb_xml_attr_is (address, "type", "isa"))
        return refuse (error, address, "an ISA serial port takes <address type='isa'>");
      if (address && xmlHasProp (address, BAD_CAST "iobase"))
        g_string_append_printf (out, ",iobase=0x%x", vb_xml_attr_uint (address, "iobase", 0));
      if (address && xmlHasProp (address, BAD_CAST "irq"))
        g_string_append_printf (out, ",irq=%u", vb_xml_attr_uint (address, "irq", 0));
    }
  else if (g_str_equal (model, "isa-debugcon"))
    {
      xmlNode *address = vb_xml_child (node, "address");

      /* Its I/O port where the XML puts it, else QEMU's 0xe9. */
      if (address && !vb_xml_attr_is (address, "type", "isa"))
        return refuse (error, address, "an ISA debug console takes <address type='isa'>");
      if (address && xmlHasProp (address, BAD_CAST "irq"))
        return refuse (error, address, "an ISA debug console has no interrupt");
      if (address && xmlHasProp (address, BAD_CAST "iobase"))
        g_string_append_printf (out, ",iobase=0x%x", vb_xml_attr_uint (address, "iobase", 0));
    }
  else if (g_str_equal (model, "usb-serial"))
    usb_address (node, out);
  else if (!pci_address (b, node, out, error))
    return FALSE;
  add2 (b, "-device", out->str);
  b->serials++;
  return TRUE;
}

/* Whether @a and @b name one address: the same type, and every attribute
 * of either equal in the other, numbers by value (libvirt's 0x04 is 4). */
static gboolean
same_address (xmlNode *a, xmlNode *b)
{
  if (!a || !b)
    return a == b;
  for (guint pass = 0; pass < 2; pass++)
    for (xmlAttr *attr = (pass ? b : a)->properties; attr; attr = attr->next)
      {
        const char *name = (const char *) attr->name;
        g_autofree char *x = vb_xml_attr (a, name);
        g_autofree char *y = vb_xml_attr (b, name);
        guint nx = vb_xml_attr_uint (a, name, G_MAXUINT);
        guint ny = vb_xml_attr_uint (b, name, G_MAXUINT);

        if (!x || !y || (nx == G_MAXUINT ? g_strcmp0 (x, y) != 0 : nx != ny))
          return FALSE;
      }
  return TRUE;
}

gboolean
vb_qemu_build_console (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *target = vb_xml_child (node, "target");
  g_autofree char *target_type = target ? vb_xml_attr (target, "type") : NULL;

  if (!target_type || g_str_equal (target_type, "serial"))
    {
      /* libvirt's console of a serial port is that port itself (its alias
       * would be the port's: left out, aliases are unique here); an
       * <address> it repeats must be the port's. */
      if (b->serials > 0)
        {
          xmlNode *mine = vb_xml_child (node, "address");
          xmlNode *port = vb_xml_child (vb_xml_child (b->devices, "serial"), "address");

          if (mine && !same_address (mine, port))
            return refuse (error, mine,
                           "a serial console is serial port 0 itself: its <address> is that "
                           "port's");
          return TRUE;
        }
      return vb_qemu_build_serial (b, node, error);
    }
  if (g_str_equal (target_type, "virtio"))
    {
      g_autofree char *chardev =
        build_chardev (b, node, "console", 0, b->serials == 0, NULL, error);
      g_autofree char *id = NULL;
      g_autoptr (GString) out = g_string_new (NULL);

      if (!chardev)
        return FALSE;
      if (!need_virtio_serial (b, node, error))
        return FALSE;
      id = device_id (node, g_strdup ("console0"));
      g_string_append_printf (out, "virtconsole,chardev=%s", chardev);
      vb_qemu_opt (out, "id", id);
      add2 (b, "-device", out->str);
      return TRUE;
    }
  return refuse (error, target, "console target type '%s' is not supported (serial or virtio)",
                 target_type);
}

gboolean
vb_qemu_build_channel (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *target = vb_xml_child (node, "target");
  xmlNode *address = vb_xml_child (node, "address");
  g_autofree char *name = target ? vb_xml_attr (target, "name") : NULL;
  g_autofree char *target_type = target ? vb_xml_attr (target, "type") : NULL;
  guint index = b->channels++;
  g_autofree char *chardev = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *id = NULL;

  if (g_strcmp0 (target_type, "guestfwd") == 0)
    return refuse (error, target,
                   "a guestfwd channel is not supported: its forwarding would need the "
                   "domain's user-mode NIC, which it does not name");
  if (g_strcmp0 (target_type, "virtio") != 0)
    return refuse (error, target, "channel target type '%s' is not supported (virtio)",
                   target_type ? target_type : "");
  chardev = build_chardev (b, node, "channel", index, FALSE, NULL, error);
  if (!chardev)
    return FALSE;
  if (!need_virtio_serial (b, node, error))
    return FALSE;
  id = device_id (node, g_strdup_printf ("channel%u", index));
  g_string_append_printf (out, "virtserialport,bus=virtio-serial%u.0,chardev=%s",
                          address ? vb_xml_attr_uint (address, "controller", 0) : 0, chardev);
  vb_qemu_opt (out, "id", id);
  if (address && vb_xml_attr (address, "port"))
    g_string_append_printf (out, ",nr=%u", vb_xml_attr_uint (address, "port", 1));
  if (name)
    vb_qemu_opt (out, "name", name);
  else if (vb_xml_attr_is (node, "type", "spicevmc")
           || vb_xml_attr_is (node, "type", "qemu-vdagent"))
    vb_qemu_opt (out, "name", "com.redhat.spice.0"); /* the agent's port, as libvirt names it */
  add2 (b, "-device", out->str);
  return TRUE;
}

gboolean
vb_qemu_build_parallel (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *target = vb_xml_child (node, "target");
  guint port = vb_xml_attr_uint (target, "port", b->parallels);
  g_autofree char *chardev = build_chardev (b, node, "parallel", port, FALSE, NULL, error);
  g_autofree char *id = NULL;
  g_autoptr (GString) out = g_string_new (NULL);

  if (!chardev)
    return FALSE;
  id = device_id (node, g_strdup_printf ("parallel%u", port));
  g_string_append_printf (out, "isa-parallel,chardev=%s", chardev);
  vb_qemu_opt (out, "id", id);
  g_string_append_printf (out, ",index=%u", port);
  add2 (b, "-device", out->str);
  b->parallels++;
  return TRUE;
}
