# Helpers for the install tests (cmake -P scripts in this directory).
#
# Inputs every script gets (see CMakeLists.txt): BUILD_DIR, PROJECT_SOURCE_DIR,
# CONSUMER_DIR, WORK_DIR, CONFIG, GENERATOR, MAKE_PROGRAM, C_COMPILER,
# CXX_COMPILER, PKG_CONFIG, LIBDIR, INCLUDEDIR, VERSION, SOVERSION; and from
# packaging_info.cmake (written by cmake/packaging.cmake): WITH_CORE, DPKG_DEB,
# DEB_LIBDIR, DEB_RUNTIME_NAME, DEB_DEV_NAME, DEB_RELEASE, TGZ_FILE_NAME.
# Set KEEP_TMP=1 (cmake -D or the environment) to keep the temporary directory
# for a post-mortem.
cmake_minimum_required(VERSION 3.20)
include("${BUILD_DIR}/packaging/packaging_info.cmake")

# A fresh temporary directory under WORK_DIR, removed by ipc_done/ipc_fail.
macro(ipc_make_tmp name)
  string(RANDOM LENGTH 8 ALPHABET "abcdefghijklmnopqrstuvwxyz0123456789" _rnd)
  set(TMP "${WORK_DIR}/tmp-${name}-${_rnd}")
  file(REMOVE_RECURSE "${TMP}")
  file(MAKE_DIRECTORY "${TMP}")
endmacro()

function(ipc_cleanup)
  if(TMP AND NOT KEEP_TMP AND NOT "$ENV{KEEP_TMP}")
    file(REMOVE_RECURSE "${TMP}")
  elseif(TMP)
    message(STATUS "kept ${TMP}")
  endif()
endfunction()

function(ipc_fail)
  string(JOIN "" msg ${ARGN})
  ipc_cleanup()
  message(FATAL_ERROR "${msg}")
endfunction()

function(ipc_done)
  ipc_cleanup()
  message(STATUS "PASSED")
endfunction()

# ipc_run(<var> <command...>): run, fail with the output unless it exits 0;
# <var> receives stdout+stderr.
function(ipc_run var)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc STREQUAL "0")
    string(JOIN " " cmd ${ARGN})
    ipc_fail("command failed (${rc}): ${cmd}\n${out}")
  endif()
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

# Every regular file and symlink below <dir>, relative to it, sorted.
function(ipc_list_files var dir)
  file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${dir}" "${dir}/*")
  list(SORT files)
  set(${var} "${files}" PARENT_SCOPE)
endfunction()

# ipc_expect_in(<list-var> <what> <item>...): every item must be in the list.
function(ipc_expect_in list_var what)
  set(missing)
  foreach(item IN LISTS ARGN)
    if(NOT item IN_LIST ${list_var})
      list(APPEND missing "${item}")
    endif()
  endforeach()
  if(missing)
    list(JOIN missing "\n  " m)
    list(JOIN ${list_var} "\n  " have)
    ipc_fail("${what}: missing\n  ${m}\nhas:\n  ${have}")
  endif()
endfunction()

function(ipc_expect_not_in list_var what)
  foreach(item IN LISTS ARGN)
    if(item IN_LIST ${list_var})
      ipc_fail("${what}: must not contain ${item}")
    endif()
  endforeach()
endfunction()

# The files a dev install must have below its prefix (relative paths), given
# the libdir and includedir used: what the source tree says is public.
function(ipc_expected_dev_files var libdir includedir)
  file(GLOB headers RELATIVE "${PROJECT_SOURCE_DIR}/c_api/include" "${PROJECT_SOURCE_DIR}/c_api/include/ipc/*.h")
  set(files "${libdir}/libipc.so" "${libdir}/pkgconfig/libipc.pc"
            "${libdir}/cmake/libipc/libipcConfig.cmake"
            "${libdir}/cmake/libipc/libipcConfigVersion.cmake"
            "${libdir}/cmake/libipc/libipcTargets.cmake"
            "${includedir}/ipc/version.h")
  foreach(h IN LISTS headers)
    list(APPEND files "${includedir}/${h}")
  endforeach()
  if(WITH_CORE)
    file(GLOB hpp RELATIVE "${PROJECT_SOURCE_DIR}/cpp/include" "${PROJECT_SOURCE_DIR}/cpp/include/ipc/*.hpp")
    list(APPEND files "${libdir}/libipc_core.a" "${libdir}/cmake/libipc/libipcCoreTargets.cmake")
    foreach(h IN LISTS hpp)
      list(APPEND files "${includedir}/${h}")
    endforeach()
  endif()
  set(${var} "${files}" PARENT_SCOPE)
endfunction()

# The installed development files must not drag Boost in: no public header
# includes it and no CMake package file names it.
function(ipc_check_no_boost prefix)
  file(GLOB_RECURSE headers "${prefix}/*.h" "${prefix}/*.hpp")
  foreach(h IN LISTS headers)
    file(STRINGS "${h}" hits REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]boost/")
    if(hits)
      ipc_fail("installed header ${h} includes Boost: ${hits}")
    endif()
  endforeach()
  file(GLOB_RECURSE cmake_files "${prefix}/*.cmake")
  foreach(f IN LISTS cmake_files)
    file(STRINGS "${f}" hits REGEX "Boost::|find_(package|dependency)\\([ \t]*Boost")
    if(hits)
      ipc_fail("installed CMake file ${f} mentions Boost: ${hits}")
    endif()
  endforeach()
endfunction()

# ipc_check_loaded_from(<binary> <libdir> <env...>): ldd must resolve
# libipc.so.<SOVERSION> to a file in <libdir>.
function(ipc_check_loaded_from binary libdir)
  find_program(LDD ldd)
  if(NOT LDD)
    return()
  endif()
  ipc_run(out ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH ${ARGN} ${LDD} "${binary}")
  if(NOT out MATCHES "libipc\\.so\\.${SOVERSION} => ([^ \n]+)")
    ipc_fail("ldd ${binary}: libipc.so.${SOVERSION} not resolved:\n${out}")
  endif()
  get_filename_component(dir "${CMAKE_MATCH_1}" DIRECTORY)
  file(REAL_PATH "${dir}" dir)
  file(REAL_PATH "${libdir}" want)
  if(NOT dir STREQUAL want)
    ipc_fail("${binary} loads ${CMAKE_MATCH_1}, not the one in ${want}")
  endif()
endfunction()

# ipc_check_consumers(<tag> <prefix> <libdir>): build tests/install/consumer
# against the libipc installed in <prefix> (libraries in <prefix>/<libdir>)
# (a) with find_package(libipc) and (b) with pkg-config, then run both.
function(ipc_check_consumers tag prefix libdir)
  set(out_dir "${TMP}/consumer-${tag}")

  # (a) CMake package. The imported library's directory goes into the
  # binary's RPATH, so it runs as built.
  set(gen_args -G "${GENERATOR}")
  if(MAKE_PROGRAM)
    list(APPEND gen_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
  endif()
  ipc_run(out ${CMAKE_COMMAND} -S "${CONSUMER_DIR}" -B "${out_dir}/cmake" ${gen_args}
          "-DCMAKE_BUILD_TYPE=Release" "-DCMAKE_C_COMPILER=${C_COMPILER}"
          "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_PREFIX_PATH=${prefix}"
          "-DEXPECT_PREFIX=${prefix}" "-DEXPECT_VERSION=${VERSION}" "-DWITH_CORE=${WITH_CORE}")
  ipc_run(out ${CMAKE_COMMAND} --build "${out_dir}/cmake")
  set(exe "${out_dir}/cmake/consumer")
  ipc_run(out ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH "${exe}")
  if(NOT out MATCHES "libipc ${VERSION} OK")
    ipc_fail("${tag}: find_package consumer printed: ${out}")
  endif()
  ipc_check_loaded_from("${exe}" "${prefix}/${libdir}")
  message(STATUS "${tag}: find_package(libipc) consumer: ${out}")
  if(WITH_CORE)
    ipc_run(out "${out_dir}/cmake/core_consumer")
    if(NOT out MATCHES "libipc core OK")
      ipc_fail("${tag}: libipc::core consumer printed: ${out}")
    endif()
    message(STATUS "${tag}: libipc::core consumer: ${out}")
  endif()

  # (b) pkg-config, the plain way: cc main.c $(pkg-config --cflags --libs libipc).
  if(NOT PKG_CONFIG)
    message(STATUS "${tag}: no pkg-config: pkg-config consumer skipped")
    return()
  endif()
  set(pcdir "${prefix}/${libdir}/pkgconfig")
  set(pc ${CMAKE_COMMAND} -E env "PKG_CONFIG_PATH=${pcdir}" ${PKG_CONFIG})
  ipc_run(found_in ${pc} --variable=pcfiledir libipc)
  string(STRIP "${found_in}" found_in)
  file(REAL_PATH "${found_in}" found_in)
  file(REAL_PATH "${pcdir}" want)
  if(NOT found_in STREQUAL want)
    ipc_fail("${tag}: pkg-config found libipc.pc in ${found_in}, not ${want}")
  endif()
  ipc_run(out ${pc} --modversion libipc)
  string(STRIP "${out}" out)
  if(NOT out STREQUAL VERSION)
    ipc_fail("${tag}: pkg-config --modversion libipc: ${out}, expected ${VERSION}")
  endif()
  ipc_run(out ${pc} --print-errors --exists "libipc >= ${VERSION}")
  ipc_run(pc_prefix ${pc} --variable=prefix libipc)
  string(STRIP "${pc_prefix}" pc_prefix)
  file(REAL_PATH "${pc_prefix}" pc_prefix)
  file(REAL_PATH "${prefix}" want)
  if(NOT pc_prefix STREQUAL want)
    ipc_fail("${tag}: libipc.pc prefix resolves to ${pc_prefix}, not ${want}")
  endif()
  ipc_run(flags ${pc} --cflags --libs libipc)
  string(STRIP "${flags}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  ipc_run(pc_libdir ${pc} --variable=libdir libipc)
  string(STRIP "${pc_libdir}" pc_libdir)
  set(exe "${out_dir}/pc_consumer")
  ipc_run(out ${C_COMPILER} -Wall -Wextra "${CONSUMER_DIR}/main.c" ${flags} -o "${exe}")
  # A staged prefix is not on the loader's path: LD_LIBRARY_PATH from the .pc.
  ipc_run(out ${CMAKE_COMMAND} -E env "LD_LIBRARY_PATH=${pc_libdir}" "${exe}")
  if(NOT out MATCHES "libipc ${VERSION} OK")
    ipc_fail("${tag}: pkg-config consumer printed: ${out}")
  endif()
  ipc_check_loaded_from("${exe}" "${prefix}/${libdir}" "LD_LIBRARY_PATH=${pc_libdir}")
  list(JOIN flags " " f)
  message(STATUS "${tag}: pkg-config consumer (cc main.c ${f}): ${out}")
endfunction()
