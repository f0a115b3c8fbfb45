# Runs one command of a CLI test and checks what it did. Usage:
#   cmake -DWORK_DIR=DIR -DDATA_DIR=DIR -DEXPECT_RC=N [-DSTDOUT_REGEX=RE] [-DSTDERR_REGEX=RE]
#         [-DABSENT=F1|F2] [-DSHAPE_TOOL=EXE -DSHAPES=F1=RxC|F2=RxC]
#         [-DFILE=F -DFILE_REGEX=RE] -P run_cli.cmake -- CMD ARGS...
# WORK_DIR is emptied and filled with a copy of DATA_DIR; the command runs there, so messages name
# the data files by their bare names. Checks, in order: the exit code equals EXPECT_RC; stdout and
# stderr match their regexes (CMake regexes: ^ and $ anchor the whole output); the files in ABSENT
# do not exist; each file in SHAPES reads back (SHAPE_TOOL, i.e. nmfkit::io::read_csv) with the
# given shape and non-negative entries; the content of FILE matches FILE_REGEX.
cmake_minimum_required(VERSION 3.25)

set(command "")
set(after_separator FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
    if(after_separator)
        list(APPEND command "${CMAKE_ARGV${i}}")
    elseif(CMAKE_ARGV${i} STREQUAL "--")
        set(after_separator TRUE)
    endif()
endforeach()
if(NOT command)
    message(FATAL_ERROR "run_cli.cmake: no command after --")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
file(GLOB data_files "${DATA_DIR}/*")
file(COPY ${data_files} DESTINATION "${WORK_DIR}")

execute_process(COMMAND ${command}
    WORKING_DIRECTORY "${WORK_DIR}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(JOIN " " shown ${command})
set(report "command: ${shown}\nexit code: ${rc}\n--- stdout ---\n${out}--- stderr ---\n${err}---")

if(NOT rc STREQUAL EXPECT_RC)
    message(FATAL_ERROR "expected exit code ${EXPECT_RC}\n${report}")
endif()
if(DEFINED STDOUT_REGEX AND NOT out MATCHES "${STDOUT_REGEX}")
    message(FATAL_ERROR "stdout does not match: ${STDOUT_REGEX}\n${report}")
endif()
if(DEFINED STDERR_REGEX AND NOT err MATCHES "${STDERR_REGEX}")
    message(FATAL_ERROR "stderr does not match: ${STDERR_REGEX}\n${report}")
endif()

string(REPLACE "|" ";" absent "${ABSENT}")
foreach(f IN LISTS absent)
    if(EXISTS "${WORK_DIR}/${f}")
        message(FATAL_ERROR "${f} was created\n${report}")
    endif()
endforeach()

string(REPLACE "|" ";" shapes "${SHAPES}")
foreach(entry IN LISTS shapes)
    string(REPLACE "=" ";" parts "${entry}")
    list(GET parts 0 f)
    list(GET parts 1 shape)
    string(REPLACE "x" " x " shape "${shape}")
    execute_process(COMMAND "${SHAPE_TOOL}" "${f}" WORKING_DIRECTORY "${WORK_DIR}"
        RESULT_VARIABLE shape_rc OUTPUT_VARIABLE shape_out ERROR_VARIABLE shape_err)
    if(NOT shape_rc EQUAL 0 OR NOT shape_out STREQUAL "${shape}\n")
        message(FATAL_ERROR "${f}: expected a non-negative ${shape} matrix, read_csv gave: "
            "${shape_out}${shape_err}\n${report}")
    endif()
endforeach()

if(DEFINED FILE AND NOT FILE STREQUAL "")
    if(NOT EXISTS "${WORK_DIR}/${FILE}")
        message(FATAL_ERROR "${FILE} was not written\n${report}")
    endif()
    file(READ "${WORK_DIR}/${FILE}" content)
    if(NOT content MATCHES "${FILE_REGEX}")
        message(FATAL_ERROR "${FILE} does not match: ${FILE_REGEX}\n--- ${FILE} ---\n${content}")
    endif()
endif()
