# install.cpack_tgz: cpack -G TGZ from the build tree; the archive holds the
# runtime and dev components (and nothing else), and, unpacked anywhere, works
# for find_package(libipc) and pkg-config without edits (relocatable).
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
ipc_make_tmp(tgz)

ipc_run(out ${CPACK} -G TGZ --config "${BUILD_DIR}/CPackConfig.cmake" -C "${CONFIG}" -B "${TMP}/pkg")
file(GLOB archives "${TMP}/pkg/*.tar.gz")
if(NOT archives STREQUAL "${TMP}/pkg/${TGZ_FILE_NAME}.tar.gz")
  ipc_fail("expected exactly ${TGZ_FILE_NAME}.tar.gz, cpack made: [${archives}]\n${out}")
endif()

# The listing, as `tar tzf` shows it: <top>/<path>, directories ending in '/'.
if(TAR)
  ipc_run(listing ${TAR} tzf "${archives}")
else()
  ipc_run(listing ${CMAKE_COMMAND} -E tar tzf "${archives}")
endif()
string(REGEX REPLACE "\n$" "" listing "${listing}")
string(REPLACE "\n" ";" listing "${listing}")
set(entries)
foreach(e IN LISTS listing)
  if(NOT e MATCHES "^${TGZ_FILE_NAME}/")
    ipc_fail("archive entry outside the top directory ${TGZ_FILE_NAME}/: ${e}")
  endif()
  string(REGEX REPLACE "^${TGZ_FILE_NAME}/" "" e "${e}")
  if(e STREQUAL "" OR e MATCHES "/$")
    continue()
  endif()
  list(APPEND entries "${e}")
  if(NOT e MATCHES "^(${INCLUDEDIR}/ipc|${LIBDIR})/")
    ipc_fail("archive file outside ${INCLUDEDIR}/ipc and ${LIBDIR}: ${e}")
  endif()
endforeach()
ipc_expected_dev_files(want "${LIBDIR}" "${INCLUDEDIR}")
ipc_expect_in(entries "${TGZ_FILE_NAME}.tar.gz" ${want}
              "${LIBDIR}/libipc.so.${SOVERSION}" "${LIBDIR}/libipc.so.${VERSION}")
list(LENGTH entries n)
message(STATUS "${TGZ_FILE_NAME}.tar.gz: ${n} files")

ipc_run(out ${CMAKE_COMMAND} -E make_directory "${TMP}/unpacked")
execute_process(COMMAND ${CMAKE_COMMAND} -E tar xzf "${archives}"
                WORKING_DIRECTORY "${TMP}/unpacked" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  ipc_fail("could not unpack ${archives}")
endif()
ipc_check_no_boost("${TMP}/unpacked/${TGZ_FILE_NAME}")
ipc_check_consumers(tgz "${TMP}/unpacked/${TGZ_FILE_NAME}" "${LIBDIR}")
ipc_done()
