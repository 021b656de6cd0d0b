# The include rule of Arena's layers, checked at build time: a source file
# may include project headers only from its own layer and the layers it is
# allowed to use. Run with cmake -DROOT=<source dir> -DSTAMP=<file> -P.
#
# Each layer is a directory; ALLOWED_<layer> lists what it may include
# besides itself. Generated protos (arena/v1/...) and third-party headers are
# open to all.
set(LAYERS
  common agent cli bench
  controller/metrics controller/spec controller/store controller/auth controller/results
  controller/scheduler controller/api controller/gateway controller)
set(ALLOWED_common "")
set(ALLOWED_agent common)
set(ALLOWED_cli common)
set(ALLOWED_bench common)
set(ALLOWED_controller/metrics common)
set(ALLOWED_controller/spec common)
set(ALLOWED_controller/store common)
set(ALLOWED_controller/auth common controller/store)
set(ALLOWED_controller/results common controller/store)
set(ALLOWED_controller/scheduler
  common controller/metrics controller/spec controller/store controller/auth controller/results)
set(ALLOWED_controller/api ${ALLOWED_controller/scheduler} controller/scheduler)
set(ALLOWED_controller/gateway ${ALLOWED_controller/api} controller/api)
set(ALLOWED_controller ${ALLOWED_controller/gateway} controller/gateway)

# The layer a path (relative to ROOT) belongs to: the longest matching prefix.
function(layer_of path out)
  set(best "")
  foreach(layer ${LAYERS})
    string(LENGTH "${layer}/" n)
    string(SUBSTRING "${path}" 0 ${n} head)
    string(LENGTH "${best}/" best_n)
    if(head STREQUAL "${layer}/" AND n GREATER best_n)
      set(best "${layer}")
    endif()
  endforeach()
  set(${out} "${best}" PARENT_SCOPE)
endfunction()

set(violations "")
foreach(top common agent cli bench controller)
  file(GLOB_RECURSE sources RELATIVE "${ROOT}" "${ROOT}/${top}/*.h" "${ROOT}/${top}/*.cc")
  foreach(source ${sources})
    layer_of("${source}" from)
    file(STRINGS "${ROOT}/${source}" includes REGEX "^#include \"[a-z_]+/")
    foreach(line ${includes})
      string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" header "${line}")
      if(header MATCHES "^arena/")
        continue()
      endif()
      layer_of("${header}" to)
      if(to STREQUAL "" OR to STREQUAL from)
        continue()
      endif()
      list(FIND ALLOWED_${from} "${to}" found)
      if(found EQUAL -1)
        string(APPEND violations "\n  ${source} includes ${header} (${from} may not use ${to})")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR "layering: an include crosses the layers (controller/layers.cmake):${violations}")
endif()
file(TOUCH "${STAMP}")
