# Tests of the io library (GoogleTest) and of the nmfkit executable, run as a user runs it.
# Included from tests/CMakeLists.txt. Run them with: ctest --test-dir build -R 'csv|io|cli'

set(nmfkit_cli_tests_dir ${CMAKE_CURRENT_LIST_DIR})

add_executable(nmfkit_io_tests ${nmfkit_cli_tests_dir}/test_csv.cpp
    ${nmfkit_cli_tests_dir}/test_formats.cpp ${nmfkit_cli_tests_dir}/test_hdf5.cpp
    ${nmfkit_cli_tests_dir}/test_blocks.cpp)
find_package(ZLIB REQUIRED)
# OpenMP: Hdf5Test.ManyChunks* reads on more threads than the machine has cores.
target_link_libraries(nmfkit_io_tests PRIVATE nmfkit_io ZLIB::ZLIB GTest::gtest_main
    OpenMP::OpenMP_CXX nmfkit_warnings)
set_target_properties(nmfkit_io_tests PROPERTIES UNITY_BUILD ${NMFKIT_UNITY_BUILD})
target_compile_definitions(nmfkit_io_tests PRIVATE
    NMFKIT_TEST_DATA_DIR="${nmfkit_cli_tests_dir}/data")
gtest_discover_tests(nmfkit_io_tests TEST_PREFIX "csv." DISCOVERY_TIMEOUT 60)

# The bad-input corpus: every file of tests/data/bad/expected.tsv read with read_matrix, its exit
# class (65 bad data, 74 I/O error, 0 read fine) and message fragment checked.
add_executable(nmfkit_io_corpus ${nmfkit_cli_tests_dir}/io_corpus.cpp)
target_link_libraries(nmfkit_io_corpus PRIVATE nmfkit_io nmfkit_warnings)
if(TARGET nmfkit_cli_common)  # the checkpoint files (.ckpt) of fit --checkpoint
    target_link_libraries(nmfkit_io_corpus PRIVATE nmfkit_cli_common)
    target_include_directories(nmfkit_io_corpus PRIVATE ${PROJECT_SOURCE_DIR}/cli)
    target_compile_definitions(nmfkit_io_corpus PRIVATE NMFKIT_CORPUS_CHECKPOINTS)
endif()
add_test(NAME io.bad_input_corpus
    COMMAND nmfkit_io_corpus ${nmfkit_cli_tests_dir}/data/bad/expected.tsv)
set_tests_properties(io.bad_input_corpus PROPERTIES TIMEOUT 120)
# The HDF5 part of the corpus (tests/data/bad/expected_hdf5.tsv), in builds that read HDF5.
if(NMFKIT_WITH_HDF5)
    add_test(NAME io.bad_input_corpus_hdf5
        COMMAND nmfkit_io_corpus ${nmfkit_cli_tests_dir}/data/bad/expected_hdf5.tsv 30)
endif()

if(NMFKIT_BUILD_FUZZERS)
    add_subdirectory(${nmfkit_cli_tests_dir}/fuzz ${CMAKE_CURRENT_BINARY_DIR}/fuzz)
endif()

if(NOT TARGET nmfkit_cli)
    return()
endif()

# AnnData / 10x HDF5 input end to end (tests/hdf5_cli.sh; skipped without h5py and anndata).
if(NMFKIT_WITH_HDF5)
    add_test(NAME cli.hdf5_end_to_end
        COMMAND sh ${nmfkit_cli_tests_dir}/hdf5_cli.sh $<TARGET_FILE:nmfkit_cli>
            ${nmfkit_cli_tests_dir} ${CMAKE_CURRENT_BINARY_DIR}/cli_runs/hdf5_end_to_end)
    set_tests_properties(cli.hdf5_end_to_end PROPERTIES SKIP_RETURN_CODE 77
        PASS_REGULAR_EXPRESSION "hdf5_cli: all checks passed" ENVIRONMENT OMP_WAIT_POLICY=passive)
endif()

# Reads a matrix file back with nmfkit::io::read_csv and prints its shape (for -W/-H checks).
add_executable(nmfkit_csv_shape ${nmfkit_cli_tests_dir}/csv_shape.cpp)
target_link_libraries(nmfkit_csv_shape PRIVATE nmfkit_io nmfkit_warnings)

# nmfkit_cli_test(NAME [RC code] [STDOUT regex] [STDERR regex] [ABSENT f1|f2] [SHAPES f=RxC|...]
#                 [FILE f FILE_REGEX regex] [DATA dir] [DEFAULT_DATA dir] [PREFIX p]
#                 [SHAPE_TOOL target] [SCENARIO name] [OUTPUTS name] [COMMAND args...])
# Runs `nmfkit args...` (or, with SCENARIO, `cli_driver.sh nmfkit SHAPE_TOOL name`) in a fresh
# copy of DATA (else DEFAULT_DATA, else tests/data) through run_cli.cmake (with OUTPUTS,
# `cli_outputs.sh nmfkit name`: the data-loss scenarios), as test PREFIX.NAME
# (default prefix cli; SHAPES are read back by SHAPE_TOOL, default nmfkit_csv_shape).
# RC defaults to 0; errors exit with 2 (usage), 65 (bad data) or 74 (I/O) and print one
# `nmfkit: error:` line (docs/cli.md, "Exit status").
function(nmfkit_cli_test name)
    cmake_parse_arguments(PARSE_ARGV 1 T ""
        "RC;STDOUT;STDERR;ABSENT;SHAPES;DATA;DEFAULT_DATA;FILE;FILE_REGEX;PREFIX;SHAPE_TOOL;SCENARIO;OUTPUTS"
        "COMMAND")
    if(NOT DEFINED T_RC)
        set(T_RC 0)
    endif()
    if(NOT DEFINED T_DATA)
        if(DEFINED T_DEFAULT_DATA)
            set(T_DATA ${T_DEFAULT_DATA})
        else()
            set(T_DATA ${nmfkit_cli_tests_dir}/data)
        endif()
    endif()
    if(NOT DEFINED T_PREFIX)
        set(T_PREFIX cli)
    endif()
    if(NOT DEFINED T_SHAPE_TOOL)
        set(T_SHAPE_TOOL nmfkit_csv_shape)
    endif()
    set(checks -DEXPECT_RC=${T_RC})
    if(DEFINED T_FILE_REGEX)
        list(APPEND checks "-DFILE_REGEX=${T_FILE_REGEX}")
    endif()
    foreach(var IN ITEMS STDOUT STDERR)
        if(DEFINED T_${var})
            list(APPEND checks "-D${var}_REGEX=${T_${var}}")
        endif()
    endforeach()
    if(DEFINED T_OUTPUTS)
        set(command sh ${nmfkit_cli_tests_dir}/cli_outputs.sh $<TARGET_FILE:nmfkit_cli> ${T_OUTPUTS})
    elseif(DEFINED T_SCENARIO)
        set(command sh ${nmfkit_cli_tests_dir}/cli_driver.sh $<TARGET_FILE:nmfkit_cli>
            $<TARGET_FILE:${T_SHAPE_TOOL}> ${T_SCENARIO})
    else()
        set(command $<TARGET_FILE:nmfkit_cli> ${T_COMMAND})
    endif()
    add_test(NAME ${T_PREFIX}.${name}
        COMMAND ${CMAKE_COMMAND} -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/${T_PREFIX}_runs/${name}
            -DDATA_DIR=${T_DATA} ${checks} "-DABSENT=${T_ABSENT}" "-DSHAPES=${T_SHAPES}"
            "-DFILE=${T_FILE}" -DSHAPE_TOOL=$<TARGET_FILE:${T_SHAPE_TOOL}>
            -P ${nmfkit_cli_tests_dir}/run_cli.cmake -- ${command})
endfunction()

# One summary line: "fit: M x N, k = K, solver S, loss L, I iterations, STATUS, relative error E,
# objective F, T s, P threads".
set(number "[-+0-9.e]+")
function(summary_regex out m n k solver loss)
    string(CONCAT regex "^fit: ${m} x ${n}, k = ${k}, solver ${solver}, loss ${loss}, "
        "[0-9]+ iterations?, (converged|max_iter_reached|time_limit_reached), "
        "relative error ${number}, objective ${number}, ${number} s, [0-9]+ threads?\n")
    set(${out} "${regex}" PARENT_SCOPE)
endfunction()

# --- success: exit 0, nothing on stderr ---
nmfkit_cli_test(version COMMAND --version STDOUT "^nmfkit ${PROJECT_VERSION}\n$" STDERR "^$")
nmfkit_cli_test(help COMMAND --help STDOUT "Subcommands:\n +fit +Factorize" STDERR "^$")
# The solver and loss names and the support table come from the library (all_solvers, supports).
string(CONCAT fit_help
    "--loss TEXT=frobenius +objective: frobenius, kullback_leibler, itakura_saito, beta .*"
    "--solver TEXT +update rule: mu, als, hals, anls_bpp, cd, nenmf .*"
    "\n  mu +frobenius, kullback_leibler, itakura_saito\\*, beta\\*\n  als +frobenius\n"
    "  hals +frobenius\\*\n  anls_bpp +frobenius\n  cd +frobenius, kullback_leibler\\*\n"
    "  nenmf +frobenius\n")
nmfkit_cli_test(fit_help COMMAND fit --help STDOUT "${fit_help}" STDERR "^$")

# The command of README (scripts/run-example.sh).
summary_regex(example 3 3 2 hals frobenius)
string(CONCAT example "${example}\nV \\(3 x 3\\):\n  5.0000  3.0000  0.0000\n"
    "  3.0000  7.0000  4.0000\n  6.0000  2.0000  5.0000\n"
    "W \\(3 x 2\\):\n(  [0-9.]+  [0-9.]+\n)(  [0-9.]+  [0-9.]+\n)(  [0-9.]+  [0-9.]+\n)"
    "H \\(2 x 3\\):\n.*WH \\(3 x 3\\):\n.*relative error .* = ${number}\n$")
nmfkit_cli_test(fit_example DATA ${PROJECT_SOURCE_DIR}/examples
    COMMAND fit classic3x3.csv -k 2 --seed 1 --print --quiet STDOUT "${example}" STDERR "^$")

summary_regex(good 6 4 2 hals frobenius)
nmfkit_cli_test(fit_writes_factors COMMAND fit good.csv -k 2 -W W.csv -H H.tsv --threads 1 -q
    STDOUT "${good}$" STDERR "^$" SHAPES "W.csv=6x2|H.tsv=2x4")
summary_regex(good_kl 6 4 3 cd kullback_leibler)
nmfkit_cli_test(fit_kl_float32_tsv COMMAND fit good.tsv -k 3 --loss kl --dtype float32 -W W.tsv -q
    STDOUT "${good_kl}$" STDERR "^$" SHAPES "W.tsv=6x3")
summary_regex(good_als 6 4 1 als frobenius)
nmfkit_cli_test(fit_als COMMAND fit good.csv --rank 1 --solver als --max-iter 5 --tol 0 -q
    STDOUT "${good_als}$" STDERR "^$")
nmfkit_cli_test(fit_max_iter COMMAND fit good.csv -k 2 --max-iter 3 --tol 0 -q
    STDOUT ", 3 iterations, max_iter_reached, " STDERR "^$")

nmfkit_cli_test(fit_report COMMAND fit good.csv -k 2 --max-iter 4 --tol 0 --report run.json
    FILE run.json FILE_REGEX "^{\n  \"nmfkit\": \"${PROJECT_VERSION}\",\n.*\"rows\": 6,\n  \"cols\": 4,\n\
  \"rank\": 2,\n.*\"status\": \"max_iter_reached\",\n  \"iterations\": 4,\n.*\"history\": {\n\
    \"iteration\": \\[\n      1,\n      2,\n      3,\n      4\n    \\],\n    \"objective\": \\[")

# --- errors: exit 2 (usage), 65 (data) or 74 (I/O), exactly the message, nothing written ---
set(e "^nmfkit: error: ")
set(usage "\nRun with --help for more information.\n$")  # after CLI11's own parse errors
nmfkit_cli_test(no_subcommand RC 2 STDERR "${e}A subcommand is required${usage}")
nmfkit_cli_test(missing_rank RC 2 COMMAND fit good.csv STDERR "${e}--rank is required${usage}")
nmfkit_cli_test(bad_dtype RC 2 COMMAND fit good.csv -k 2 --dtype float16 -W W.csv
    STDERR "${e}--dtype: float16 not in {float64,float32}${usage}" ABSENT "W.csv")
# (A '.' stands for each ';' of a message: a ';' would split the test's argument list.)
nmfkit_cli_test(bad_solver RC 2 COMMAND fit good.csv -k 2 --solver nope -W W.csv
    STDERR "${e}unknown solver \"nope\". expected one of: mu, als, hals, anls_bpp, cd, nenmf\n$" ABSENT "W.csv")
nmfkit_cli_test(bad_loss RC 2 COMMAND fit good.csv -k 2 --loss l1 STDERR "${e}unknown loss \"l1\". \
expected one of: frobenius, kullback_leibler, itakura_saito, beta \\(aliases: fro, kl, is\\)\n$")
nmfkit_cli_test(unsupported_pair RC 2 COMMAND fit good.csv -k 2 --solver als --loss kl -W W.csv
    STDERR "${e}solver als does not support loss kullback_leibler. \
solvers for kullback_leibler: mu, cd\n$"
    ABSENT "W.csv")
nmfkit_cli_test(rank_zero RC 2 COMMAND fit good.csv -k 0 -W W.csv -H H.csv
    STDERR "${e}rank must be at least 1, got 0\n$" ABSENT "W.csv|H.csv")
nmfkit_cli_test(negative_max_iter RC 2 COMMAND fit good.csv -k 2 --max-iter -1
    STDERR "${e}max_iter must be at least 0, got -1\n$")
nmfkit_cli_test(negative_seed RC 2 COMMAND fit good.csv -k 2 --seed -1
    STDERR "${e}--seed: \"-1\" is not an integer from 0 to 18446744073709551615\n$")
nmfkit_cli_test(missing_file RC 74 COMMAND fit missing.csv -k 2 -W W.csv
    STDERR "${e}cannot open \"missing.csv\": No such file or directory\n$" ABSENT "W.csv")
# The library names V(i, j), 0-based; the CLI names the file line and the 1-based column.
nmfkit_cli_test(negative_entry RC 65 COMMAND fit negative.csv -k 2 -W W.csv -H H.csv
    STDERR "${e}negative.csv:4: column 2: negative entry -8\n$" ABSENT "W.csv|H.csv")
nmfkit_cli_test(negative_entry_float32 RC 65 COMMAND fit negative.csv -k 2 --dtype float32
    STDERR "${e}negative.csv:4: column 2: negative entry -8\n$")
nmfkit_cli_test(nan_entry RC 65 COMMAND fit nan.csv -k 1
    STDERR "${e}nan.csv:2: column 1: NaN entry\n$")
nmfkit_cli_test(inf_entry RC 65 COMMAND fit inf.csv -k 1
    STDERR "${e}inf.csv:2: column 3: infinite entry inf\n$")
nmfkit_cli_test(float32_overflow RC 65 COMMAND fit huge.csv -k 1 --dtype float32
    STDERR "${e}huge.csv:2: column 2: 1e\\+300 does not fit in float32 \
\\(use --dtype float64\\)\n$")
nmfkit_cli_test(ragged_rows RC 65 COMMAND fit ragged.csv -k 1 -W W.csv
    STDERR "${e}ragged.csv:2: has 2 fields, expected 3 \\(as on line 1\\)\n$" ABSENT "W.csv")
nmfkit_cli_test(non_numeric RC 65 COMMAND fit text.csv -k 1
    STDERR "${e}text.csv:2: column 2: \"abc\" is not a number\n$")
nmfkit_cli_test(no_data_rows RC 65 COMMAND fit empty.csv -k 1
    STDERR "${e}empty.csv: no data rows\n$")
nmfkit_cli_test(unwritable_output RC 74 COMMAND fit good.csv -k 2 -H H.csv -W no/such/dir/W.csv
    STDERR "${e}cannot write \"no/such/dir/W.csv\": No such file or directory\n$" ABSENT "H.csv")
nmfkit_cli_test(report_same_as_factor RC 2 COMMAND fit good.csv -k 2 -W out.csv --report out.csv
    STDERR "${e}-W \"out.csv\" and --report \"out.csv\" are the same file. give each output its own name\n$"
    ABSENT "out.csv")
nmfkit_cli_test(same_output RC 2 COMMAND fit good.csv -k 2 -W out.csv -H ./out.csv
    STDERR "${e}-W \"out.csv\" and -H \"./out.csv\" are the same file. give each output its own name\n$"
    ABSENT "out.csv")
nmfkit_cli_test(output_is_input RC 2 COMMAND fit good.csv -k 2 -W ./good.csv
    STDERR "${e}-W \"./good.csv\" is the file that INPUT \"good.csv\" reads. an output must not replace an input\n$")
nmfkit_cli_test(output_unknown_extension RC 2 COMMAND fit negative.csv -k 2 -W W.xlsx
    STDERR "${e}-W \"W.xlsx\": cannot be written: unknown extension \".xlsx\" \\(expected .npy, .csv, .tsv, .tab or .mtx\\)\n$")
nmfkit_cli_test(output_device RC 2 COMMAND fit negative.csv -k 2 -W /dev/full
    STDERR "${e}-W \"/dev/full\" is a character device. an output must be a regular file")
# Data loss (cli_outputs.sh): outputs against inputs, the set written whole or not at all, the log.
foreach(s IN ITEMS output_is_input same_output impossible_names log_append set_atomic quoted_labels)
    nmfkit_cli_test(outputs_${s} OUTPUTS ${s} STDOUT "^${s}: ")
endforeach()

# Refusals up front with short messages (issue 24, item 13): no 309-digit bound, no allocation of
# a rank the machine cannot hold, the file named for an empty matrix.
nmfkit_cli_test(top_zero RC 2 COMMAND top good.csv -n 0 STDERR "${e}--top: 0 is less than 1${usage}")
nmfkit_cli_test(rank_beyond_memory RC 2 COMMAND fit good.csv -k 1000000 -W W.csv
    STDERR "${e}-k 1000000: the factors of a 6 x 4 matrix at this rank need at least [0-9.e+]+ GiB, more than 3/4 of the available memory \\([0-9.e+]+ GiB\\). k <= min\\(m, n\\) = 4 is the usual range\n$"
    ABSENT "W.csv")
nmfkit_cli_test(survey_too_many_ranks RC 2 COMMAND rank good.csv -k 1:1000000000 -o s
    STDERR "${e}-k: \"1:1000000000\" asks for 1000000000 values of k \\(at most 10000\\)" ABSENT "s")
nmfkit_cli_test(survey_rank_above_min RC 2 COMMAND rank good.csv -k 2:9 -o s
    STDERR "${e}-k 2:9: k = 9 is more than min\\(m, n\\) = 4 of the 6 x 4 matrix good.csv. survey k <= 4\n$")
nmfkit_cli_test(empty_matrix_names_the_file RC 65 COMMAND fit empty_0x5.mtx -k 1
    STDERR "${e}empty_0x5.mtx: the matrix is empty \\(0 x 5\\). it needs at least one row and one column\n$")

# A build without HDF5 says so for an .h5ad file (exit 65).
if(NOT NMFKIT_WITH_HDF5)
    nmfkit_cli_test(no_hdf5_support RC 65 DATA ${nmfkit_cli_tests_dir}/data/bad
        COMMAND fit h5_ok.h5ad -k 1
        STDERR "^nmfkit: error: h5_ok.h5ad: this build has no HDF5 support \\(AnnData .h5ad")
endif()
