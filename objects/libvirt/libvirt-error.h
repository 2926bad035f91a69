/* libvirt-dbus answers every failure with one D-Bus error name,
 * org.libvirt.Error, and libvirt's message text, which clients match
 * ("Domain not found", "no storage vol with matching ..."). This is where a
 * virtbus error becomes that text. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VB_LV_ERROR_NAME "org.libvirt.Error"

/* An error whose message is already libvirt's whole text. */
#define VB_LV_ERROR (vb_lv_error_quark ())
GQuark vb_lv_error_quark (void);
GError *vb_lv_error_new (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* libvirt's text for @error: a VB_LV_ERROR as it is, a virtbus error with the
 * prefix libvirt's error of that kind has ("Requested operation is not
 * valid: ..."); @not_found is the prefix for VB_ERROR_NOT_FOUND ("Domain not
 * found"). */
char *vb_lv_error_message (const GError *error, const char *not_found);

/* The libvirt function behind @member of org.libvirt.@interface, as libvirt
 * names it in "this function is not supported by the connection driver: ..."
 * (virDomainReset, virConnectListAllDomains, ...). */
char *vb_lv_api_name (const char *interface, const char *member);

G_END_DECLS
