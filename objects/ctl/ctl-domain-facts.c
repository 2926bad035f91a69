#include "ctl-domain-facts.h"

#include <stdlib.h>
#include <string.h>

#include "ctl-error.h"

typedef struct {
  CtlDomainFacts *facts;
  int depth;        /* of the element being read: 1 <domain>, 2 <devices>, ... */
  gboolean devices; /* inside <domain><devices> */
  CtlDisk *disk;    /* the <disk> being read */
  CtlGraphics *graphics;
} Reader;

static void
disk_free (CtlDisk *disk)
{
  g_free (disk->device);
  g_free (disk->target);
  g_free (disk->source);
  g_free (disk);
}

static void
graphics_free (CtlGraphics *graphics)
{
  g_free (graphics->type);
  g_free (graphics->listen);
  g_free (graphics);
}

static const char *
attribute (const char **names, const char **values, const char *wanted)
{
  for (guint i = 0; names[i]; i++)
    if (strcmp (names[i], wanted) == 0)
      return values[i];
  return NULL;
}

static void
read_device (Reader *reader, const char *element, const char **names, const char **values)
{
  if (strcmp (element, "disk") == 0)
    {
      const char *device = attribute (names, values, "device");

      reader->disk = g_new0 (CtlDisk, 1);
      reader->disk->device = g_strdup (device ? device : "disk");
      g_ptr_array_add (reader->facts->disks, reader->disk);
    }
  else if (strcmp (element, "graphics") == 0)
    {
      const char *port = attribute (names, values, "port");

      reader->graphics = g_new0 (CtlGraphics, 1);
      reader->graphics->type = g_strdup (attribute (names, values, "type"));
      reader->graphics->port = port ? atoi (port) : -1;
      reader->graphics->listen = g_strdup (attribute (names, values, "listen"));
      g_ptr_array_add (reader->facts->graphics, reader->graphics);
    }
}

static void
read_device_child (Reader *reader, const char *element, const char **names, const char **values)
{
  static const char *const source_attributes[] = { "file", "dev", "dir", "name", NULL };

  if (reader->disk && strcmp (element, "target") == 0)
    {
      g_free (reader->disk->target);
      reader->disk->target = g_strdup (attribute (names, values, "dev"));
    }
  else if (reader->disk && strcmp (element, "source") == 0)
    for (guint i = 0; source_attributes[i] && !reader->disk->source; i++)
      reader->disk->source = g_strdup (attribute (names, values, source_attributes[i]));
  else if (reader->graphics && strcmp (element, "listen") == 0 && !reader->graphics->listen)
    reader->graphics->listen = g_strdup (attribute (names, values, "address"));
}

static void
start_element (GMarkupParseContext *context, const char *element, const char **names,
               const char **values, gpointer user_data, GError **error)
{
  Reader *reader = user_data;

  reader->depth++;
  if (reader->depth == 2 && strcmp (element, "devices") == 0)
    reader->devices = TRUE;
  else if (reader->devices && reader->depth == 3)
    read_device (reader, element, names, values);
  else if (reader->devices && reader->depth == 4)
    read_device_child (reader, element, names, values);
}

static void
end_element (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  Reader *reader = user_data;

  if (reader->depth == 3)
    reader->disk = NULL, reader->graphics = NULL;
  else if (reader->depth == 2)
    reader->devices = FALSE;
  reader->depth--;
}

CtlDomainFacts *
ctl_domain_facts_parse (const char *xml, GError **error)
{
  static const GMarkupParser parser = { start_element, end_element };
  g_autoptr (CtlDomainFacts) facts = g_new0 (CtlDomainFacts, 1);
  Reader reader = { facts };
  g_autoptr (GMarkupParseContext) context = NULL;
  g_autoptr (GError) local = NULL;

  facts->disks = g_ptr_array_new_with_free_func ((GDestroyNotify) disk_free);
  facts->graphics = g_ptr_array_new_with_free_func ((GDestroyNotify) graphics_free);
  context = g_markup_parse_context_new (&parser, G_MARKUP_IGNORE_QUALIFIED, &reader, NULL);
  if (!g_markup_parse_context_parse (context, xml, -1, &local)
      || !g_markup_parse_context_end_parse (context, &local))
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED, "cannot read the domain's XML: %s",
                   local->message);
      return NULL;
    }
  return g_steal_pointer (&facts);
}

void
ctl_domain_facts_free (CtlDomainFacts *facts)
{
  if (!facts)
    return;
  g_clear_pointer (&facts->disks, g_ptr_array_unref);
  g_clear_pointer (&facts->graphics, g_ptr_array_unref);
  g_free (facts);
}

CtlDisk *
ctl_domain_facts_disk (CtlDomainFacts *facts, const char *name)
{
  for (guint i = 0; i < facts->disks->len; i++)
    {
      CtlDisk *disk = facts->disks->pdata[i];

      if (g_strcmp0 (disk->target, name) == 0 || g_strcmp0 (disk->source, name) == 0)
        return disk;
    }
  return NULL;
}
