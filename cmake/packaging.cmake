# Install rules, the installed CMake package, pkg-config and CPack (.deb and
# .tar.gz). Included last by the top-level CMakeLists.txt. See docs/packaging.md.
#
# Install components (cmake --install <build> --component <name>):
#   runtime  <libdir>/libipc.so.<major> and libipc.so.<version>  -> Debian libipc<major>
#   dev      <libdir>/libipc.so (namelink), <includedir>/ipc/*.h, the CMake package
#            (<libdir>/cmake/libipc: libipc::ipc, libipc::core), <libdir>/pkgconfig/libipc.pc,
#            and (IPC_INSTALL_CORE) the static C++ core <libdir>/libipc_core.a +
#            <includedir>/ipc/*.hpp                              -> Debian libipc-dev
#
# Debian multiarch: GNUInstallDirs picks lib/<multiarch> only when
# CMAKE_INSTALL_PREFIX is /usr at configure time, and install destinations are
# fixed then. So a .deb with the library in /usr/lib/<multiarch> needs a build
# tree configured with -DCMAKE_INSTALL_PREFIX=/usr; cpack -G DEB from any other
# tree still works (library in /usr/lib) but warns.

include(CMakePackageConfigHelpers)

option(IPC_INSTALL_CORE "Install the static C++ core (libipc::core, ipc/*.hpp) with the dev component" ON)
set(IPC_PACKAGE_CONTACT "libipc maintainers <maintainers@libipc.invalid>" CACHE STRING
    "Maintainer of the binary packages (Debian Maintainer field)")
set(IPC_DEB_RELEASE 1 CACHE STRING "Debian revision of the .deb packages (VERSION-REVISION)")

set(IPC_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/libipc")
set(IPC_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

# ---- the C library ------------------------------------------------------------
# Shared libraries are not executable on Debian (policy 8.1; dh_fixperms: 0644).
install(TARGETS ipc EXPORT libipcTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          COMPONENT runtime NAMELINK_COMPONENT dev
          PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)

# IPC_PUBLIC_HEADERS comes from c_api/ with paths relative to that directory.
set(_ipc_headers)
foreach(h IN LISTS IPC_PUBLIC_HEADERS)
  if(NOT IS_ABSOLUTE "${h}")
    set(h "${PROJECT_SOURCE_DIR}/c_api/${h}")
  endif()
  list(APPEND _ipc_headers "${h}")
endforeach()
install(FILES ${_ipc_headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ipc COMPONENT dev)

install(EXPORT libipcTargets NAMESPACE libipc:: FILE libipcTargets.cmake
        DESTINATION ${IPC_INSTALL_CMAKEDIR} COMPONENT dev)

# ---- the C++ core (static, optional) ----------------------------------------
# Its headers mention no Boost; Boost is a build-only dependency (Interprocess is
# header-only), so nothing of Boost is needed by a consumer.
# cpp/CMakeLists.txt links Boost::headers PRIVATE, which a static library still
# exports as $<LINK_ONLY:Boost::headers>: that would make every user of the
# installed libipc::core find Boost. Keep such Boost entries build-tree only
# (a no-op once cpp/ writes $<BUILD_INTERFACE:Boost::headers> itself).
if(IPC_INSTALL_CORE)
  set_target_properties(ipc_core PROPERTIES EXPORT_NAME core)
  get_target_property(_core_links ipc_core INTERFACE_LINK_LIBRARIES)
  if(_core_links)
    list(TRANSFORM _core_links REPLACE "^\\$<LINK_ONLY:(Boost::[A-Za-z0-9_]+)>$"
                                       "$<BUILD_INTERFACE:$<LINK_ONLY:\\1>>")
    set_property(TARGET ipc_core PROPERTY INTERFACE_LINK_LIBRARIES "${_core_links}")
  endif()
  install(TARGETS ipc_core EXPORT libipcCoreTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
  # CMake strips shared libraries on install/strip and in packages
  # (CPACK_STRIP_FILES), never static ones: drop the archive's debug info too.
  if(CMAKE_STRIP)
    install(CODE "if(CMAKE_INSTALL_DO_STRIP)
  execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-debug
    \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/$<TARGET_FILE_NAME:ipc_core>\")
endif()" COMPONENT dev)
  endif()
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/cpp/include/ipc DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          COMPONENT dev FILES_MATCHING PATTERN "*.hpp")
  install(EXPORT libipcCoreTargets NAMESPACE libipc:: FILE libipcCoreTargets.cmake
          DESTINATION ${IPC_INSTALL_CMAKEDIR} COMPONENT dev)
endif()

# ---- CMake package: find_package(libipc) -------------------------------------
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/libipcConfig.cmake.in
  ${PROJECT_BINARY_DIR}/packaging/libipcConfig.cmake
  INSTALL_DESTINATION ${IPC_INSTALL_CMAKEDIR})
# 0.x follows the SOVERSION (the major number), like the library itself.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/packaging/libipcConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/packaging/libipcConfig.cmake
              ${PROJECT_BINARY_DIR}/packaging/libipcConfigVersion.cmake
        DESTINATION ${IPC_INSTALL_CMAKEDIR} COMPONENT dev)

# ---- pkg-config: libipc.pc ----------------------------------------------------
# prefix is relative to the .pc file's own directory, so one file is right
# wherever the tree lands (/usr from the .deb, anywhere from the .tar.gz).
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(STATUS "libipc.pc: absolute CMAKE_INSTALL_LIBDIR/INCLUDEDIR, so the .pc is not relocatable")
  set(IPC_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(IPC_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(IPC_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _rel "/root/${IPC_INSTALL_PKGCONFIGDIR}" "/root")  # ../.. or ../../..
  string(REGEX REPLACE "/$" "" _rel "${_rel}")
  set(IPC_PC_PREFIX "\${pcfiledir}/${_rel}")
  set(IPC_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(IPC_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/libipc.pc.in ${PROJECT_BINARY_DIR}/packaging/libipc.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/packaging/libipc.pc
        DESTINATION ${IPC_INSTALL_PKGCONFIGDIR} COMPONENT dev)

# ---- CPack --------------------------------------------------------------------
set(CPACK_PACKAGE_NAME libipc)
set(CPACK_PACKAGE_VENDOR "libipc")
set(CPACK_PACKAGE_CONTACT "${IPC_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_FILE_NAME "libipc-${PROJECT_VERSION}-${CMAKE_SYSTEM_NAME}-${CMAKE_SYSTEM_PROCESSOR}")
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_GENERATOR TGZ)
# (make package_source): the sources, without VCS data and build trees.
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "^${PROJECT_SOURCE_DIR}/build[^/]*/" "^${PROJECT_SOURCE_DIR}/.*/(bin|obj)/"
    "/node_modules/" "/__pycache__/")

find_program(IPC_DPKG_DEB dpkg-deb)
mark_as_advanced(IPC_DPKG_DEB)
if(IPC_DPKG_DEB)
  set(CPACK_GENERATOR "TGZ;DEB")
else()
  set(CPACK_GENERATOR "TGZ")
endif()

# Only our two components; others (e.g. a binding's) are packaged only once
# they are listed here with their own Debian names.
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_COMPONENT_RUNTIME_DISPLAY_NAME "libipc runtime library")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "inter-process communication library (C ABI) - runtime
${PROJECT_DESCRIPTION}.
This package contains the shared library libipc.so.${PROJECT_VERSION_MAJOR}.")
set(CPACK_COMPONENT_DEV_DISPLAY_NAME "libipc development files")
set(CPACK_COMPONENT_DEV_DESCRIPTION "inter-process communication library (C ABI) - development files
${PROJECT_DESCRIPTION}.
This package contains the C headers (ipc/ipc.h), the libipc.so link, the
pkg-config file (libipc), the CMake package (find_package(libipc):
libipc::ipc, libipc::core) and the static C++17 core.")
set(CPACK_COMPONENT_DEV_DEPENDS runtime)

# .deb: one package per component, Debian names, shlibdeps + shlibs + ldconfig.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)           # libipc-dev: Depends libipc0 (= V-R)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)                 # <name>_<version>-<rev>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE ${IPC_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libipc${PROJECT_VERSION_MAJOR})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libipc-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps must resolve libipc.so.0 from the build tree when another
# component's binaries link it (it is not installed on the build machine).
if(CMAKE_LIBRARY_OUTPUT_DIRECTORY)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_LIBRARY_OUTPUT_DIRECTORY})
else()
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/c_api)
endif()
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)            # DEBIAN/shlibs: libipc 0 libipc0 (>= V-R)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# Per-generator settings, read by cpack for each generator it runs.
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(IPC_DEB_LIBDIR "lib/${CMAKE_LIBRARY_ARCHITECTURE}")
else()
  set(IPC_DEB_LIBDIR "lib")
endif()
file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/packaging/CPackProjectConfig.cmake @ONLY CONTENT [=[
# Generated by cmake/packaging.cmake.
if(CPACK_GENERATOR MATCHES "^(TGZ|TXZ|TBZ2|ZIP|7Z)$")
  # One archive holding runtime + dev (only those: not every install rule of
  # the project), under one top directory named like the archive.
  set(CPACK_ARCHIVE_COMPONENT_INSTALL ON)
  set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
  set(CPACK_COMPONENT_INCLUDE_TOPLEVEL_DIRECTORY ON)
elseif(CPACK_GENERATOR STREQUAL "DEB")
  # CPackDeb would put this one summary on top of both packages' descriptions;
  # without it each CPACK_COMPONENT_<C>_DESCRIPTION's first line is its synopsis.
  unset(CPACK_PACKAGE_DESCRIPTION_SUMMARY)
  if(NOT "@CMAKE_INSTALL_LIBDIR@" STREQUAL "@IPC_DEB_LIBDIR@")
    message(WARNING "libipc: this build tree was configured with CMAKE_INSTALL_PREFIX="
      "@CMAKE_INSTALL_PREFIX@, so the .deb installs the library into /usr/@CMAKE_INSTALL_LIBDIR@, "
      "not the Debian multiarch /usr/@IPC_DEB_LIBDIR@. For a proper .deb configure a build tree "
      "with -DCMAKE_INSTALL_PREFIX=/usr (see docs/packaging.md).")
  endif()
endif()
]=])
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_BINARY_DIR}/packaging/CPackProjectConfig.cmake)

# What the install tests (tests/install) need to know about the above.
file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/packaging/packaging_info.cmake @ONLY CONTENT [=[
# Generated by cmake/packaging.cmake for tests/install.
set(WITH_CORE @IPC_INSTALL_CORE@)
set(DPKG_DEB "@IPC_DPKG_DEB@")
set(DEB_LIBDIR "@IPC_DEB_LIBDIR@")
set(DEB_RUNTIME_NAME "@CPACK_DEBIAN_RUNTIME_PACKAGE_NAME@")
set(DEB_DEV_NAME "@CPACK_DEBIAN_DEV_PACKAGE_NAME@")
set(DEB_RELEASE "@CPACK_DEBIAN_PACKAGE_RELEASE@")
set(TGZ_FILE_NAME "@CPACK_PACKAGE_FILE_NAME@")
]=])

include(CPack)
