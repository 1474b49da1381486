# attune_target_defaults(target): warnings, sanitizers and -Werror for our own code only.
add_library(attune_project_options INTERFACE)
target_compile_options(attune_project_options INTERFACE
  $<$<COMPILE_LANGUAGE:C,CXX>:-Wall -Wextra -Wno-missing-field-initializers>
  $<$<BOOL:${ATTUNE_WERROR}>:-Werror>)
if(ATTUNE_SANITIZE)
  target_compile_options(attune_project_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(attune_project_options INTERFACE -fsanitize=address,undefined)
  # Sanitized binaries also need it when linking third-party static libs.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

function(attune_target_defaults target)
  target_link_libraries(${target} PRIVATE attune_project_options)
endfunction()
