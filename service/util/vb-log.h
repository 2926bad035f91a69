/* Structured logging: every message carries the object it is about (VB_OBJECT
 * field, e.g. "domain/web1"), so journalctl VB_OBJECT=… finds its history. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void vb_log (GLogLevelFlags level, const char *object, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

#define vb_log_debug(object, ...) vb_log (G_LOG_LEVEL_DEBUG, (object), __VA_ARGS__)
#define vb_log_info(object, ...) vb_log (G_LOG_LEVEL_INFO, (object), __VA_ARGS__)
#define vb_log_message(object, ...) vb_log (G_LOG_LEVEL_MESSAGE, (object), __VA_ARGS__)
#define vb_log_warning(object, ...) vb_log (G_LOG_LEVEL_WARNING, (object), __VA_ARGS__)

/* Installs the writer: to the journal when stderr is connected to it,
 * otherwise one line per message on stderr; debug only when @verbose. */
void vb_log_setup (gboolean verbose);

G_END_DECLS
