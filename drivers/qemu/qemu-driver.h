/* The QEMU driver: <domain type='qemu'> (TCG) and <domain type='kvm'>, run
 * as qemu-system-x86_64 processes driven over QMP from the main loop. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

extern const VbDomainDriver vb_qemu_domain_driver;

G_END_DECLS
