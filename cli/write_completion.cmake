# Writes the bash completion script arenactl prints (for the cli package).
execute_process(COMMAND ${BIN} completion bash OUTPUT_FILE ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "arenactl completion bash failed: ${rc}")
endif()
