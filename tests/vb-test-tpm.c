/* What a test guest's TPM answers (vb-test-tpm.h). */
#include "vb-test-tpm.h"

#include <string.h>

/* The PCR banks the guest's TPM has active, as "sha256,sha512": its
 * answer to TPM2_GetCapability(TPM_CAP_PCRS), asked on the TPM's character
 * device (the test guest has no /dev node for it, no TPM tools, and its
 * kernel lists no pcr-* directories in sysfs):
 * a bank is active when its selection has a PCR in it. */
char *
vb_test_guest_pcr_banks (VbTestConsole *console)
{
  static const struct {
    guint alg;
    const char *name;
  } algs[] = {
    { 0x0004, "sha1" }, { 0x000b, "sha256" }, { 0x000c, "sha384" }, { 0x000d, "sha512" }
  };
  g_autofree char *dump = vb_test_console_output (
    console,
    "for i in $(seq 60); do [ -e /sys/class/tpm/tpm0/dev ] && break; sleep 1; done; "
    "rm -f /tmp/vbtpm; mknod /tmp/vbtpm c $(tr : ' ' </sys/class/tpm/tpm0/dev) && "
    "exec 3<>/tmp/vbtpm; "
    "printf '\\200\\001\\000\\000\\000\\026\\000\\000\\001\\172\\000\\000\\000\\005"
    "\\000\\000\\000\\000\\000\\000\\000\\001' >&3; "
    "dd bs=4096 count=1 <&3 2>/dev/null | od -An -tx1 -v; exec 3<&-",
    60000);
  g_auto (GStrv) words = g_strsplit_set (dump, " \r\n", -1);
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  g_autoptr (GString) out = g_string_new (NULL);
  guint count, at = 19;

  for (guint i = 0; words[i]; i++)
    if (strlen (words[i]) == 2 && g_ascii_isxdigit (words[i][0]) && g_ascii_isxdigit (words[i][1]))
      {
        guint8 byte = (guint8) g_ascii_strtoull (words[i], NULL, 16);

        g_byte_array_append (bytes, &byte, 1);
      }
  g_test_message ("TPM2_GetCapability(PCRS): %s", dump);
  /* Header (tag, size, response code 0), moreData, capability 5, count. */
  if (bytes->len < 19 || bytes->data[6] || bytes->data[7] || bytes->data[8] || bytes->data[9]
      || bytes->data[14] != 5)
    g_error ("the guest's TPM did not answer TPM2_GetCapability: %s", dump);
  count = (guint) bytes->data[15] << 24 | (guint) bytes->data[16] << 16
          | (guint) bytes->data[17] << 8 | bytes->data[18];
  for (guint n = 0; n < count; n++)
    {
      guint alg, size;
      gboolean active = FALSE;

      g_assert_cmpuint (at + 3, <=, bytes->len);
      alg = (guint) bytes->data[at] << 8 | bytes->data[at + 1];
      size = bytes->data[at + 2];
      g_assert_cmpuint (at + 3 + size, <=, bytes->len);
      for (guint k = 0; k < size; k++)
        active |= bytes->data[at + 3 + k] != 0;
      at += 3 + size;
      for (guint a = 0; a < G_N_ELEMENTS (algs) && active; a++)
        if (algs[a].alg == alg)
          g_string_append_printf (out, "%s%s", out->len ? "," : "", algs[a].name);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
