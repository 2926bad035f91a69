/* org.libvirt.Connect: one per domain driver (/org/libvirt/QEMU for qemu,
 * /org/libvirt/Test for test), the entry point of libvirt-dbus's API. */
#pragma once

#include "libvirt-dispatch.h"

G_BEGIN_DECLS

extern const VbLvInterface vb_lv_connect_interface;

/* The libvirt version the front end claims (LibVersion): libvirt-dbus 1.4.1
 * on Debian 12's libvirt 9.0.0, whose API it mirrors. */
#define VB_LV_LIB_VERSION G_GUINT64_CONSTANT (9000000)

/* Sends DomainEvent(o, i, i) for @domain's lifecycle event @event, @detail
 * (virtbus's names), with libvirt's numbers; nothing for an event libvirt
 * does not have. */
void vb_lv_connect_domain_event (const VbLvConnect *connect, VbDomain *domain, const char *event,
                                 const char *detail);

G_END_DECLS
