#!/bin/sh
# Launches the desktop app with its clock moved by $TIPVAULT_E2E_FAKETIME (libfaketime, e.g.
# "+400d"); wdio.conf.mjs names this script as the application when that variable is set.
# Only wall-clock time moves: the monotonic clock measures durations (timers, WebKit's event
# loop), and faking it would make timed waits that mix both clocks misbehave.
export FAKETIME_DONT_FAKE_MONOTONIC=1
exec faketime -f "${TIPVAULT_E2E_FAKETIME:?}" "${TIPVAULT_E2E_APP:?}" "$@"
