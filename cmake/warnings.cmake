# Warnings and sanitizers for libipc's own targets: ipc_set_warnings(target).
function(ipc_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                           $<$<BOOL:${IPC_WERROR}>:-Werror>)
  elseif(MSVC)
    target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${IPC_WERROR}>:/WX>)
  endif()
endfunction()

if(IPC_SANITIZE)
  # Applied to everything in the tree so the library and its tests agree.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
