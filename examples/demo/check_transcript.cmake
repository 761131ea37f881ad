# SPDX-License-Identifier: BSL-1.0
# Runs the demo (cmake -DDEMO=<path to demo> -P check_transcript.cmake) and checks that its
# transcript says each step happened. Lines of different processes interleave differently
# from run to run, so each is matched on its own, not in one ordered expression.
execute_process(COMMAND "${DEMO}" OUTPUT_VARIABLE transcript ERROR_VARIABLE errors RESULT_VARIABLE status)
message("${transcript}${errors}")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "demo exited with ${status}")
endif()
foreach(expected
    "\nserver: ready\n"                                                   # checked in
    "client A: echo answered \"hello from client A\""                     # echo
    "client A: fibonacci\\(90\\) = 2880067194370816120"                    # a computation
    "client A: fibonacci\\(94\\): the server replied with an error"  # n > 93
    "client B: callback arrived on my port 0x[0-9a-f]+: cookie 42,"        # a right moved
    "client C: [^\n]*checksum matches"                                     # OOL blob intact
    "watcher: dead-name notification[^\n]*The server is gone"              # death seen
    "\nserver: shutting down\n"                                           # SIGTERM, gracefully
    "\ndemo: OK\n$")                                                      # the last word
  if(NOT transcript MATCHES "${expected}")
    message(FATAL_ERROR "the transcript lacks a line matching: ${expected}")
  endif()
endforeach()
