/* The service's names on the bus, as tests and benchmarks call it: its bus
 * name, the object path of its Manager, its interfaces, and the prefix of
 * its error names (ERROR_PREFIX "NotFound"). */
#pragma once

#define BUS_NAME "org.virtbus.Virt1"
#define MANAGER "/org/virtbus/Virt1"

#define IFACE_MANAGER "org.virtbus.Virt1.Manager"
#define IFACE_DOMAIN "org.virtbus.Virt1.Domain"
#define IFACE_NETWORK "org.virtbus.Virt1.Network"
#define IFACE_POOL "org.virtbus.Virt1.StoragePool"
#define IFACE_VOLUME "org.virtbus.Virt1.StorageVolume"
#define IFACE_SNAPSHOT "org.virtbus.Virt1.Snapshot"
#define IFACE_JOB "org.virtbus.Virt1.Job"

#define ERROR_PREFIX "org.virtbus.Virt1.Error."
