/* The dispatch of the org.libvirt front end. Its objects are registered from
 * the interface XML (introspection/org.libvirt.*.xml) with no property
 * handlers, so GDBus hands it org.freedesktop.DBus.Properties too, which it
 * serves as libvirt-dbus does: GetAll's values are variants holding variants
 * (<<true>>), Get's are wrapped once. Every method call and property write is
 * authorized first through objects/common, with the polkit action the
 * member's org.virtbus.Virt1.Authorization annotation names; a member without
 * a handler answers libvirt's "this function is not supported by the
 * connection driver: vir...". */
#pragma once

#include <gio/gio.h>

#include "driver.h"
#include "reply-cache.h"

G_BEGIN_DECLS

/* A Connect's last answer to a list call whose flags depend only on which
 * objects exist, and the list generation it was made at. */
typedef struct {
  guint64 generation;
  GVariant *reply; /* NULL until the first call */
} VbLvListCache;

/* One Connect object and what its objects belong to: the domains of one
 * domain driver. */
typedef struct {
  GDBusConnection *bus;
  VbDriverHost *host;
  const char *path;           /* "/org/libvirt/QEMU" */
  const char *driver;         /* its domain driver: "qemu" */
  VbLvListCache *all_domains; /* ListDomains(0) */
  VbReplyCache *replies;      /* the front end's, shared by its Connects */
} VbLvConnect;

/* A method call or property write in progress; handlers end it with exactly
 * one of vb_lv_call_return / _fail / _unsupported, which free it. */
typedef struct _VbLvCall {
  const VbLvConnect *connect;
  GDBusMethodInvocation *invocation;
  GVariant *parameters;
  gpointer object;            /* the resolved model object (a reference), NULL for Connect */
  GDestroyNotify object_free; /* frees @object; NULL: it is a GObject */
  const char *not_found;      /* libvirt's prefix for a NotFound of this interface */
  char *xml;                  /* a caller's XML once checked (vb_lv_xml_check) */
  void (*checked_next) (struct _VbLvCall *call);             /* vb_lv_xml_check: where it goes on */
  guint secrets_asked; /* vb_lv_xml_check: the secrets of @xml asked for so far */
  gboolean (*finish) (GAsyncResult *result, GError **error); /* vb_lv_call_expect */
  guint64 generation;                                        /* the model's when the call arrived */
  gboolean cacheable;       /* its answer may be sent again (VbReplyCache) */
  const char *cache_action; /* the action it was authorized with; NULL: open */
} VbLvCall;

typedef void (*VbLvMethodFunc) (VbLvCall *call);
typedef struct {
  const char *name;
  VbLvMethodFunc func;
  /* A read whose answer depends only on the model and its arguments: sent
   * again from GDBus's worker thread until the model changes. */
  gboolean cacheable;
} VbLvMethod;

/* A property's value (floating or full reference) for @object. */
typedef GVariant *(*VbLvGetFunc) (const VbLvConnect *connect, gpointer object);
typedef void (*VbLvSetFunc) (VbLvCall *call, GVariant *value);
typedef struct {
  const char *name;
  VbLvGetFunc get;
  VbLvSetFunc set; /* NULL for read-only properties */
} VbLvProperty;

typedef struct {
  const char *name;               /* "org.libvirt.Domain" */
  const char *not_found;          /* "Domain not found" */
  const VbLvMethod *methods;      /* ends with { NULL } */
  const VbLvProperty *properties; /* ends with { NULL } */
  /* Its properties' values change only with the model: Get and GetAll
   * answers are sent again from the worker thread (VbReplyCache). */
  gboolean cacheable_properties;
  /* The model object at @path (a reference); NULL with @error (a VB_LV_ERROR
   * with libvirt's text). NULL for the Connect interface. */
  gpointer (*resolve) (const VbLvConnect *connect, const char *path, GError **error);
  /* Instead of resolve, for objects the host has (interfaces, node devices),
   * found by reading it off the main loop: the call's @object is what
   * resolve_finish returns, freed with object_free. */
  void (*resolve_async) (const VbLvConnect *connect, const char *path, GAsyncReadyCallback callback,
                         gpointer user_data);
  gpointer (*resolve_finish) (GAsyncResult *result, GError **error);
  GDestroyNotify object_free;
} VbLvInterface;

/* What a registration's user_data is. */
typedef struct {
  const VbLvConnect *connect;
  const VbLvInterface *iface;
} VbLvBinding;

/* The vtable for every org.libvirt object: user_data is a VbLvBinding. */
const GDBusInterfaceVTable *vb_lv_dispatch_vtable (void);

/* @call's argument at @index: a "u", or an "s" (valid while @call lives).
 * GDBus checked the signature against the interface XML before. */
guint vb_lv_call_uint_arg (VbLvCall *call, guint index);
const char *vb_lv_call_string_arg (VbLvCall *call, guint index);

/* An operation's finish function that says only whether it worked. */
typedef gboolean (*VbLvFinishFunc) (GAsyncResult *result, GError **error);
/* For operations whose only result is success: pass vb_lv_void_done as the
 * callback and vb_lv_call_expect (@call, their finish function) as its user
 * data; @call then ends with no value or with the operation's error. */
VbLvCall *vb_lv_call_expect (VbLvCall *call, VbLvFinishFunc finish);
void vb_lv_void_done (GObject *source, GAsyncResult *result, gpointer user_data);

/* Ends @call with @value (a tuple; consumed when floating, else the caller
 * keeps its reference; NULL for no value). */
void vb_lv_call_return (VbLvCall *call, GVariant *value);
/* Ends @call with @error (taken) as org.libvirt.Error. */
void vb_lv_call_fail (VbLvCall *call, GError *error);
/* Ends @call with the descriptor @fd (taken) as its one value (h). */
void vb_lv_call_return_fd (VbLvCall *call, int fd);
/* Ends @call with libvirt's "not supported" for its member. */
void vb_lv_call_unsupported (VbLvCall *call);

/* For handlers that need a further action in some cases (the member's
 * org.virtbus.Virt1.Authorization.Also annotation names it): calls @next
 * with @call when the caller may do @action_id, else fails @call. */
void vb_lv_call_authorize_also (VbLvCall *call, const char *action_id, VbLvMethodFunc next);
/* The same with one more polkit detail @key (static) = @value for rules. */
void vb_lv_call_authorize_also_detail (VbLvCall *call, const char *action_id, const char *key,
                                       const char *value, VbLvMethodFunc next);

/* Wraps each value of the a{sv} @dict (floating or not) in one more variant,
 * as libvirt-dbus sends typed parameters. */
GVariant *vb_lv_double_wrap (GVariant *dict);

G_END_DECLS
