/* A test guest's TPM as the guest sees it. */
#pragma once

#include "vb-test-console.h"

G_BEGIN_DECLS

/* The PCR banks the guest's TPM 2.0 has active, as "sha256,sha512" (the
 * guest's answer to TPM2_GetCapability on the TPM's character device). */
char *vb_test_guest_pcr_banks (VbTestConsole *console);

/* Through the guest's /dev/tpm0 (raw TPM 2.0 commands; the guest has only
 * busybox): TPM2_PCR_Extend of PCR 16 with a SHA-256 digest of 32 bytes
 * 0xab; TPM2_PCR_Read of PCR 16's SHA-256 bank (the digest in hex); and
 * what PCR 16 holds after that extend from its reset value. */
void vb_test_tpm_extend_pcr16 (VbTestConsole *console);
char *vb_test_tpm_read_pcr16 (VbTestConsole *console);
char *vb_test_tpm_extended_pcr16 (void);

G_END_DECLS
