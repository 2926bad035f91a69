/* Caller-given text in messages: quoted, bounded, and with every character
 * that could garble a message or a listing made visible. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Control characters, invisible format characters (zero-width, bidi
 * overrides), line and paragraph separators. */
gboolean vb_xml_is_invisible (gunichar c);
/* @value in single quotes for an error message: control characters escaped,
 * at most 64 characters, so a hostile document cannot garble the message. */
char *vb_xml_quote (const char *value);

G_END_DECLS
