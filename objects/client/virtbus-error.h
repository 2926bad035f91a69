/* The errors of virtbus as a client sees them: the service's
 * org.virtbus.Virt1.Error.* names as codes of one GError domain, and their
 * text without the "GDBus.Error:NAME: " prefix GDBus puts in front. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * VIRTBUS_ERROR:
 *
 * The error domain of virtbus: a remote org.virtbus.Virt1.Error.NAME arrives
 * as this domain with the #VirtbusError code of NAME.
 */
#define VIRTBUS_ERROR (virtbus_error_quark ())

/**
 * VirtbusError:
 * @VIRTBUS_ERROR_FAILED: org.virtbus.Virt1.Error.Failed, and a Job that failed.
 * @VIRTBUS_ERROR_NOT_FOUND: org.virtbus.Virt1.Error.NotFound, and a lookup
 *   that found nothing.
 * @VIRTBUS_ERROR_INVALID_ARGUMENT: org.virtbus.Virt1.Error.InvalidArgument.
 * @VIRTBUS_ERROR_INVALID_XML: org.virtbus.Virt1.Error.InvalidXML.
 * @VIRTBUS_ERROR_OPERATION_INVALID: org.virtbus.Virt1.Error.OperationInvalid.
 * @VIRTBUS_ERROR_NOT_AUTHORIZED: org.virtbus.Virt1.Error.NotAuthorized.
 * @VIRTBUS_ERROR_NOT_SUPPORTED: org.virtbus.Virt1.Error.NotSupported.
 * @VIRTBUS_ERROR_BUSY: org.virtbus.Virt1.Error.Busy.
 *
 * The codes of #VIRTBUS_ERROR, one per error name of the service.
 */
typedef enum {
  VIRTBUS_ERROR_FAILED,
  VIRTBUS_ERROR_NOT_FOUND,
  VIRTBUS_ERROR_INVALID_ARGUMENT,
  VIRTBUS_ERROR_INVALID_XML,
  VIRTBUS_ERROR_OPERATION_INVALID,
  VIRTBUS_ERROR_NOT_AUTHORIZED,
  VIRTBUS_ERROR_NOT_SUPPORTED,
  VIRTBUS_ERROR_BUSY,
} VirtbusError;

GQuark virtbus_error_quark (void);

char *virtbus_error_get_message (const GError *error);

G_END_DECLS
