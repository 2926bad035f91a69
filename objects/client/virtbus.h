/* libvirtbus: the client library of virtbus. Include this header only:
 *   #include <virtbus/virtbus.h>   (pkg-config virtbus-1) */
#pragma once

#include "virtbus-generated.h"
#include "virtbus-enum-types.h"
#include "virtbus-error.h"
#include "virtbus-client.h"
#include "virtbus-lookup.h"
#include "virtbus-job-wait.h"
#include "virtbus-console.h"
