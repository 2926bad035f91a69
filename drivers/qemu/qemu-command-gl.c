/* What a display needs of the host: OpenGL on a render node (egl-headless,
 * SPICE and SDL with <gl>, virtio-vga-gl, a mediated device's display) and
 * a desktop session (sdl). Define builds the arguments a capable host would
 * run; Start asks this host through the context and refuses by name what it
 * lacks. */
#include "qemu-command-private.h"

gboolean
vb_qemu_has_gl_display (Builder *b)
{
  for (xmlNode *g = vb_xml_child (b->devices, "graphics"); g; g = vb_xml_next (g, "graphics"))
    if (vb_xml_attr_is (g, "type", "egl-headless")
        || vb_xml_attr_is (vb_xml_child (g, "gl"), "enable", "yes"))
      return TRUE;
  return FALSE;
}

gboolean
vb_qemu_gl_rendernode (Builder *b, xmlNode *graphics, GString *out, GError **error)
{
  xmlNode *gl = vb_xml_child (graphics, "gl");
  g_autofree char *wanted = gl ? vb_xml_attr (gl, "rendernode") : NULL;
  g_autofree char *path = NULL;
  g_autoptr (GError) why = NULL;

  if (b->context->dry_run || !b->context->render_node)
    path = g_steal_pointer (&wanted);
  else if (!(path = b->context->render_node (wanted, &why)))
    return refuse (error, gl ? gl : graphics, "%s", why->message);
  if (!path)
    return TRUE; /* a dry run without a choice: Start picks one */
  vb_qemu_opt (out, "rendernode", path);
  /* The live XML says which node QEMU renders on, as libvirt's does. */
  if (!gl)
    {
      gl = xmlNewDocNode (graphics->doc, NULL, BAD_CAST "gl", NULL);
      xmlAddChild (graphics, gl);
    }
  xmlSetProp (gl, BAD_CAST "rendernode", BAD_CAST path);
  return TRUE;
}

gboolean
vb_qemu_desktop_session (Builder *b, xmlNode *graphics, GError **error)
{
  g_auto (GStrv) env = NULL;
  g_autoptr (GError) why = NULL;

  if (b->context->dry_run || !b->context->desktop_session)
    return TRUE;
  env = b->context->desktop_session (&why);
  if (!env)
    return refuse (error, graphics, "%s", why->message);
  for (guint i = 0; env[i]; i++)
    g_ptr_array_add (b->command->env, g_strdup (env[i]));
  return TRUE;
}

gboolean
vb_qemu_setenv (Builder *b, xmlNode *node, const char *name, const char *value, GError **error)
{
  g_autofree char *prefix = g_strdup_printf ("%s=", name);

  /* A plain word: nothing a program reading it could take for more. */
  if (!vb_qemu_plain_word (value, NULL))
    return refuse (error, node, "'%s' is not a plain word (letters, digits, '._-')", value);
  for (guint i = 0; i < b->command->env->len; i++)
    if (g_str_has_prefix (b->command->env->pdata[i], prefix))
      {
        if (g_str_equal ((char *) b->command->env->pdata[i] + strlen (prefix), value))
          return TRUE;
        return refuse (error, node, "QEMU has one %s: '%s' and '%s' differ", name,
                       (char *) b->command->env->pdata[i] + strlen (prefix), value);
      }
  g_ptr_array_add (b->command->env, g_strconcat (prefix, value, NULL));
  return TRUE;
}

gboolean
vb_qemu_spice_tls (Builder *b, xmlNode *graphics, const char *listen, int port, GString *out,
                   GError **error)
{
  static const char *const files[] = { "ca-cert.pem", "server-cert.pem", "server-key.pem" };
  const char *dir = b->context->spice_x509_dir;
  int tls_port;

  if (!xmlHasProp (graphics, BAD_CAST "tlsPort"))
    return TRUE;
  tls_port = (int) vb_xml_attr_uint (graphics, "tlsPort", (guint) -1);
  if (!listen)
    return refuse (error, graphics, "a tlsPort needs a listen address");
  if (!b->context->dry_run)
    {
      if (!dir)
        return refuse (error, graphics,
                       "tlsPort: SPICE TLS needs the certificates of the service's "
                       "--spice-x509-dir, which is not set");
      for (guint i = 0; i < G_N_ELEMENTS (files); i++)
        {
          g_autofree char *path = g_build_filename (dir, files[i], NULL);

          if (!host_has (b->context, path))
            return refuse (error, graphics, "tlsPort: SPICE TLS needs %s, which is missing", path);
        }
    }
  if (tls_port <= 0 || tls_port > 65535)
    tls_port = b->context->dry_run || !b->context->free_tcp_port
                 ? MAX (port, 5900) + 1
                 : b->context->free_tcp_port (MAX (port, 5900) + 1);
  if (tls_port < 0)
    return refuse (error, graphics, "no free TCP port for SPICE TLS");
  g_string_append_printf (out, "tls-port=%d", tls_port);
  if (dir)
    vb_qemu_opt (out, "x509-dir", dir);
  g_string_append_c (out, ',');
  {
    g_autofree char *text = g_strdup_printf ("%d", tls_port);

    xmlSetProp (graphics, BAD_CAST "tlsPort", BAD_CAST text);
  }
  return TRUE;
}
