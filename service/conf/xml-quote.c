/* Quoting caller-given values for messages. */
#include "xml-quote.h"

/* Characters that show as nothing, or move or break the text around them:
 * C0, DEL and C1 controls (U+0085 NEL among them), format characters
 * (zero-width spaces and joiners, bidirectional overrides, U+FEFF) and the
 * line and paragraph separators. In a name they make two names look alike
 * or garble a listing; in a message they garble the message. */
gboolean
vb_xml_is_invisible (gunichar c)
{
  switch (g_unichar_type (c)) {
  case G_UNICODE_CONTROL:
  case G_UNICODE_FORMAT:
  case G_UNICODE_LINE_SEPARATOR:
  case G_UNICODE_PARAGRAPH_SEPARATOR: return TRUE;
  default: return FALSE;
  }
}

char *
vb_xml_quote (const char *value)
{
  g_autoptr (GString) out = g_string_new ("'");
  glong n_chars = 0;

  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p)) {
    if (++n_chars > 64) {
      g_string_append (out, "...");
      break;
    }
    if ((guchar) *p < 0x20 || *p == 0x7f)
      g_string_append_printf (out, "\\x%02x", (guint) (guchar) *p);
    else if (vb_xml_is_invisible (g_utf8_get_char_validated (p, -1)))
      g_string_append_printf (out, "\\u%04x", (guint) g_utf8_get_char (p));
    else
      g_string_append_len (out, p, g_utf8_next_char (p) - p);
  }
  g_string_append_c (out, '\'');
  return g_string_free (g_steal_pointer (&out), FALSE);
}
