/* Everything a service test (and a benchmark) needs, in one include: the
 * env of daemons, calls and properties, jobs, signals, the console, host
 * commands and network namespaces, and the domains tests define. */
#pragma once

#include "vb-test-names.h"
#include "vb-test-daemons.h"
#include "vb-test-calls.h"
#include "vb-test-jobs.h"
#include "vb-test-signals.h"
#include "vb-test-console.h"
#include "vb-test-host.h"
#include "vb-test-netns.h"
#include "vb-test-domains.h"
