/* The command line of <serial>, <console> and <channel>: a -chardev
 * backend and the device it feeds. */
#include "qemu-command-private.h"

/* The chardev for a serial, console or channel: returns its id. */
static char *
build_chardev (Builder *b, xmlNode *node, const char *id_prefix, guint index, gboolean console,
               GError **error)
{
  g_autofree char *type = vb_xml_attr (node, "type");
  xmlNode *source = vb_xml_child (node, "source");
  xmlNode *log = vb_xml_child (node, "log");
  g_autofree char *id = g_strdup_printf ("char%s%u", id_prefix, index);
  g_autoptr (GString) out = g_string_new (NULL);

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
  else if (g_str_equal (type, "file"))
    {
      g_autofree char *path = vb_xml_attr (source, "path");

      g_string_append_printf (out, "file,id=%s", id);
      vb_qemu_opt (out, "path", path);
      if (vb_xml_attr_is (source, "append", "on"))
        g_string_append (out, ",append=on");
    }
  else if (g_str_equal (type, "unix"))
    {
      g_autofree char *path = source ? vb_xml_attr (source, "path") : NULL;
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
      if (g_str_equal (id_prefix, "channel") && !b->command->agent_path)
        b->command->agent_path = g_strdup (path);
    }
  else if (g_str_equal (type, "spicevmc"))
    {
      if (!b->spice)
        {
          refuse (error, node, "a spicevmc channel needs <graphics type='spice'>");
          return NULL;
        }
      g_string_append_printf (out, "spicevmc,id=%s,name=vdagent", id);
    }
  else
    {
      refuse (error, node, "character device type '%s' is not supported", type);
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
vb_qemu_build_serial (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *target = vb_xml_child (node, "target");
  guint port = vb_xml_attr_uint (target, "port", b->serials);
  g_autofree char *target_type = target ? vb_xml_attr (target, "type") : NULL;
  g_autofree char *chardev = NULL;
  g_autofree char *id = NULL;
  g_autoptr (GString) out = g_string_new (NULL);

  if (target_type && !g_str_equal (target_type, "isa-serial"))
    return refuse (error, target, "serial target type '%s' is not supported", target_type);
  chardev = build_chardev (b, node, "serial", port, port == 0, error);
  if (!chardev)
    return FALSE;
  id = device_id (node, g_strdup_printf ("serial%u", port));
  g_string_append_printf (out, "isa-serial,chardev=%s", chardev);
  vb_qemu_opt (out, "id", id);
  g_string_append_printf (out, ",index=%u", port);
  add2 (b, "-device", out->str);
  b->serials++;
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
       * would be the port's: left out, aliases are unique here). */
      if (b->serials > 0)
        return TRUE;
      return vb_qemu_build_serial (b, node, error);
    }
  if (g_str_equal (target_type, "virtio"))
    {
      g_autofree char *chardev = build_chardev (b, node, "console", 0, b->serials == 0, error);
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
  return refuse (error, target, "console target type '%s' is not supported", target_type);
}

gboolean
vb_qemu_build_channel (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *target = vb_xml_child (node, "target");
  xmlNode *address = vb_xml_child (node, "address");
  g_autofree char *name = target ? vb_xml_attr (target, "name") : NULL;
  guint index = b->channels++;
  g_autofree char *chardev = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *id = NULL;

  if (!vb_xml_attr_is (target, "type", "virtio"))
    return refuse (error, target, "only virtio channels are supported");
  chardev = build_chardev (b, node, "channel", index, FALSE, error);
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
  add2 (b, "-device", out->str);
  return TRUE;
}
