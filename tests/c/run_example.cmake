# Runs the demo writer, then the reader (which removes the segment), in two
# processes, and checks the reader saw what the writer wrote.
string(RANDOM LENGTH 8 ALPHABET abcdefghijklmnopqrstuvwxyz suffix)
set(name "ipc_example_${suffix}")
execute_process(COMMAND ${WRITER} ${name} "héllo from the writer" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "writer failed: ${rc}")
endif()
execute_process(COMMAND ${READER} ${name} --remove RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message("${out}")
if(NOT rc EQUAL 0 OR NOT out MATCHES "héllo from the writer.*1.5, -2.25, 3e\\+10, 0.125")
  execute_process(COMMAND ${READER} ${name} --remove)
  message(FATAL_ERROR "reader failed (${rc}) or printed the wrong thing")
endif()
