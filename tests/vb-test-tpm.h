/* A test guest's TPM as the guest sees it. */
#pragma once

#include "vb-test-console.h"

G_BEGIN_DECLS

/* The PCR banks the guest's TPM 2.0 has active, as "sha256,sha512" (the
 * guest's answer to TPM2_GetCapability on the TPM's character device). */
char *vb_test_guest_pcr_banks (VbTestConsole *console);

G_END_DECLS
