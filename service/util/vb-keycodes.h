/* Key codes: libvirt's code sets (virKeycodeSet) and their translation to
 * QEMU's key numbers (qnum), which QMP send-key takes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* libvirt's virKeycodeSet values. */
typedef enum {
  VB_KEYCODE_SET_LINUX = 0,
  VB_KEYCODE_SET_XT = 1,
  VB_KEYCODE_SET_ATSET1 = 2,
  VB_KEYCODE_SET_ATSET2 = 3,
  VB_KEYCODE_SET_ATSET3 = 4,
  VB_KEYCODE_SET_OSX = 5,
  VB_KEYCODE_SET_XT_KBD = 6,
  VB_KEYCODE_SET_USB = 7,
  VB_KEYCODE_SET_WIN32 = 8,
  VB_KEYCODE_SET_QNUM = 9,
  VB_KEYCODE_SET_LAST,
} VbKeycodeSet;

/* Domain.SendKey takes at most this many keys at once, as libvirt. */
#define VB_SEND_KEY_MAX_KEYS 16

/* "linux", "xt", ..., "qnum"; NULL for a value outside the enum. */
const char *vb_keycode_set_name (guint codeset);
/* The QEMU key number of the key @code of @codeset: FALSE with
 * VB_ERROR_INVALID_ARGUMENT naming the code and the code set when no key
 * has it there (or QEMU has no number for that key), or @codeset is unknown. */
gboolean vb_keycode_to_qnum (guint codeset, guint code, guint *qnum, GError **error);

G_END_DECLS
