#include "xml-limits.h"

#include <string.h>

#include "vb-error.h"
#include "xml-quote.h"

typedef struct {
  const char *p;
  const char *end;
  long line;
  guint elements;
  guint total_attributes;
  guint depth;
} Scan;

/* Moves past @marker (counting lines); FALSE when it never comes. */
static gboolean
skip_past (Scan *scan, const char *marker)
{
  gsize n = strlen (marker);

  for (; scan->p + n <= scan->end; scan->p++)
    {
      if (memcmp (scan->p, marker, n) == 0)
        {
          scan->p += n;
          return TRUE;
        }
      if (*scan->p == '\n')
        scan->line++;
    }
  return FALSE;
}

static gboolean
starts (Scan *scan, const char *prefix)
{
  gsize n = strlen (prefix);

  return scan->p + n <= scan->end && memcmp (scan->p, prefix, n) == 0;
}

static gboolean
ends_name (char c)
{
  return c == '/' || c == '>' || c == '=' || c == '<' || c == '"' || c == '\''
         || g_ascii_isspace (c);
}

static gboolean
refuse_over_limit (GError **error, const char *name, gsize name_len, long line, const char *what, guint limit)
{
  /* The name as written, cut and escaped: it is the caller's text. */
  g_autofree char *raw = g_strndup (name, MIN (name_len, 256));
  g_autofree char *quoted = vb_xml_quote (raw);

  quoted[strlen (quoted) - 1] = '\0';
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "%s <%s> at line %ld: the limit is %u", what,
               quoted + 1, line, limit);
  return FALSE;
}

/* The start tag at scan->p (just past '<'): its attributes are the '='
 * outside quoted values. */
static gboolean
scan_start_tag (Scan *scan, GError **error)
{
  const char *name = scan->p;
  long line = scan->line;
  guint attributes = 0;
  gsize name_len;

  while (scan->p < scan->end && !ends_name (*scan->p))
    scan->p++;
  name_len = (gsize) (scan->p - name);
  if (++scan->elements > VB_XML_MAX_ELEMENTS)
    return refuse_over_limit (error, name, name_len, line, "too many elements in the document at",
                   VB_XML_MAX_ELEMENTS);
  for (; scan->p < scan->end; scan->p++)
    {
      char c = *scan->p;

      if (c == '\n')
        scan->line++;
      else if (c == '"' || c == '\'')
        {
          const char *close = memchr (scan->p + 1, c, (gsize) (scan->end - scan->p - 1));

          if (close == NULL)
            return TRUE;
          for (const char *q = scan->p; q < close; q++)
            scan->line += *q == '\n';
          scan->p = close;
        }
      else if (c == '=')
        {
          if (++attributes > VB_XML_MAX_ATTRIBUTES)
            return refuse_over_limit (error, name, name_len, line, "too many attributes on",
                           VB_XML_MAX_ATTRIBUTES);
          if (++scan->total_attributes > VB_XML_MAX_TOTAL_ATTRIBUTES)
            return refuse_over_limit (error, name, name_len, line, "too many attributes in the document at",
                           VB_XML_MAX_TOTAL_ATTRIBUTES);
        }
      else if (c == '>')
        {
          gboolean empty = scan->p[-1] == '/';

          scan->p++;
          if (!empty && ++scan->depth > VB_XML_MAX_DEPTH)
            return refuse_over_limit (error, name, name_len, line, "elements nested too deeply at",
                           VB_XML_MAX_DEPTH);
          return TRUE;
        }
      else if (c == '<')
        return TRUE; /* malformed: the parser says where */
    }
  return TRUE;
}

gboolean
vb_xml_check_limits (const char *xml, gsize len, GError **error)
{
  Scan scan = { .p = xml, .end = xml + len, .line = 1 };

  while (scan.p < scan.end)
    {
      const char *lt = memchr (scan.p, '<', (gsize) (scan.end - scan.p));

      if (lt == NULL)
        break;
      for (; scan.p < lt; scan.p++)
        scan.line += *scan.p == '\n';
      if (starts (&scan, "<!--"))
        {
          if (!skip_past (&scan, "-->"))
            break;
        }
      else if (starts (&scan, "<![CDATA["))
        {
          if (!skip_past (&scan, "]]>"))
            break;
        }
      else if (starts (&scan, "<?"))
        {
          if (!skip_past (&scan, "?>"))
            break;
        }
      else if (starts (&scan, "<!") || starts (&scan, "</"))
        {
          if (scan.p[1] == '/' && scan.depth > 0)
            scan.depth--;
          if (!skip_past (&scan, ">"))
            break;
        }
      else
        {
          scan.p++;
          if (!scan_start_tag (&scan, error))
            return FALSE;
        }
    }
  /* Past the end or malformed: what was counted is within the bounds. */
  return TRUE;
}
