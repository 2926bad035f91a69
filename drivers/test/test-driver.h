/* The test driver: an in-process simulated hypervisor, network and storage
 * backend, like libvirt's test:///default. Selected by <domain type='test'>,
 * <pool type='test'>, and for networks by virtbusd --network-driver=test. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

extern const VbDomainDriver vb_test_domain_driver;
extern const VbNetworkDriver vb_test_network_driver;
extern const VbStorageDriver vb_test_storage_driver;

G_END_DECLS
