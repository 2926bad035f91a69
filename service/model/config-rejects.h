/* Stored definitions that did not load: moved into a rejected/ folder beside
 * where they were, so none is lost and none comes back by itself (or left in
 * place, when only this run's driver refused them), and listed for clients
 * (Manager.RejectedConfigs) with the reason. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A stored file the service could not load, kept aside for its owner. */
typedef struct {
  char *kind;   /* the top folder it was in: "domains", "networks", "pools", "snapshots" */
  char *path;   /* where it is now: a rejected/ folder beside where it was, or
                 * where it was, when only this run's driver refused it */
  char *reason; /* why it did not load */
} VbRejectedConfig;

typedef void (*VbRejectedFunc) (gpointer user_data);

typedef struct _VbConfigRejects VbConfigRejects;

VbConfigRejects *vb_config_rejects_new (void);
void vb_config_rejects_free (VbConfigRejects *rejects);

/* Moves @path (the file of object @id in store folder @kind) and @marker (its
 * autostart marker, may be NULL) into rejected/ beside @path, writes @reason
 * beside them, logs and lists it. */
void vb_config_rejects_keep_aside (VbConfigRejects *rejects, const char *kind, const char *path,
                                   const char *id, const char *marker, const char *reason);
/* Lists @path (store folder @kind) as not loaded, leaving it where it is; logs it. */
void vb_config_rejects_report (VbConfigRejects *rejects, const char *kind, const char *path,
                               const char *reason);
/* Lists what earlier starts kept aside in @dir/rejected/ (store folder @kind). */
void vb_config_rejects_scan (VbConfigRejects *rejects, const char *kind, const char *dir);
/* Everything listed so far (VbRejectedConfig), in the order found. */
GPtrArray *vb_config_rejects_list (VbConfigRejects *rejects);
/* Calls @func (@user_data) after each addition; one watcher at a time. */
void vb_config_rejects_watch (VbConfigRejects *rejects, VbRejectedFunc func, gpointer user_data);

G_END_DECLS
