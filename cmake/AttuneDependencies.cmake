# Debian packages only; installed by .ci/setup.sh. Nothing is fetched at build time.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)            # Asio and Beast are header-only
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBSERIALPORT REQUIRED IMPORTED_TARGET libserialport)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(tomlplusplus REQUIRED)

if(ATTUNE_BUILD_GUI)
  pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
  find_package(glfw3 REQUIRED)
  find_package(OpenGL REQUIRED)
endif()

if(ATTUNE_BUILD_TESTS)
  find_package(Catch2 2.13 REQUIRED)
endif()

# EDFlib ships only edflib.h + a static libedf.a (no CMake or pkg-config files).
find_path(EDFLIB_INCLUDE_DIR edflib.h REQUIRED)
find_library(EDFLIB_LIBRARY NAMES libedf.a edf REQUIRED)
add_library(EDFlib::EDFlib STATIC IMPORTED)
set_target_properties(EDFlib::EDFlib PROPERTIES
  IMPORTED_LOCATION "${EDFLIB_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${EDFLIB_INCLUDE_DIR}")
