/* QEMU's D-Bus display (<graphics type='dbus'>, -display dbus) and what
 * plays or talks through it: <audio type='dbus'> (-audiodev dbus) and the
 * dbus character device (-chardev dbus). With p2p='yes' QEMU serves each
 * client on a connection of its own, which Domain.OpenGraphics hands out
 * (qemu-graphics.c: add_client protocol '@dbus-display'); with address=
 * QEMU joins that bus as its own, unprivileged user. */
#include "qemu-command-private.h"

#include <gio/gio.h>

gboolean
vb_qemu_has_dbus_display (Builder *b)
{
  for (xmlNode *g = vb_xml_child (b->devices, "graphics"); g; g = vb_xml_next (g, "graphics"))
    if (vb_xml_attr_is (g, "type", "dbus"))
      return TRUE;
  return FALSE;
}

/* A bus QEMU may connect to: a valid D-Bus address whose every entry is a
 * socket to connect to (unix path or abstract name, tcp, nonce-tcp). The
 * transports that run a program (autolaunch, unixexec) or only listen
 * (unix dir/tmpdir/runtime) are not. */
static gboolean
connectable_address (const char *address)
{
  g_auto (GStrv) entries = NULL;

  if (!g_dbus_is_address (address))
    return FALSE;
  entries = g_strsplit (address, ";", -1);
  for (guint i = 0; entries[i]; i++)
    {
      const char *entry = entries[i];

      if (!*entry)
        continue;
      if (g_str_has_prefix (entry, "tcp:") || g_str_has_prefix (entry, "nonce-tcp:"))
        continue;
      if (!g_str_has_prefix (entry, "unix:"))
        return FALSE;
      {
        g_auto (GStrv) keys = g_strsplit (entry + strlen ("unix:"), ",", -1);
        gboolean target = FALSE;

        for (guint k = 0; keys[k]; k++)
          {
            if (g_str_has_prefix (keys[k], "path=") || g_str_has_prefix (keys[k], "abstract="))
              target = TRUE;
            else if (!g_str_has_prefix (keys[k], "guid="))
              return FALSE;
          }
        if (!target)
          return FALSE;
      }
    }
  return TRUE;
}

#define DBUS_DAEMON_BINARY "/usr/bin/dbus-daemon"

/* The private bus's configuration: only its socket, no service
 * activation (nothing on the bus starts programs), EXTERNAL
 * authentication, QEMU's user (the daemon's own) and root let in. */
static const char bus_config[] =
  "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
  " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
  "<busconfig>\n"
  "  <type>virtbus-qemu-display</type>\n"
  "  <listen>%s</listen>\n"
  "  <auth>EXTERNAL</auth>\n"
  "  <policy context=\"default\">\n"
  "    <allow user=\"root\"/>\n"
  "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
  "    <allow eavesdrop=\"true\"/>\n"
  "    <allow own=\"*\"/>\n"
  "  </policy>\n"
  "</busconfig>\n";

/* The address of the domain's private bus, a socket in its run directory. */
static char *
private_bus_address (Builder *b)
{
  g_autofree char *socket_path = runtime_path (b, "dbus/bus.sock");
  g_autofree char *escaped = g_dbus_address_escape_value (socket_path);

  return g_strconcat ("unix:path=", escaped, NULL);
}

/* libvirt's default for a dbus display: a bus of the domain's own, a
 * dbus-daemon the service starts beside QEMU as QEMU's user (and ends with
 * it), its socket in the run directory. Its address goes into the live
 * XML (address=), where clients read it; a live XML built again (a
 * restore) names the same socket, which is the same private bus. */
static gboolean
private_bus (Builder *b, xmlNode *graphics, GString *out, GError **error)
{
  g_autofree char *dir = runtime_path (b, "dbus");
  g_autofree char *socket_path = g_build_filename (dir, "bus.sock", NULL);
  g_autofree char *config_path = g_build_filename (dir, "bus.conf", NULL);
  g_autofree char *address = private_bus_address (b);
  g_autofree char *listen = g_markup_escape_text (address, -1);
  VbQemuHelperSpec *spec;

  if (!b->context->dry_run && !host_has (b->context, DBUS_DAEMON_BINARY))
    return refuse (error, graphics,
                   "a dbus display without p2p or address runs on a private bus: that needs %s, "
                   "which this host lacks (Debian package dbus-daemon)",
                   DBUS_DAEMON_BINARY);
  spec = g_new0 (VbQemuHelperSpec, 1);
  spec->id = g_strdup ("dbus-display");
  spec->what = g_strdup ("dbus-daemon");
  spec->element = g_strdup ("graphics");
  spec->socket_path = g_strdup (socket_path);
  spec->state_dir = g_strdup (dir);
  spec->file_name = g_strdup ("bus.conf");
  spec->file_content = g_bytes_new_take (g_strdup_printf (bus_config, listen),
                                         strlen (bus_config) - 2 + strlen (listen));
  spec->argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (spec->argv, g_strdup (DBUS_DAEMON_BINARY));
  g_ptr_array_add (spec->argv, g_strconcat ("--config-file=", config_path, NULL));
  g_ptr_array_add (spec->argv, g_strdup ("--nofork"));
  g_ptr_array_add (spec->argv, g_strdup ("--nopidfile"));
  g_ptr_array_add (spec->argv, NULL);
  g_ptr_array_add (b->command->helpers, spec);
  vb_qemu_opt (out, "addr", address);
  if (!b->context->dry_run)
    xmlSetProp (graphics, BAD_CAST "address", BAD_CAST address);
  return TRUE;
}

/* Whether a device renders through OpenGL (virtio-gpu's accel3d, a host
 * device's display): QEMU then needs the display's OpenGL context. */
static xmlNode *
renders_with_gl (Builder *b)
{
  for (xmlNode *video = vb_xml_child (b->devices, "video"); video;
       video = vb_xml_next (video, "video"))
    if (vb_xml_attr_is (vb_xml_child (vb_xml_child (video, "model"), "acceleration"), "accel3d",
                        "yes"))
      return video;
  for (xmlNode *hostdev = vb_xml_child (b->devices, "hostdev"); hostdev;
       hostdev = vb_xml_next (hostdev, "hostdev"))
    if (vb_xml_attr_is (hostdev, "display", "on"))
      return hostdev;
  return NULL;
}

gboolean
vb_qemu_build_dbus_display (Builder *b, xmlNode *graphics, GError **error)
{
  g_autoptr (GString) out = g_string_new ("dbus");
  g_autofree char *address = vb_xml_attr (graphics, "address");
  xmlNode *gl = vb_xml_child (graphics, "gl");
  xmlNode *audio = vb_xml_child (graphics, "audio");
  gboolean p2p = vb_xml_attr_is (graphics, "p2p", "yes");
  g_autofree char *own_bus = private_bus_address (b);

  for (xmlAttr *attr = graphics->properties; attr; attr = attr->next)
    {
      const char *name = (const char *) attr->name;

      if (!g_str_equal (name, "type") && !g_str_equal (name, "address")
          && !g_str_equal (name, "p2p"))
        return refuse (error, graphics, "attribute '%s' is not for a dbus display", name);
    }
  for (xmlNode *child = graphics->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE && !xmlStrEqual (child->name, BAD_CAST "gl")
        && !xmlStrEqual (child->name, BAD_CAST "audio"))
      return refuse (error, child, "<%s> is not for a dbus display", (const char *) child->name);
  /* QEMU has one -display: dbus, sdl and egl-headless exclude each other. */
  if (b->local_display)
    return refuse (error, graphics,
                   "QEMU has one local display: dbus, sdl and egl-headless exclude each other");
  b->local_display = TRUE;
  if (p2p && address)
    return refuse (error, graphics,
                   "a dbus display is either peer-to-peer (p2p='yes') or on the bus at "
                   "address=, not both");
  if (p2p)
    g_string_append (out, ",p2p=on");
  else if (!address || g_str_equal (address, own_bus))
    {
      if (!private_bus (b, graphics, out, error))
        return FALSE;
    }
  else
    {
      if (!connectable_address (address))
        return refuse (error, graphics,
                       "address '%s' is not a D-Bus address QEMU can connect to (unix:path=, "
                       "unix:abstract=, tcp: or nonce-tcp:)",
                       address);
      vb_qemu_opt (out, "addr", address);
    }
  if (xmlHasProp (gl, BAD_CAST "rendernode") && !vb_xml_attr_is (gl, "enable", "yes"))
    return refuse (error, gl, "a rendernode is for <gl enable='yes'>");
  if (!vb_xml_attr_is (gl, "enable", "yes") && renders_with_gl (b))
    return refuse (error, graphics,
                   "<%s> renders with OpenGL: the dbus display, QEMU's one local display, needs "
                   "<gl enable='yes'> for it",
                   (const char *) renders_with_gl (b)->name);
  if (vb_xml_attr_is (gl, "enable", "yes"))
    {
      g_string_append (out, ",gl=on");
      if (!vb_qemu_gl_rendernode (b, graphics, out, error))
        return FALSE;
    }
  if (audio)
    {
      guint id = vb_xml_attr_uint (audio, "id", 0);
      xmlNode *backend = NULL;

      for (backend = vb_xml_child (b->devices, "audio"); backend;
           backend = vb_xml_next (backend, "audio"))
        if (vb_xml_attr_uint (backend, "id", 1) == id)
          break;
      if (!backend)
        return refuse (error, audio, "no <audio> has id %u", id);
      /* QEMU's dbus display plays only a dbus backend's sound. */
      if (!vb_xml_attr_is (backend, "type", "dbus"))
        return refuse (error, audio, "a dbus display plays <audio type='dbus'>, not audio %u", id);
      g_string_append_printf (out, ",audiodev=audio%u", id);
    }
  add2 (b, "-display", out->str);
  return TRUE;
}

gboolean
vb_qemu_dbus_audio_check (Builder *b, xmlNode *audio, GError **error)
{
  if (!vb_qemu_has_dbus_display (b))
    return refuse (error, audio, "audio backend 'dbus' needs <graphics type='dbus'>");
  return TRUE;
}

gboolean
vb_qemu_build_dbus_chardev (Builder *b, xmlNode *node, const char *id, const char *default_name,
                            GString *out, GError **error)
{
  xmlNode *source = vb_xml_child (node, "source");
  g_autofree char *channel = source ? vb_xml_attr (source, "channel") : NULL;

  if (!channel && default_name)
    channel = g_strdup (default_name);
  if (!vb_qemu_has_dbus_display (b))
    return refuse (error, node, "a dbus character device needs <graphics type='dbus'>");
  if (!channel || !*channel)
    return refuse (error, node, "a dbus character device needs <source channel>");
  /* The Name clients look it up by, in libvirt's alphabet. */
  if (!vb_qemu_plain_word (channel, NULL))
    return refuse (error, vb_xml_child (node, "source"),
                   "source channel '%s' of a dbus character device is not a name (letters, "
                   "digits, '._-')",
                   channel);
  g_string_append_printf (out, "dbus,id=%s", id);
  vb_qemu_opt (out, "name", channel);
  return TRUE;
}

gboolean
vb_qemu_build_dbus_redirdev (Builder *b, xmlNode *redirdev, const char *id, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (xmlNode *source = vb_xml_child (redirdev, "source"); source;
       source = vb_xml_next (source, "source"))
    for (xmlAttr *attr = source->properties; attr; attr = attr->next)
      if (!xmlStrEqual (attr->name, BAD_CAST "channel"))
        return refuse (error, source, "'%s' is not one of a dbus redirdev's source",
                       (const char *) attr->name);
  /* The schema lets a redirdev say only <protocol type='raw'>, which is
   * what a D-Bus stream is (as every other type's back end takes it). */
  /* QEMU's name for a usbredir stream, which D-Bus display clients look
   * for, when the XML names none. */
  if (!vb_qemu_build_dbus_chardev (b, redirdev, id, "org.qemu.usbredir", out, error))
    return FALSE;
  add2 (b, "-chardev", out->str);
  return TRUE;
}
