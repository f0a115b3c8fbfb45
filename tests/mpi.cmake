# Tests of the distributed mode (src/mpi, nmfkit-mpi), label `mpi`: GoogleTest programs run under
# mpiexec for several process counts (4 ranks oversubscribe this 2-core machine). Open MPI refuses
# to run as root unless the two variables below are set. Run them with: ctest -L mpi
# Included from tests/CMakeLists.txt when NMFKIT_WITH_MPI is on.

set(nmfkit_mpi_env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    OMPI_MCA_rmaps_base_oversubscribe=1)

# nmfkit_mpi_gtest(NAME SOURCE... PROCS p1 p2 ...): one executable, one ctest test per count.
function(nmfkit_mpi_gtest name)
    cmake_parse_arguments(arg "" "" "SOURCES;PROCS" ${ARGN})
    add_executable(${name} ${arg_SOURCES} ${CMAKE_CURRENT_SOURCE_DIR}/mpi_gtest_main.cpp)
    target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
    target_link_libraries(${name} PRIVATE nmfkit_mpi GTest::gtest nmfkit_warnings)
    target_compile_definitions(${name} PRIVATE NMFKIT_TEST_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data")
    foreach(p IN LISTS arg_PROCS)
        add_test(NAME mpi.${name}.np${p}
            COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${p} --oversubscribe
                    $<TARGET_FILE:${name}>)
        set_tests_properties(mpi.${name}.np${p} PROPERTIES LABELS mpi TIMEOUT 300
            ENVIRONMENT "${nmfkit_mpi_env};OMP_NUM_THREADS=1" PROCESSORS ${p})
    endforeach()
endfunction()

# Distributed equals serial for every grid of P = 1..4, dense and sparse, every row-local solver.
nmfkit_mpi_gtest(nmfkit_mpi_tests SOURCES test_mpi.cpp PROCS 1 2 3 4)
# Each rank reads only its block of V (io/read_block.hpp): blocks equal serial, errors shared.
nmfkit_mpi_gtest(nmfkit_mpi_read_tests SOURCES test_mpi_read.cpp PROCS 1 2 3 4)

# nmfkit-mpi as a user runs it (tests/mpi_cli.sh).
if(TARGET nmfkit_mpi_cli AND TARGET nmfkit_cli)
    set(nmfkit_mpi_cli_script ${CMAKE_CURRENT_SOURCE_DIR}/mpi_cli.sh)
    add_test(NAME mpi.cli.equals_serial COMMAND bash ${nmfkit_mpi_cli_script} equals_serial
        $<TARGET_FILE:nmfkit_cli> $<TARGET_FILE:nmfkit_mpi_cli>)
    add_test(NAME mpi.cli.missing_file COMMAND bash ${nmfkit_mpi_cli_script} missing_file
        $<TARGET_FILE:nmfkit_mpi_cli>)
    add_test(NAME mpi.cli.bad_entry COMMAND bash ${nmfkit_mpi_cli_script} bad_entry
        $<TARGET_FILE:nmfkit_mpi_cli>)
    foreach(case IN ITEMS small_blocks refusals sigint)
        add_test(NAME mpi.cli.${case} COMMAND bash ${nmfkit_mpi_cli_script} ${case}
            $<TARGET_FILE:nmfkit_mpi_cli>)
    endforeach()
    set_tests_properties(mpi.cli.equals_serial mpi.cli.missing_file mpi.cli.bad_entry
        mpi.cli.small_blocks mpi.cli.refusals mpi.cli.sigint PROPERTIES
        LABELS mpi TIMEOUT 600 PROCESSORS 2)
    # --checkpoint/--resume: fifteen mpiexec runs (several seconds), so `slow` as well.
    add_test(NAME mpi.cli.checkpoint COMMAND bash ${nmfkit_mpi_cli_script} checkpoint
        $<TARGET_FILE:nmfkit_cli> $<TARGET_FILE:nmfkit_mpi_cli>)
    set_tests_properties(mpi.cli.checkpoint PROPERTIES LABELS "mpi;slow" TIMEOUT 600
        PROCESSORS 2)
endif()
