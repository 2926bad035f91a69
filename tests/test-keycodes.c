/* The key code sets of Domain.SendKey translated to QEMU's key numbers. */
#include "vb-error.h"
#include "vb-keycodes.h"

static guint
qnum_of (guint codeset, guint code)
{
  g_autoptr (GError) error = NULL;
  guint qnum = 0;

  if (!vb_keycode_to_qnum (codeset, code, &qnum, &error))
    g_error ("%s code %u: %s", vb_keycode_set_name (codeset), code, error->message);
  return qnum;
}

/* One key in every set: Delete, an extended key (0xe0 0x53 in AT set 1). */
static void
test_delete_everywhere (void)
{
  const guint delete_key[VB_KEYCODE_SET_LAST] = { 111,  0x153, 0xe053, 0xe071, 0x64,
                                                  0x75, 0x153, 0x4c,   0x2e,   0xd3 };

  for (guint set = 0; set < VB_KEYCODE_SET_LAST; set++)
    g_assert_cmpuint (qnum_of (set, delete_key[set]), ==, 0xd3);
}

/* What Cockpit's VNC console sends (linux codes) and what QEMU gets. */
static void
test_cockpit_keys (void)
{
  const guint linux_codes[] = { 29, 56, 14, 111, 59, 68, 87, 88 };
  const guint qnums[] = { 0x1d, 0x38, 0x0e, 0xd3, 0x3b, 0x44, 0x57, 0x58 };

  for (guint i = 0; i < G_N_ELEMENTS (linux_codes); i++)
    g_assert_cmpuint (qnum_of (VB_KEYCODE_SET_LINUX, linux_codes[i]), ==, qnums[i]);
  /* A plain key: A is 30 in linux, 0x1c in AT set 2, 4 in USB, 'A' in win32, 0 on a Mac. */
  g_assert_cmpuint (qnum_of (VB_KEYCODE_SET_LINUX, 30), ==, 0x1e);
  g_assert_cmpuint (qnum_of (VB_KEYCODE_SET_ATSET2, 0x1c), ==, 0x1e);
  g_assert_cmpuint (qnum_of (VB_KEYCODE_SET_USB, 4), ==, 0x1e);
  g_assert_cmpuint (qnum_of (VB_KEYCODE_SET_WIN32, 'A'), ==, 0x1e);
  g_assert_cmpuint (qnum_of (VB_KEYCODE_SET_OSX, 0), ==, 0x1e);
}

static void
test_refused (void)
{
  g_autoptr (GError) error = NULL;
  guint qnum = 0;

  g_assert_false (vb_keycode_to_qnum (VB_KEYCODE_SET_LINUX, 0x2ff, &qnum, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "0x2ff"));
  g_clear_error (&error);
  /* The table's own "no code" marker is no key either. */
  g_assert_false (vb_keycode_to_qnum (VB_KEYCODE_SET_OSX, 0xffff, &qnum, &error));
  g_clear_error (&error);
  g_assert_false (vb_keycode_to_qnum (VB_KEYCODE_SET_LAST, 1, &qnum, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_null (vb_keycode_set_name (VB_KEYCODE_SET_LAST));
  g_assert_cmpstr (vb_keycode_set_name (VB_KEYCODE_SET_XT_KBD), ==, "xt_kbd");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/keycodes/delete-everywhere", test_delete_everywhere);
  g_test_add_func ("/keycodes/cockpit-keys", test_cockpit_keys);
  g_test_add_func ("/keycodes/refused", test_refused);
  return g_test_run ();
}
