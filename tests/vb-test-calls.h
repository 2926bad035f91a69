/* Calling the service as a client does: methods that must succeed or fail
 * with a given error, properties read or waited for. */
#pragma once

#include "vb-test-daemons.h"

G_BEGIN_DECLS

/* Calls a method of the service and returns its reply, or NULL with @error. */
GVariant *vb_test_call (VbTestEnv *env, const char *path, const char *interface, const char *method,
                        GVariant *parameters, GError **error);
/* The same, expecting success: fails the test otherwise. */
GVariant *vb_test_call_ok (VbTestEnv *env, const char *path, const char *interface,
                           const char *method, GVariant *parameters);
/* Calls and asserts the D-Bus error name, e.g. "org.virtbus.Virt1.Error.NotFound". */
void vb_test_call_expect_error (VbTestEnv *env, const char *path, const char *interface,
                                const char *method, GVariant *parameters, const char *error_name);
/* The same, and returns the error's message (without the remote error name). */
char *vb_test_call_error_message (VbTestEnv *env, const char *path, const char *interface,
                                  const char *method, GVariant *parameters, const char *error_name);
/* Expects the error @error_name with a message that contains @words (may be NULL). */
void vb_test_call_expect_error_saying (VbTestEnv *env, const char *path, const char *interface,
                                       const char *method, GVariant *parameters,
                                       const char *error_name, const char *words);
/* Calls a method that answers an object path, expecting success; returns the path. */
char *vb_test_call_path (VbTestEnv *env, const char *path, const char *interface,
                         const char *method, GVariant *parameters);
/* Calls expecting success, the answer unused. */
void vb_test_call_void (VbTestEnv *env, const char *path, const char *interface, const char *method,
                        GVariant *parameters);
/* The XML of the object at @path (its GetXMLDesc with @flags). */
char *vb_test_get_xml (VbTestEnv *env, const char *path, const char *interface, guint flags);
GVariant *vb_test_get_property (VbTestEnv *env, const char *path, const char *interface,
                                const char *property);
/* A string (or object path), boolean, uint64 property. */
char *vb_test_get_string (VbTestEnv *env, const char *path, const char *interface,
                          const char *property);
gboolean vb_test_get_bool (VbTestEnv *env, const char *path, const char *interface,
                           const char *property);
guint64 vb_test_get_u64 (VbTestEnv *env, const char *path, const char *interface,
                         const char *property);
/* Iterates the main context until @property equals @expected or @timeout_ms passes. */
gboolean vb_test_wait_property (VbTestEnv *env, const char *path, const char *interface,
                                const char *property, GVariant *expected, guint timeout_ms);

/* The domain object path for @uuid. */
char *vb_test_domain_path (const char *uuid);

G_END_DECLS
