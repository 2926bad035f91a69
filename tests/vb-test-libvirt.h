/* Calling the org.libvirt front end as a client of libvirt-dbus does, for
 * tests/test-libvirt-*.c: calls, org.libvirt.Error texts, GetAll's double
 * wrapping, and a child process calling as another user. */
#pragma once

#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "vb-test-env.h"

#define LV_NAME "org.libvirt"
#define LV_ERROR "org.libvirt.Error"
#define LV_CONNECT "org.libvirt.Connect"
#define LV_NETWORK "org.libvirt.Network"
#define LV_POOL "org.libvirt.StoragePool"
#define LV_VOL "org.libvirt.StorageVol"
#define LV_PROPERTIES "org.freedesktop.DBus.Properties"
#define LV_QEMU "/org/libvirt/QEMU"
#define LV_TEST "/org/libvirt/Test"
#define LV_HANDOFF "VB_LIBVIRT_HANDOFF_DIR"
#define LV_USER "vbtest-user" /* not in the group virtbus: polkit's defaults apply */

static inline GVariant *
lv_call_on (GDBusConnection *bus, const char *path, const char *iface, const char *method,
            GVariant *args, GError **error)
{
  return g_dbus_connection_call_sync (bus, LV_NAME, path, iface, method, args, NULL,
                                      G_DBUS_CALL_FLAGS_NONE, 30000, NULL, error);
}

static inline GVariant *
lv_ok (VbTestEnv *env, const char *path, const char *iface, const char *method, GVariant *args)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply = lv_call_on (env->client, path, iface, method, args, &error);

  if (!reply)
    g_error ("%s.%s on %s: %s", iface, method, path, error->message);
  return reply;
}

static inline void
lv_void (VbTestEnv *env, const char *path, const char *iface, const char *method, GVariant *args)
{
  g_autoptr (GVariant) reply = lv_ok (env, path, iface, method, args);
}

static inline char *
lv_path (VbTestEnv *env, const char *path, const char *iface, const char *method, GVariant *args)
{
  g_autoptr (GVariant) reply = lv_ok (env, path, iface, method, args);
  char *result;

  g_variant_get (reply, "(o)", &result);
  return result;
}

static inline char *
lv_string (VbTestEnv *env, const char *path, const char *iface, const char *method, GVariant *args)
{
  g_autoptr (GVariant) reply = lv_ok (env, path, iface, method, args);
  char *result;

  g_variant_get (reply, "(s)", &result);
  return result;
}

/* The object paths an "(ao)" answer holds, as a NULL-terminated array. */
static inline char **
lv_paths (VbTestEnv *env, const char *path, const char *iface, const char *method, GVariant *args)
{
  g_autoptr (GVariant) reply = lv_ok (env, path, iface, method, args);
  char **paths;

  g_variant_get (reply, "(^ao)", &paths);
  return paths;
}

/* Asserts the error is org.libvirt.Error with @message, or a message starting
 * with it when @message ends with "...". */
static inline void
lv_expect_error_on (GDBusConnection *bus, const char *path, const char *iface, const char *method,
                    GVariant *args, const char *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = lv_call_on (bus, path, iface, method, args, &error);
  g_autofree char *name = NULL;
  gsize len = strlen (message);

  if (reply)
    g_error ("%s.%s on %s succeeded; expected '%s'", iface, method, path, message);
  name = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (name, ==, LV_ERROR);
  g_dbus_error_strip_remote_error (error);
  if (g_str_has_suffix (message, "..."))
    {
      if (strncmp (error->message, message, len - 3) != 0)
        g_error ("%s.%s: '%s' does not start with '%.*s'", iface, method, error->message,
                 (int) len - 3, message);
    }
  else
    g_assert_cmpstr (error->message, ==, message);
}

static inline void
lv_expect_error (VbTestEnv *env, const char *path, const char *iface, const char *method,
                 GVariant *args, const char *message)
{
  lv_expect_error_on (env->client, path, iface, method, args, message);
}

static inline void
lv_wait_for_name (VbTestEnv *env)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      g_autoptr (GVariant) reply =
        g_dbus_connection_call_sync (env->client, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "NameHasOwner",
                                     g_variant_new ("(s)", LV_NAME), G_VARIANT_TYPE ("(b)"),
                                     G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
      gboolean has = FALSE;

      if (reply)
        g_variant_get (reply, "(b)", &has);
      if (has)
        return;
      g_usleep (10000);
    }
  g_error ("%s did not appear", LV_NAME);
}

static inline VbTestEnv *
lv_start_env (VbTestEnvFlags flags)
{
  static const char *const args[] = { "--libvirt-dbus", NULL };
  VbTestEnv *env = vb_test_env_new (flags);

  vb_test_env_start_daemon (env, args);
  lv_wait_for_name (env);
  return env;
}

/* Properties.GetAll's a{sv}: asserts every value is a variant holding a
 * variant (libvirt-dbus's wire format) and returns the inner values. */
static inline GVariant *
lv_get_all (VbTestEnv *env, const char *path, const char *iface)
{
  g_autoptr (GVariant) reply =
    lv_ok (env, path, LV_PROPERTIES, "GetAll", g_variant_new ("(s)", iface));
  g_autoptr (GVariant) dict = g_variant_get_child_value (reply, 0);
  GVariantBuilder inner;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_builder_init (&inner, G_VARIANT_TYPE ("a{sv}"));
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
        g_error ("GetAll's %s is %s, not a variant holding a variant", key,
                 g_variant_get_type_string (value));
      g_variant_builder_add (&inner, "{sv}", key, g_variant_get_variant (value));
      g_variant_unref (value);
    }
  return g_variant_ref_sink (g_variant_builder_end (&inner));
}

/* Properties.Get: wrapped once. */
static inline GVariant *
lv_get (VbTestEnv *env, const char *path, const char *iface, const char *property)
{
  g_autoptr (GVariant) reply =
    lv_ok (env, path, LV_PROPERTIES, "Get", g_variant_new ("(ss)", iface, property));
  GVariant *value;

  g_assert_cmpstr (g_variant_get_type_string (reply), ==, "(v)");
  g_variant_get (reply, "(v)", &value);
  g_assert_false (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT));
  return value;
}

static inline gboolean
lv_get_bool (VbTestEnv *env, const char *path, const char *iface, const char *property)
{
  g_autoptr (GVariant) value = lv_get (env, path, iface, property);

  return g_variant_get_boolean (value);
}

static inline void
lv_set (VbTestEnv *env, const char *path, const char *iface, const char *property, GVariant *value)
{
  lv_void (env, path, LV_PROPERTIES, "Set", g_variant_new ("(ssv)", iface, property, value));
}

/* Hands @key = @value to the child run by vb_test_env_run_child. */
static inline void
lv_handoff_set (const char *key, const char *value)
{
  g_autofree char *file = g_build_filename (g_getenv (LV_HANDOFF), key, NULL);

  g_assert_true (g_file_set_contents (file, value, -1, NULL));
}

static inline char *
lv_handoff_get (const char *key)
{
  g_autofree char *file = g_build_filename (g_getenv (LV_HANDOFF), key, NULL);
  char *value = NULL;

  g_assert_true (g_file_get_contents (file, &value, NULL, NULL));
  return value;
}

/* In a child: drops to @user and connects to the bus the parent handed off. */
static inline GDBusConnection *
lv_connect_as (const char *user)
{
  g_autofree char *address = lv_handoff_get ("address");
  struct passwd *pw = getpwnam (user);
  g_autoptr (GError) error = NULL;
  GDBusConnection *bus;

  if (!pw)
    g_error ("user %s is missing: run tests/setup-test-users.sh as root", user);
  if (initgroups (pw->pw_name, pw->pw_gid) < 0 || setgid (pw->pw_gid) < 0
      || setuid (pw->pw_uid) < 0)
    g_error ("cannot become %s", user);
  bus = g_dbus_connection_new_for_address_sync (address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                  | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  g_assert_no_error (error);
  return bus;
}

/* The same as LV_USER. */
static inline GDBusConnection *
lv_connect_as_user (void)
{
  return lv_connect_as (LV_USER);
}

/* main()'s set-up: the hand-off directory of the parent. */
static inline void
lv_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  if (!g_test_subprocess ())
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("vbtest-lv-XXXXXX", &error);

      g_assert_no_error (error);
      /* The child reads it after it became the test user. */
      g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
      g_setenv (LV_HANDOFF, dir, TRUE);
    }
}
