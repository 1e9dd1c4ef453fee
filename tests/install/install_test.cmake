# install.find_package_and_pkgconfig: stage `cmake --install` of the build tree
# into a temporary prefix, check what each component installs, then build and
# run a C program against it with find_package(libipc) and with pkg-config.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
ipc_make_tmp(install)

# The runtime component alone: the shared library and its SONAME link, nothing else.
ipc_run(out ${CMAKE_COMMAND} --install "${BUILD_DIR}" --config "${CONFIG}"
        --prefix "${TMP}/runtime-only" --component runtime)
ipc_list_files(files "${TMP}/runtime-only")
set(want "${LIBDIR}/libipc.so.${SOVERSION}" "${LIBDIR}/libipc.so.${VERSION}")
list(SORT want)
if(NOT files STREQUAL want)
  ipc_fail("runtime component installs [${files}], expected [${want}]")
endif()
if(NOT IS_SYMLINK "${TMP}/runtime-only/${LIBDIR}/libipc.so.${SOVERSION}")
  ipc_fail("${LIBDIR}/libipc.so.${SOVERSION} is not a symlink")
endif()

# runtime + dev: what a developer gets.
set(prefix "${TMP}/prefix")
foreach(component runtime dev)
  ipc_run(out ${CMAKE_COMMAND} --install "${BUILD_DIR}" --config "${CONFIG}"
          --prefix "${prefix}" --component ${component})
endforeach()
ipc_list_files(files "${prefix}")
ipc_expected_dev_files(want "${LIBDIR}" "${INCLUDEDIR}")
ipc_expect_in(files "runtime+dev install in ${prefix}" ${want}
              "${LIBDIR}/libipc.so.${SOVERSION}" "${LIBDIR}/libipc.so.${VERSION}")
foreach(f IN LISTS files)
  if(NOT f MATCHES "^(${INCLUDEDIR}/ipc|${LIBDIR})/")
    ipc_fail("unexpected file outside ${INCLUDEDIR}/ipc and ${LIBDIR}: ${f}")
  endif()
endforeach()
ipc_check_no_boost("${prefix}")

ipc_check_consumers(staged "${prefix}" "${LIBDIR}")
ipc_done()
