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

/* A raw TPM 2.0 command sent through the guest's /dev/tpm0 (the guest has
 * no TPM tools, only busybox): written in one write, the answer read in one
 * read, as the kernel's interface wants; returns the answer in hex. */
static char *
tpm_command (VbTestConsole *console, const guint8 *bytes, gsize length)
{
  g_autoptr (GString) octal = g_string_new (NULL);
  g_autofree char *command = NULL;
  g_autofree char *output = NULL;
  g_autoptr (GString) hex = g_string_new (NULL);

  for (gsize i = 0; i < length; i++)
    g_string_append_printf (octal, "\\%03o", bytes[i]);
  command = g_strdup_printf ("printf '%s' > /tmp/tpmcmd && sh -c 'exec 3<>/dev/tpm0; "
                             "dd if=/tmp/tpmcmd bs=4096 count=1 >&3 2>/dev/null; "
                             "dd bs=4096 count=1 <&3 2>/dev/null' | od -An -tx1 -v",
                             octal->str);
  output = vb_test_console_output (console, command, 60000);
  for (const char *p = output; *p; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (hex, *p);
  return g_string_free (g_steal_pointer (&hex), FALSE);
}

/* TPM2_PCR_Extend of PCR 16 (the debug PCR) with a SHA-256 digest of 32
 * bytes 0xab, under the empty password session. */
void
vb_test_tpm_extend_pcr16 (VbTestConsole *console)
{
  /* clang-format off */
  guint8 command[65] = {
    0x80, 0x02, 0x00, 0x00, 0x00, 65, 0x00, 0x00, 0x01, 0x82, /* TPM_ST_SESSIONS, size, CC */
    0x00, 0x00, 0x00, 0x10,                                   /* PCR 16 */
    0x00, 0x00, 0x00, 0x09,                                   /* the session's size */
    0x40, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00,     /* TPM_RS_PW, no nonce, no HMAC */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x0b,                       /* one digest: SHA-256 */
  };
  /* clang-format on */
  g_autofree char *answer = NULL;

  memset (command + 33, 0xab, 32);
  answer = tpm_command (console, command, sizeof command);
  /* TPM_ST_SESSIONS, 19 bytes, TPM_RC_SUCCESS and the session's answer. */
  if (!g_str_has_prefix (answer, "80020000001300000000"))
    g_error ("TPM2_PCR_Extend answered %s", answer);
}

/* TPM2_PCR_Read of PCR 16's SHA-256 bank: the digest in hex. */
char *
vb_test_tpm_read_pcr16 (VbTestConsole *console)
{
  static const guint8 command[20] = { 0x80, 0x01, 0x00, 0x00, 0x00, 20,   0x00, 0x00, 0x01, 0x7e,
                                      0x00, 0x00, 0x00, 0x01, 0x00, 0x0b, 0x03, 0x00, 0x00, 0x01 };
  g_autofree char *answer = tpm_command (console, command, sizeof command);

  if (!g_str_has_prefix (answer, "80010000003e00000000"))
    g_error ("TPM2_PCR_Read answered %s", answer);
  return g_strdup (answer + strlen (answer) - 64);
}

/* What PCR 16 holds after vb_test_tpm_extend_pcr16() from its reset value (zeros). */
char *
vb_test_tpm_extended_pcr16 (void)
{
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 data[64];

  memset (data, 0, 32);
  memset (data + 32, 0xab, 32);
  g_checksum_update (sha, data, sizeof data);
  return g_strdup (g_checksum_get_string (sha));
}
