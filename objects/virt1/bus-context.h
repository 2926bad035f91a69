/* What every D-Bus object of the service needs to reach. */
#pragma once

#include <gio/gio.h>

#include "driver.h"
#include "object-table.h"
#include "reply-cache.h"

G_BEGIN_DECLS

typedef struct {
  VbObjectTable *objects; /* what is exported below the manager */
  VbDriverHost *host;
  VbReplyCache *replies; /* virt1-replies.h; NULL until the objects are exported */
} VbBusContext;

/* Completes @invocation with no value, or with the error @finish reports. */
typedef gboolean (*VbFinishFunc) (GAsyncResult *result, GError **error);
void vb_complete_void (GDBusMethodInvocation *invocation, GAsyncResult *result,
                       VbFinishFunc finish);
/* Completes @invocation with the object path of @resource, or with @error (taken). */
void vb_complete_resource_path (GDBusMethodInvocation *invocation, VbResource *resource,
                                GError *error);
/* Completes @invocation with the object path of @job, or with @error (taken). */
void vb_complete_job_path (GDBusMethodInvocation *invocation, VbJob *job, GError *error);
/* Completes @invocation with the path_of() each of @items, or with @error
 * (taken) when @items is NULL. */
typedef char *(*VbPathFunc) (gpointer item);
void vb_complete_paths (GDBusMethodInvocation *invocation, GPtrArray *items, VbPathFunc path_of,
                        GError *error);
/* Completes @invocation with the paths of @resources (domains, networks or pools). */
void vb_complete_resource_paths (GDBusMethodInvocation *invocation, GPtrArray *resources,
                                 GError *error);
/* Completes @invocation with @reply (a read member's answer, computed from
 * the model as it was at @generation, vb_model_generation() read before),
 * and keeps it to answer the same call again from the worker thread to
 * callers allowed the member's action for good (never on the strength of
 * another caller's decision). Only for members whose answer depends on the
 * call and the model alone, and needs no second action. */
void vb_complete_read (VbBusContext *context, guint64 generation, GDBusMethodInvocation *invocation,
                       GVariant *reply);
/* vb_complete_resource_path() and _paths() for read members: the answer is
 * kept as vb_complete_read() keeps it (errors are not). */
void vb_complete_read_path (VbBusContext *context, guint64 generation,
                            GDBusMethodInvocation *invocation, VbResource *resource, GError *error);
void vb_complete_read_paths (VbBusContext *context, guint64 generation,
                             GDBusMethodInvocation *invocation, GPtrArray *resources,
                             GError *error);
/* The path a resource is exported at. */
char *vb_resource_object_path (VbResource *resource);

G_END_DECLS
