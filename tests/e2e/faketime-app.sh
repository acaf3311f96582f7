#!/bin/sh
# Launches the desktop app with its clock moved by $TIPVAULT_E2E_FAKETIME (libfaketime, e.g.
# "+400d"); wdio.conf.mjs names this script as the application when that variable is set.
# The thread-safe library ($TIPVAULT_LIBFAKETIME, found by scripts/test.sh) is preloaded
# directly: the app and WebKit read the clock from many threads, and the `faketime` wrapper's
# per-process semaphore is not needed for a fixed offset. Only wall-clock time moves: the
# monotonic clock measures durations (timers, WebKit's event loop).
lib=${TIPVAULT_LIBFAKETIME:-/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1}
LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}" FAKETIME="${TIPVAULT_E2E_FAKETIME:?}" \
  FAKETIME_DONT_FAKE_MONOTONIC=1 exec "${TIPVAULT_E2E_APP:?}" "$@"
