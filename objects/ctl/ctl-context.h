/* What every command runs with: the global options and, once a command
 * needs it, the connection to virtbus. */
#pragma once

#include "virtbus.h"

G_BEGIN_DECLS

typedef struct {
  GBusType bus_type; /* --system (the default) or --session */
  char *address;     /* --address, else NULL */
  gboolean json;     /* --json: listings and information as JSON */
  gboolean quiet;    /* --quiet: no messages on success */
  VirtbusClient *client;
} CtlContext;

void ctl_context_clear (CtlContext *ctx);

/* The client, connected on first use; an error of CTL_ERROR_UNREACHABLE
 * when there is no bus or no virtbus on it. */
VirtbusClient *ctl_context_client (CtlContext *ctx, GError **error);
/* The domain called @name_or_uuid (VIRTBUS_ERROR_NOT_FOUND when none). */
VirtbusDomain *ctl_context_domain (CtlContext *ctx, const char *name_or_uuid, GError **error);
/* The object at @path, waiting for the signal that announces it when a call
 * has just made it (CTL_ERROR_FAILED when it does not come). */
VirtbusObject *ctl_context_wait_object (CtlContext *ctx, const char *path, GError **error);
/* Every interface @get finds on the objects @client holds (a full reference
 * each, e.g. virtbus_object_get_network), sorted by @compare. */
GPtrArray *ctl_client_list (VirtbusClient *client, gpointer (*get) (VirtbusObject *object),
                            GCompareFunc compare);

/* A message for a person on stdout (a line; the newline is added), unless
 * --quiet or --json; escaped on a terminal (ctl_terminal_text()). */
void ctl_say (CtlContext *ctx, const char *format, ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
