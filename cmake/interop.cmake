# The cross-language matrix: each language registers one peer program, and
# tests/interop adds a ctest `<area>_<creator>_<opener>` for every ordered pair
# of peers that support <area>.
#
#   ipc_register_interop_peer(LANG python
#       COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/interop/python/peer.py
#       ENV "PYTHONPATH=..."            # optional, NAME=VALUE items
#       AREAS shm                        # areas this peer implements
#       DEPENDS some_target)             # optional: built before the tests run
# COMMAND may use generator expressions ($<TARGET_FILE:...>).
function(ipc_register_interop_peer)
  cmake_parse_arguments(P "" "LANG" "COMMAND;ENV;AREAS;DEPENDS" ${ARGN})
  set_property(GLOBAL APPEND PROPERTY IPC_INTEROP_LANGS ${P_LANG})
  set_property(GLOBAL PROPERTY IPC_INTEROP_${P_LANG}_COMMAND "${P_COMMAND}")
  set_property(GLOBAL PROPERTY IPC_INTEROP_${P_LANG}_ENV "${P_ENV}")
  set_property(GLOBAL PROPERTY IPC_INTEROP_${P_LANG}_AREAS "${P_AREAS}")
  set_property(GLOBAL PROPERTY IPC_INTEROP_${P_LANG}_DEPENDS "${P_DEPENDS}")
endfunction()
