#include "domain-passthrough.h"

#include <string.h>

#include "vb-error.h"
#include "xml-schema.h"

static gboolean
in_ns (xmlNode *node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && node->ns != NULL
         && xmlStrEqual (node->ns->href, (const xmlChar *) VB_LIBVIRT_QEMU_NS)
         && (name == NULL || xmlStrEqual (node->name, (const xmlChar *) name));
}

xmlNode *
vb_domain_passthrough (xmlNode *root)
{
  for (xmlNode *child = root ? root->children : NULL; child != NULL; child = child->next)
    if (in_ns (child, "commandline"))
      return child;
  return NULL;
}

xmlNode *
vb_domain_passthrough_next (xmlNode *commandline, xmlNode *node, const char *name)
{
  for (xmlNode *child = node ? node->next : commandline->children; child != NULL;
       child = child->next)
    if (in_ns (child, name))
      return child;
  return NULL;
}

/* Set by the QEMU driver itself (qemu-host-display.c, qemu-command-gl.c,
 * qemu-command-graphics.c): a second value would make the driver's a lie. */
static const char *const driver_names[] = {
  "DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "XDG_RUNTIME_DIR", "SDL_AUDIODRIVER",
  "DBUS_SESSION_BUS_ADDRESS",
};

static const char *
env_name_problem (const char *name)
{
  if (!g_ascii_isalpha (name[0]) && name[0] != '_')
    return "an environment name begins with a letter or '_'";
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return "an environment name has only letters, digits and '_'";
  /* The loader reads these before QEMU's -sandbox is in place: code they
   * load would run unconfined by seccomp. */
  if (g_str_has_prefix (name, "LD_") || g_str_equal (name, "GLIBC_TUNABLES"))
    return "it changes how the dynamic loader starts QEMU, before its sandbox is in place";
  for (gsize i = 0; i < G_N_ELEMENTS (driver_names); i++)
    if (g_str_equal (name, driver_names[i]))
      return "the QEMU driver sets it itself";
  return NULL;
}

gboolean
vb_domain_passthrough_check (xmlNode *root, GError **error)
{
  xmlNode *commandline = vb_domain_passthrough (root);

  if (commandline == NULL)
    return TRUE;
  for (xmlNode *env = vb_domain_passthrough_next (commandline, NULL, "env"); env != NULL;
       env = vb_domain_passthrough_next (commandline, env, "env"))
    {
      g_autofree char *name = vb_xml_attr (env, "name");
      const char *problem = env_name_problem (name);

      if (problem != NULL)
        {
          g_autofree char *quoted = vb_xml_quote (name);

          return vb_xml_invalid (error, env, "name=%s is refused: %s", quoted, problem);
        }
    }
  return TRUE;
}

static gboolean
any_in_ns (xmlNode *node)
{
  for (xmlNode *child = node->children; child != NULL; child = child->next)
    if (in_ns (child, NULL) || (child->type == XML_ELEMENT_NODE && any_in_ns (child)))
      return TRUE;
  return FALSE;
}

gboolean
vb_domain_passthrough_in_doc (xmlDoc *doc)
{
  xmlNode *root = doc ? xmlDocGetRootElement (doc) : NULL;

  return root != NULL && (in_ns (root, NULL) || any_in_ns (root));
}

gboolean
vb_domain_passthrough_in (const char *xml)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, NULL, NULL);

  return vb_domain_passthrough_in_doc (doc);
}
