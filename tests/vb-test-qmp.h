/* QMP on a monitor socket a test added to its guest's QEMU. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One exchange on the monitor at @socket_path (qmp_capabilities, then
 * @command, a JSON line): the answer's "return" member; an "error" answer
 * fails the test. */
JsonNode *vb_test_qmp (const char *socket_path, const char *command);

G_END_DECLS
