# convroof_optional_package(PACKAGE FEATURE [find_package arguments…])
#
# Tells whether an optional dependency can be found without breaking the configure. A package's
# own CMake config can fail hard however it is called: Debian's libdnnl-dev ships a dnnl-config.cmake that
# runs find_package(OpenCL REQUIRED) for a package it only recommends, and that error is fatal
# even under QUIET. So the package is first loaded in a throw-away CMake project. Sets
# ${PACKAGE}_USABLE (TRUE/FALSE) in the caller's scope; when FALSE, one line on stderr says
# that FEATURE is not built, and why. The caller then finds the package for real (a function
# cannot: the variables and module paths find_package sets would stay in its scope).
#
#   convroof_optional_package(dnnl "convroof-bench (oneDNN, libdnnl-dev)" CONFIG)
#   if(dnnl_USABLE)
#     find_package(dnnl CONFIG REQUIRED)
#     …
function(convroof_optional_package PACKAGE FEATURE)
  set(dir ${CMAKE_BINARY_DIR}/optional-packages/${PACKAGE})
  file(WRITE ${dir}/CMakeLists.txt
       "cmake_minimum_required(VERSION 3.25)\n"
       "project(convroof_probe_${PACKAGE} LANGUAGES CXX)\n"
       "find_package(${PACKAGE} ${ARGN} REQUIRED)\n")
  execute_process(
    COMMAND ${CMAKE_COMMAND} -S ${dir} -B ${dir}/build -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
            "-DCMAKE_PREFIX_PATH=${CMAKE_PREFIX_PATH}"
    RESULT_VARIABLE failed OUTPUT_QUIET ERROR_VARIABLE errors)
  if(NOT failed)
    set(${PACKAGE}_USABLE TRUE PARENT_SCOPE)
    return()
  endif()
  # The reason: CMake's own one-line summary of the first error, e.g.
  # "Could NOT find OpenCL (missing: OpenCL_LIBRARY OpenCL_INCLUDE_DIR)".
  if(errors MATCHES "Could not find a package configuration file provided by \"${PACKAGE}\"|By not providing \"Find${PACKAGE}.cmake\"")
    set(reason "not installed")
  elseif(errors MATCHES "(Could NOT find [^\n]*)")
    set(reason "installed, but its CMake package does not load: ${CMAKE_MATCH_1}")
  elseif(errors MATCHES "CMake Error[^\n]*:\n +([^\n]*)")
    set(reason "installed, but its CMake package does not load: ${CMAKE_MATCH_1}")
  else()
    set(reason "its CMake package does not load (${dir}/build)")
  endif()
  message(NOTICE "convroof: ${FEATURE} is not built: ${PACKAGE} ${reason}")
  set(${PACKAGE}_USABLE FALSE PARENT_SCOPE)
endfunction()
