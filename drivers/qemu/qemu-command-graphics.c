/* The command line of <graphics> (-vnc, -spice, -display) and <audio>
 * (-audiodev). The service runs QEMU without a desktop session: displays
 * are servers clients connect to, never a local window. */
#include "qemu-command-private.h"
#include "qemu-graphics-expiry.h"

#include <string.h>

/* The first port libvirt gives a VNC websocket. */
#define WEBSOCKET_FIRST_PORT 5700

char *
vb_qemu_graphics_listen (xmlNode *graphics)
{
  g_autofree char *listen = vb_xml_attr (graphics, "listen");
  xmlNode *listen_node = vb_xml_child (graphics, "listen");
  g_autofree char *address = listen_node ? vb_xml_attr (listen_node, "address") : NULL;

  if (listen_node
      && (vb_xml_attr_is (listen_node, "type", "none")
          || vb_xml_attr_is (listen_node, "type", "socket")))
    return NULL;
  if (address)
    return g_steal_pointer (&address);
  if (listen)
    return g_steal_pointer (&listen);
  /* Like libvirt's default: reachable from this host only. */
  return g_strdup ("127.0.0.1");
}

/* ",audiodev=audioN" for a display's <audio id>: an <audio> of that id must exist. */
static gboolean
graphics_audio (Builder *b, xmlNode *graphics, GString *out, GError **error)
{
  xmlNode *link = vb_xml_child (graphics, "audio");
  guint id;

  if (!link)
    return TRUE;
  id = vb_xml_attr_uint (link, "id", 0);
  for (xmlNode *audio = vb_xml_child (b->devices, "audio"); audio;
       audio = vb_xml_next (audio, "audio"))
    if (vb_xml_attr_uint (audio, "id", 1) == id)
      {
        g_string_append_printf (out, ",audiodev=audio%u", id);
        return TRUE;
      }
  return refuse (error, link, "no <audio> has id %u", id);
}

/* The VNC server's Unix socket of <listen type='socket'>: the one named, or
 * one in the domain's run directory. */
static gboolean
vnc_socket (Builder *b, xmlNode *listen_node, GString *out, GError **error)
{
  g_autofree char *path = vb_xml_attr (listen_node, "socket");

  if (!path)
    path = runtime_path (b, "vnc.sock");
  /* Named by its key (vnc=, the implied first one), as libvirt does: a '='
   * in the path is then part of the value, where the bare first value
   * would take it for a key. Commas are doubled. */
  g_string_append (out, "vnc=unix:");
  vb_qemu_opt_value (out, path);
  return TRUE;
}

static gboolean
build_vnc (Builder *b, xmlNode *graphics, const char *listen, int port, gboolean autoport,
           GError **error)
{
  xmlNode *listen_node = vb_xml_child (graphics, "listen");
  g_autofree char *websocket = vb_xml_attr (graphics, "websocket");
  g_autofree char *share = vb_xml_attr (graphics, "sharePolicy");
  g_autofree char *keymap = vb_xml_attr (graphics, "keymap");
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean socket = vb_xml_attr_is (listen_node, "type", "socket");

  if (b->command->vnc_display >= 0 || b->vnc_socket)
    return refuse (error, graphics, "only one VNC display is supported");
  if (socket)
    {
      if (!vnc_socket (b, listen_node, out, error))
        return FALSE;
      b->vnc_socket = TRUE;
    }
  else
    {
      b->command->vnc_autoport = autoport && listen;
      b->command->vnc_display = autoport || !listen ? 0 : port - 5900;
    }
  if (socket)
    ;
  else if (!listen)
    g_string_append (out, "none");
  else
    {
      vb_qemu_opt_value (out, listen);
      if (autoport)
        g_string_append (out, ":0,to=1000");
      else
        g_string_append_printf (out, ":%d", port - 5900);
    }
  g_string_append (out, ",password=on");
  if (websocket)
    {
      gint64 ws = g_ascii_strtoll (websocket, NULL, 10);

      if (!listen || strchr (listen, ':'))
        return refuse (error, graphics,
                       "a VNC websocket needs a listen address of IPv4 or a host name");
      /* -1: a free port of the service's choice, written into the live XML. */
      if (ws == -1)
        ws = b->context->dry_run || !b->context->free_tcp_port
               ? WEBSOCKET_FIRST_PORT
               : b->context->free_tcp_port (WEBSOCKET_FIRST_PORT);
      if (ws <= 0 || ws > 65535)
        return refuse (error, graphics, "websocket port %s is not a TCP port (or -1 for any)",
                       websocket);
      {
        g_autofree char *address = g_strdup_printf ("%s:%" G_GINT64_FORMAT, listen, ws);
        g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, ws);

        vb_qemu_opt (out, "websocket", address);
        xmlSetProp (graphics, BAD_CAST "websocket", BAD_CAST text);
      }
    }
  if (share)
    vb_qemu_opt (out, "share", share);
  if (vb_xml_attr_is (graphics, "powerControl", "yes"))
    g_string_append (out, ",power-control=on");
  if (!graphics_audio (b, graphics, out, error))
    return FALSE;
  add2 (b, "-vnc", out->str);
  if (keymap)
    {
      if (!vb_qemu_plain_word (keymap, NULL))
        return refuse (error, graphics, "keymap '%s' is not a keymap QEMU knows", keymap);
      add2 (b, "-k", keymap);
    }
  return TRUE;
}

/* A child of <graphics type='spice'> as an option of -spice. */
static gboolean
spice_children (xmlNode *graphics, GString *out, GError **error)
{
  static const struct {
    const char *element, *attr, *option;
  } settings[] = {
    { "image", "compression", "image-compression" },
    { "jpeg", "compression", "jpeg-wan-compression" },
    { "zlib", "compression", "zlib-glz-wan-compression" },
    { "playback", "compression", "playback-compression" },
    { "streaming", "mode", "streaming-video" },
  };
  g_autofree char *default_mode = vb_xml_attr (graphics, "defaultMode");

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      g_autofree char *value = child_attr (graphics, settings[i].element, settings[i].attr);

      if (value)
        vb_qemu_opt (out, settings[i].option, value);
    }
  if (vb_xml_attr_is (vb_xml_child (graphics, "clipboard"), "copypaste", "no"))
    g_string_append (out, ",disable-copy-paste=on");
  if (vb_xml_child (graphics, "mouse"))
    g_string_append_printf (
      out, ",agent-mouse=%s",
      vb_xml_attr_is (vb_xml_child (graphics, "mouse"), "mode", "client") ? "on" : "off");
  if (vb_xml_attr_is (vb_xml_child (graphics, "filetransfer"), "enable", "no"))
    g_string_append (out, ",disable-agent-file-xfer=on");
  /* Without a tlsPort every channel is plain: 'secure' cannot be had. */
  if (g_strcmp0 (default_mode, "secure") == 0 && !xmlHasProp (graphics, BAD_CAST "tlsPort"))
    return refuse (error, graphics, "defaultMode 'secure' needs SPICE TLS (a tlsPort)");
  if (g_strcmp0 (default_mode, "secure") == 0)
    g_string_append (out, ",tls-channel=default");
  for (xmlNode *channel = vb_xml_child (graphics, "channel"); channel;
       channel = vb_xml_next (channel, "channel"))
    {
      g_autofree char *name = vb_xml_attr (channel, "name");

      if (vb_xml_attr_is (channel, "mode", "secure") && !xmlHasProp (graphics, BAD_CAST "tlsPort"))
        return refuse (error, channel, "a secure SPICE channel needs SPICE TLS (a tlsPort)");
      if (vb_xml_attr_is (channel, "mode", "secure"))
        vb_qemu_opt (out, "tls-channel", name);
      if (vb_xml_attr_is (channel, "mode", "insecure"))
        vb_qemu_opt (out, "plaintext-channel", name);
    }
  return TRUE;
}

static gboolean
build_spice (Builder *b, xmlNode *graphics, const char *listen, int port, gboolean autoport,
             GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  xmlNode *listen_node = vb_xml_child (graphics, "listen");

  if (!b->context->spice)
    return refuse (error, graphics, "this QEMU has no SPICE support");
  if (vb_xml_attr_is (listen_node, "type", "socket"))
    {
      /* Clients of this host only: the socket named (a host path) or one
       * in the domain's run directory. */
      g_autofree char *path = vb_xml_attr (listen_node, "socket");

      if (!path)
        path = runtime_path (b, "spice.sock");
      g_string_append (out, "unix=on");
      vb_qemu_opt (out, "addr", path);
      g_string_append_c (out, ',');
    }
  else if (listen)
    {
      if (autoport)
        port = b->context->dry_run || !b->context->free_tcp_port
                 ? 5900
                 : b->context->free_tcp_port (5900);
      if (port < 0)
        return refuse (error, graphics, "no free TCP port for SPICE");
      b->command->spice_port = port;
      g_string_append_printf (out, "port=%d", port);
      vb_qemu_opt (out, "addr", listen);
      g_string_append_c (out, ',');
    }
  if (!vb_qemu_spice_tls (b, graphics, listen, port, out, error))
    return FALSE;
  /* Ticketing stays on (QEMU's default): no disable-ticketing. */
  g_string_append (out, "seamless-migration=on");
  if (!spice_children (graphics, out, error) || !graphics_audio (b, graphics, out, error))
    return FALSE;
  /* OpenGL on a host render node, which QEMU shares with local clients
   * only: refused with a TCP port. */
  if (xmlHasProp (vb_xml_child (graphics, "gl"), BAD_CAST "rendernode")
      && !vb_xml_attr_is (vb_xml_child (graphics, "gl"), "enable", "yes"))
    return refuse (error, vb_xml_child (graphics, "gl"), "a rendernode is for <gl enable='yes'>");
  if (vb_xml_attr_is (vb_xml_child (graphics, "gl"), "enable", "yes"))
    {
      if (listen)
        return refuse (error, vb_xml_child (graphics, "gl"),
                       "SPICE with OpenGL is local only: QEMU refuses it with a TCP port (use "
                       "<listen type='none'/>)");
      g_string_append (out, ",gl=on");
      if (!vb_qemu_gl_rendernode (b, graphics, out, error))
        return FALSE;
    }
  add2 (b, "-spice", out->str);
  return TRUE;
}

static gboolean
sdl_attribute (const char *name)
{
  return g_str_equal (name, "display") || g_str_equal (name, "xauth")
         || g_str_equal (name, "fullscreen");
}

/* An X display ("[host]:N[.S]") and the file with its cookie: QEMU's
 * DISPLAY and XAUTHORITY. QEMU opens both itself, as its own user, so
 * neither reaches more than that user can; they are checked only to be
 * what they say (no shell, option or path tricks). */
static gboolean
sdl_named_display (Builder *b, xmlNode *graphics, GError **error)
{
  g_autofree char *display = vb_xml_attr (graphics, "display");
  g_autofree char *xauth = vb_xml_attr (graphics, "xauth");
  const char *colon = strrchr (display, ':');
  gboolean ok = colon && colon[1] && colon - display < 256;

  for (const char *p = display; ok && p < colon; p++)
    ok = g_ascii_isalnum (*p) || strchr ("._-", *p);
  for (const char *p = colon ? colon + 1 : ""; ok && *p; p++)
    ok = g_ascii_isdigit (*p) || (*p == '.' && p > colon + 1 && p[1]);
  if (!ok)
    return refuse (error, graphics, "display '%s' is not an X display name ([host]:N[.S])",
                   display);
  if (xauth && (!g_path_is_absolute (xauth) || !vb_qemu_plain_word (xauth, "/")
                || strstr (xauth, "/../") || g_str_has_suffix (xauth, "/..")))
    return refuse (error, graphics, "xauth '%s' is not an absolute path to a file", xauth);
  g_ptr_array_add (b->command->env, g_strconcat ("DISPLAY=", display, NULL));
  if (xauth)
    g_ptr_array_add (b->command->env, g_strconcat ("XAUTHORITY=", xauth, NULL));
  return TRUE;
}

/* A display of QEMU's own (-display): an SDL window on the service's
 * desktop session or on the X display the XML names, or egl-headless,
 * OpenGL on a render node for the remote displays to show. QEMU has one. */
static gboolean
build_local_display (Builder *b, xmlNode *graphics, const char *type, GError **error)
{
  g_autoptr (GString) out = g_string_new (type);
  xmlNode *gl = vb_xml_child (graphics, "gl");

  if (b->local_display)
    return refuse (error, graphics,
                   "QEMU has one local display: dbus, sdl and egl-headless exclude each other");
  b->local_display = TRUE;
  for (xmlNode *child = graphics->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE && !xmlStrEqual (child->name, BAD_CAST "gl"))
      return refuse (error, child, "<%s> is not for a %s display", (const char *) child->name,
                     type);
  for (xmlAttr *attr = graphics->properties; attr; attr = attr->next)
    if (!xmlStrEqual (attr->name, BAD_CAST "type")
        && !(g_str_equal (type, "sdl") && sdl_attribute ((const char *) attr->name)))
      return refuse (error, graphics, "attribute '%s' is not for a %s display",
                     (const char *) attr->name, type);
  if (g_str_equal (type, "egl-headless"))
    {
      if (vb_xml_attr_is (gl, "enable", "no"))
        return refuse (error, gl, "egl-headless is OpenGL: it cannot have it off");
      if (!vb_qemu_gl_rendernode (b, graphics, out, error))
        return FALSE;
    }
  else
    {
      if (xmlHasProp (graphics, BAD_CAST "display"))
        {
          if (!sdl_named_display (b, graphics, error))
            return FALSE;
        }
      else if (xmlHasProp (graphics, BAD_CAST "xauth"))
        return refuse (error, graphics, "xauth goes with the X display it is for (display=)");
      else if (!vb_qemu_desktop_session (b, graphics, error))
        return FALSE;
      /* Without a session bus, the libraries behind SDL would start one
       * (dbus-launch): a spawn QEMU's sandbox kills it for. */
      g_ptr_array_add (b->command->env, g_strdup ("DBUS_SESSION_BUS_ADDRESS=disabled:"));
      if (vb_xml_attr_is (graphics, "fullscreen", "yes"))
        g_string_append (out, ",full-screen=on");
      if (vb_xml_attr_is (gl, "enable", "yes"))
        g_string_append (out, ",gl=on");
      if (gl && xmlHasProp (gl, BAD_CAST "rendernode"))
        return refuse (error, gl, "an SDL window renders where its desktop does: no rendernode");
    }
  add2 (b, "-display", out->str);
  return TRUE;
}

/* What only one of VNC and SPICE has (the schema takes the union): the
 * other's is refused, never dropped. */
static gboolean
graphics_fits (xmlNode *graphics, const char *type, GError **error)
{
  static const char *const vnc_only[] = { "websocket", "sharePolicy", "powerControl", "keymap" };
  static const char *const spice_only[] = { "tlsPort", "defaultMode" };
  static const char *const spice_children[] = { "image",     "jpeg",  "zlib",         "playback",
                                                "streaming", "mouse", "filetransfer", "gl",
                                                "channel",   "clipboard" };
  gboolean vnc = g_str_equal (type, "vnc");

  for (xmlAttr *attr = graphics->properties; attr; attr = attr->next)
    if (sdl_attribute ((const char *) attr->name))
      return refuse (error, graphics, "%s is for an sdl display", (const char *) attr->name);
  if (xmlHasProp (graphics, BAD_CAST "p2p") || xmlHasProp (graphics, BAD_CAST "address"))
    return refuse (error, graphics, "p2p and address are for a dbus display");
  for (guint i = 0; i < G_N_ELEMENTS (vnc_only); i++)
    if (!vnc && xmlHasProp (graphics, BAD_CAST vnc_only[i]))
      return refuse (error, graphics, "%s is for VNC", vnc_only[i]);
  for (guint i = 0; i < G_N_ELEMENTS (spice_only); i++)
    if (vnc && xmlHasProp (graphics, BAD_CAST spice_only[i]))
      return refuse (error, graphics, "%s is for SPICE", spice_only[i]);
  for (guint i = 0; i < G_N_ELEMENTS (spice_children); i++)
    if (vnc && vb_xml_child (graphics, spice_children[i]))
      return refuse (error, vb_xml_child (graphics, spice_children[i]), "<%s> is for SPICE",
                     spice_children[i]);
  return TRUE;
}

gboolean
vb_qemu_build_graphics (Builder *b, xmlNode *graphics, GError **error)
{
  g_autofree char *type = vb_xml_attr (graphics, "type");
  g_autofree char *listen = vb_qemu_graphics_listen (graphics);
  g_autofree char *passwd = vb_xml_attr (graphics, "passwd");
  int port = (int) vb_xml_attr_uint (graphics, "port", (guint) -1);
  gboolean autoport = vb_xml_attr_is (graphics, "autoport", "yes") || port < 0;

  if (g_str_equal (type, "desktop"))
    return refuse (error, graphics,
                   "graphics type 'desktop' is VirtualBox's (for a window on the host's desktop, "
                   "use sdl)");
  if (!vb_qemu_graphics_expiry_check (graphics, type, error))
    return FALSE;
  if (g_str_equal (type, "sdl") || g_str_equal (type, "egl-headless"))
    return build_local_display (b, graphics, type, error);
  if (g_str_equal (type, "dbus"))
    return vb_qemu_build_dbus_display (b, graphics, error);
  if (!g_str_equal (type, "vnc") && !g_str_equal (type, "spice"))
    return refuse (error, graphics, "graphics type '%s' is not supported (vnc or spice)", type);
  if (!graphics_fits (graphics, type, error))
    return FALSE;
  /* An empty VNC password would let in anyone who sends an empty one. */
  if (passwd && !*passwd)
    return refuse (error, graphics,
                   "an empty passwd is not supported (leave it out for a random one)");
  /* -vnc takes the address first, where a '=' would turn it into a key:
   * an IP address or a host name, nothing else. */
  if (listen && !vb_qemu_plain_word (listen, ":[]"))
    return refuse (error, graphics, "listen address '%s' is not an IP address or host name",
                   listen);
  /* Every display asks for a password, set over QMP before the guest runs
   * (qemu-graphics.c): never on this command line. */
  if (g_str_equal (type, "vnc"))
    return build_vnc (b, graphics, listen, port, autoport, error);
  return build_spice (b, graphics, listen, port, autoport, error);
}

/* Options of one direction (in. or out.) of an -audiodev. */
static gboolean
audio_direction (xmlNode *node, const char *prefix, GString *out, GError **error)
{
  static const struct {
    const char *attr, *option;
  } numbers[] = {
    { "voices", "voices" },
    { "bufferLength", "buffer-length" },
    { "latency", "latency" },
    { "bufferCount", "buffer-count" },
  };
  static const struct {
    const char *attr, *option;
  } strings[] = {
    { "dev", "dev" },
    { "name", "name" },
    { "streamName", "stream-name" },
    { "serverName", "server-name" },
    { "clientName", "client-name" },
    { "connectPorts", "connect-ports" },
  };
  xmlNode *settings = vb_xml_child (node, "settings");

  if (!node)
    return TRUE;
  /* QEMU takes the stream's settings only from its mixing engine, fixed. */
  if (settings
      && (vb_xml_attr_is (node, "mixingEngine", "no") || vb_xml_attr_is (node, "fixedSettings", "no")))
    return refuse (error, settings,
                   "<settings> need mixingEngine and fixedSettings on (QEMU's defaults)");
  if (xmlHasProp (node, BAD_CAST "mixingEngine"))
    g_string_append_printf (out, ",%s.mixing-engine=%s", prefix,
                            vb_xml_attr_is (node, "mixingEngine", "yes") ? "on" : "off");
  if (xmlHasProp (node, BAD_CAST "fixedSettings"))
    g_string_append_printf (out, ",%s.fixed-settings=%s", prefix,
                            vb_xml_attr_is (node, "fixedSettings", "yes") ? "on" : "off");
  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    if (xmlHasProp (node, BAD_CAST numbers[i].attr))
      g_string_append_printf (out, ",%s.%s=%u", prefix, numbers[i].option,
                              vb_xml_attr_uint (node, numbers[i].attr, 0));
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      g_autofree char *value = vb_xml_attr (node, strings[i].attr);
      g_autofree char *key = g_strdup_printf ("%s.%s", prefix, strings[i].option);

      if (value)
        vb_qemu_opt (out, key, value);
    }
  if (xmlHasProp (node, BAD_CAST "exactName"))
    g_string_append_printf (out, ",%s.exact-name=%s", prefix,
                            vb_xml_attr_is (node, "exactName", "yes") ? "on" : "off");
  if (xmlHasProp (node, BAD_CAST "tryPoll"))
    g_string_append_printf (out, ",%s.try-poll=%s", prefix,
                            vb_xml_attr_is (node, "tryPoll", "yes") ? "on" : "off");
  if (settings)
    {
      g_autofree char *format = vb_xml_attr (settings, "format");

      if (xmlHasProp (settings, BAD_CAST "frequency"))
        g_string_append_printf (out, ",%s.frequency=%u", prefix,
                                vb_xml_attr_uint (settings, "frequency", 0));
      if (xmlHasProp (settings, BAD_CAST "channels"))
        g_string_append_printf (out, ",%s.channels=%u", prefix,
                                vb_xml_attr_uint (settings, "channels", 0));
      if (format)
        vb_qemu_opt (out, g_strcmp0 (prefix, "in") == 0 ? "in.format" : "out.format", format);
    }
  return TRUE;
}

/* Which attributes of <audio>, <input> and <output> each backend has (the
 * schema takes the union; the rest are refused here, not dropped). */
static gboolean
audio_attrs_fit (xmlNode *audio, const char *type, GError **error)
{
  static const struct {
    const char *attr, *types;
  } fits[] = {
    { "dev", "alsa oss" },
    { "tryPoll", "alsa oss" },
    { "name", "pulseaudio" },
    { "streamName", "pulseaudio" },
    { "latency", "pulseaudio" },
    { "serverName", "pulseaudio jack" },
    { "clientName", "jack" },
    { "connectPorts", "jack" },
    { "exactName", "jack" },
    { "bufferCount", "oss sdl" },
  };
  const char *children[] = { "input", "output" };

  for (guint c = 0; c < G_N_ELEMENTS (children); c++)
    {
      xmlNode *node = vb_xml_child (audio, children[c]);

      for (guint i = 0; node && i < G_N_ELEMENTS (fits); i++)
        if (xmlHasProp (node, BAD_CAST fits[i].attr))
          {
            g_auto (GStrv) types = g_strsplit (fits[i].types, " ", -1);

            if (!g_strv_contains ((const char *const *) types, type))
              return refuse (error, node, "attribute '%s' is not one of audio backend '%s'",
                             fits[i].attr, type);
          }
    }
  if (xmlHasProp (audio, BAD_CAST "serverName") && !g_str_equal (type, "pulseaudio"))
    return refuse (error, audio, "serverName is for the pulseaudio backend");
  if ((xmlHasProp (audio, BAD_CAST "tryMMap") || xmlHasProp (audio, BAD_CAST "exclusive")
       || xmlHasProp (audio, BAD_CAST "dspPolicy"))
      && !g_str_equal (type, "oss"))
    return refuse (error, audio, "tryMMap, exclusive and dspPolicy are for the oss backend");
  if (xmlHasProp (audio, BAD_CAST "driver") && !g_str_equal (type, "sdl"))
    return refuse (error, audio, "driver is for the sdl backend");
  if (xmlHasProp (audio, BAD_CAST "path") && !g_str_equal (type, "file"))
    return refuse (error, audio, "path is for the file backend");
  return TRUE;
}

gboolean
vb_qemu_build_audio (Builder *b, xmlNode *audio, GError **error)
{
  g_autofree char *type = vb_xml_attr (audio, "type");
  guint id = vb_xml_attr_uint (audio, "id", 1);
  g_autoptr (GString) out = g_string_new (NULL);
  const char *backend;

  if (g_str_equal (type, "coreaudio"))
    return refuse (error, audio, "audio backend 'coreaudio' is macOS's");
  if (g_str_equal (type, "pipewire") && !b->context->dry_run && b->context->qemu_version
      && b->context->qemu_version < 80100)
    return refuse (error, audio, "audio backend 'pipewire' needs QEMU 8.1; this one is %u.%u",
                   b->context->qemu_version / 10000, b->context->qemu_version / 100 % 100);
  if (g_str_equal (type, "dbus") && !vb_qemu_dbus_audio_check (b, audio, error))
    return FALSE;
  /* SDL takes its audio driver from QEMU's environment, not its command line. */
  if (g_str_equal (type, "sdl") && xmlHasProp (audio, BAD_CAST "driver"))
    {
      g_autofree char *driver = vb_xml_attr (audio, "driver");

      if (!vb_qemu_setenv (b, audio, "SDL_AUDIODRIVER", driver, error))
        return FALSE;
    }
  if (g_str_equal (type, "spice") && !b->spice)
    return refuse (error, audio, "a spice audio backend needs <graphics type='spice'>");
  if (!audio_attrs_fit (audio, type, error))
    return FALSE;
  /* QEMU's names: pulseaudio is "pa", file is "wav". */
  backend = g_str_equal (type, "pulseaudio") ? "pa" : g_str_equal (type, "file") ? "wav" : type;
  g_string_append_printf (out, "%s,id=audio%u", backend, id);
  if (xmlHasProp (audio, BAD_CAST "timerPeriod"))
    g_string_append_printf (out, ",timer-period=%u", vb_xml_attr_uint (audio, "timerPeriod", 0));
  if (g_str_equal (type, "pulseaudio"))
    {
      g_autofree char *server = vb_xml_attr (audio, "serverName");

      if (server)
        vb_qemu_opt (out, "server", server);
    }
  if (g_str_equal (type, "oss"))
    {
      g_autofree char *policy = vb_xml_attr (audio, "dspPolicy");

      if (xmlHasProp (audio, BAD_CAST "tryMMap"))
        g_string_append_printf (out, ",try-mmap=%s",
                                vb_xml_attr_is (audio, "tryMMap", "yes") ? "on" : "off");
      if (xmlHasProp (audio, BAD_CAST "exclusive"))
        g_string_append_printf (out, ",exclusive=%s",
                                vb_xml_attr_is (audio, "exclusive", "yes") ? "on" : "off");
      if (policy)
        vb_qemu_opt (out, "dsp-policy", policy);
    }
  if (g_str_equal (type, "file"))
    {
      g_autofree char *path = vb_xml_attr (audio, "path");

      if (path)
        vb_qemu_opt (out, "path", path);
    }
  if (!audio_direction (vb_xml_child (audio, "input"), "in", out, error)
      || !audio_direction (vb_xml_child (audio, "output"), "out", out, error))
    return FALSE;
  add2 (b, "-audiodev", out->str);
  if (!b->audiodev)
    b->audiodev = g_strdup_printf ("audio%u", id);
  return TRUE;
}
