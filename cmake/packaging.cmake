# Install rules and CPack (.deb and .tar.gz, runtime and dev components).
# (Filled in by the packaging work; see docs/packaging.md.)
install(TARGETS ipc EXPORT libipcTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev)
install(FILES ${IPC_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ipc COMPONENT dev)
