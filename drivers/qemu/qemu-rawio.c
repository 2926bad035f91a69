/* CAP_SYS_RAWIO for QEMU: see qemu-rawio.h. */
#include "qemu-rawio.h"

#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vb-error.h"
#include "xml-schema.h"

gboolean
vb_qemu_rawio_wanted (xmlNode *root)
{
  xmlNode *devices = vb_xml_child (root, "devices");

  for (xmlNode *node = devices ? devices->children : NULL; node; node = node->next)
    if (node->type == XML_ELEMENT_NODE
        && (xmlStrEqual (node->name, BAD_CAST "disk")
            || xmlStrEqual (node->name, BAD_CAST "hostdev"))
        && vb_xml_attr_is (node, "rawio", "yes"))
      return TRUE;
  return FALSE;
}

gboolean
vb_qemu_rawio_possible (GError **error)
{
  if (prctl (PR_CAPBSET_READ, CAP_SYS_RAWIO, 0, 0, 0) == 1)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
               "rawio='yes': the service itself does not hold CAP_SYS_RAWIO (it is not in its "
               "capability bounding set), so QEMU cannot be given it");
  return FALSE;
}

static void
fail (const char *what)
{
  static const char prefix[] = "virtbus: cannot keep CAP_SYS_RAWIO for QEMU: ";

  if (write (2, prefix, sizeof prefix - 1) < 0 || write (2, what, strlen (what)) < 0
      || write (2, "\n", 1) < 0)
    _exit (127);
  _exit (127);
}

void
vb_qemu_rawio_drop_to (const VbUser *user)
{
  struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

  /* Nothing but CAP_SYS_RAWIO can ever come back (the kernel may know more
   * capabilities than these headers: EINVAL ends the list). */
  for (int cap = 0; cap < 64; cap++)
    if (cap != CAP_SYS_RAWIO && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
      break;
  /* The permitted set survives the change of user... */
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    fail ("PR_SET_KEEPCAPS");
  vb_user_drop_to (user);
  /* ...and is cut to the one capability, which the ambient set carries
   * across exec (no_new_privs does not stop that: it only blocks gaining
   * privileges from set-uid or file capabilities). */
  memset (data, 0, sizeof data);
  data[CAP_TO_INDEX (CAP_SYS_RAWIO)].effective = CAP_TO_MASK (CAP_SYS_RAWIO);
  data[CAP_TO_INDEX (CAP_SYS_RAWIO)].permitted = CAP_TO_MASK (CAP_SYS_RAWIO);
  data[CAP_TO_INDEX (CAP_SYS_RAWIO)].inheritable = CAP_TO_MASK (CAP_SYS_RAWIO);
  if (syscall (SYS_capset, &header, data) < 0)
    fail ("capset");
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_RAWIO, 0, 0) < 0)
    fail ("PR_CAP_AMBIENT_RAISE");
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    fail ("PR_SET_KEEPCAPS");
}
