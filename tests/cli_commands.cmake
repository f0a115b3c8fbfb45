# Tests of the nmfkit commands (fit, transform, top, info), their exit statuses, progress output
# and Ctrl-C, run as a user runs them. Included from tests/CMakeLists.txt after cli_tests.cmake
# (which defines nmfkit_cli_tests_dir and the `number` regex). Run: ctest -R '^cmd\.'

if(NOT TARGET nmfkit_cli)
    return()
endif()

set(nmfkit_cmd_data ${nmfkit_cli_tests_dir}/data/cli)

# Reads any matrix file (read_matrix): prints its shape, or compares two files (matrix_shape.cpp).
add_executable(nmfkit_matrix_shape ${nmfkit_cli_tests_dir}/matrix_shape.cpp)
target_link_libraries(nmfkit_matrix_shape PRIVATE nmfkit_io nmfkit_warnings)

# nmfkit_cmd_test(NAME ...): nmfkit_cli_test (cli_tests.cmake) as test cmd.NAME, with data from
# tests/data/cli by default and SHAPES read back in any matrix format (nmfkit_matrix_shape).
function(nmfkit_cmd_test name)
    nmfkit_cli_test(${name} PREFIX cmd SHAPE_TOOL nmfkit_matrix_shape
        DEFAULT_DATA ${nmfkit_cmd_data} ${ARGN})
endfunction()

set(e "^nmfkit: error: ")
set(num "[-+0-9.e]+")

# --- help and info ---
foreach(command IN ITEMS fit transform top info)
    nmfkit_cmd_test(help_${command} COMMAND ${command} --help STDOUT "Examples:\n  nmfkit "
        STDERR "^$")
endforeach()
nmfkit_cmd_test(help_lists_commands COMMAND --help
    STDOUT "fit +Factorize.*transform +Project.*top +Print.*info +Print.*Exit status: 0 success"
    STDERR "^$")
if(NMFKIT_WITH_HDF5)
    set(info_hdf5 ", hdf5")
else()
    set(info_hdf5 "")
endif()
string(CONCAT info "^nmfkit ${PROJECT_VERSION}\nbuild type: +[A-Za-z]+.*\ncompiler: +[^\n]+\n"
    "BLAS: +[^\n]+\n.*threads: +[0-9]+ .*read: +csv, tsv, matrix_market, npy, npz${info_hdf5} .*"
    "write: +csv, tsv, matrix_market, npy\n.*  mu +frobenius, kullback_leibler, itakura_saito\\*, beta\\*\n"
    "  als +frobenius\n  hals +frobenius\\*\n  anls_bpp +frobenius\n  cd +frobenius, kullback_leibler\\*\n"
    "  nenmf +frobenius\n$")
nmfkit_cmd_test(info COMMAND info STDOUT "${info}" STDERR "^$")
# The kernels' instruction set (src/linalg/kernels.hpp): NMFKIT_ISA caps it; a value that names no
# target is a one-line warning, and the CPU's best is used.
nmfkit_cmd_test(info_isa_capped COMMAND info
    STDOUT "\nkernels: +baseline \\(CPU's best: (baseline|avx2|avx512);" STDERR "^$")
nmfkit_cmd_test(info_isa_unknown COMMAND info STDOUT "\nkernels: +(baseline|avx2|avx512) "
    STDERR "^nmfkit: warning: NMFKIT_ISA=sse9 is not baseline, avx2 or avx512; using [a-z0-9]+\n$")
set_tests_properties(cmd.info_isa_capped PROPERTIES ENVIRONMENT_MODIFICATION NMFKIT_ISA=set:baseline)
set_tests_properties(cmd.info_isa_unknown PROPERTIES ENVIRONMENT_MODIFICATION NMFKIT_ISA=set:sse9)

# --- the device (Options::device; the experimental CUDA path, docs/design.md "Device") ---
# `info` says whether CUDA is built and lists the devices or why there are none. A device that
# is not there is a usage error (exit 2) before any data is read, never a fit on the CPU: cuda:99
# is absent on every machine (a build without CUDA, no GPU, or fewer devices).
nmfkit_cmd_test(info_devices COMMAND info STDOUT
    "\nCUDA: +(built, runtime [0-9.]+ \\(EXPERIMENTAL[^\n]*|not built \\(NMFKIT_WITH_CUDA=OFF\\))\ndevices: +cpu; "
    STDERR "^$")
nmfkit_cmd_test(fit_device_absent RC 2 COMMAND fit good.csv -k 2 --device cuda:99 -W W_device.csv
    STDERR "${e}device cuda:99: (this nmfkit was built without CUDA|no CUDA device is available|there (is|are) [0-9]+ CUDA devices?)"
    ABSENT W_device.csv)
nmfkit_cmd_test(fit_device_unknown RC 2 COMMAND fit good.csv -k 2 --device gpu
    STDERR "${e}unknown device \"gpu\"; expected cpu, cuda or cuda:N")
nmfkit_cmd_test(fit_device_cpu_only_solver RC 2 COMMAND fit good.csv -k 2 --device cuda
    --solver anls_bpp
    STDERR "${e}device cuda: solver anls_bpp with loss frobenius runs on the CPU only")
nmfkit_cmd_test(fit_device_cpu COMMAND fit good.csv -k 2 --device cpu -q -W W_device.csv STDERR "^$"
    SHAPES W_device.csv=6x2)
nmfkit_cmd_test(help_fit_device COMMAND fit --help STDOUT "--device TEXT[^\n]*EXPERIMENTAL")
# The CUDA plugin (libnmfkit_cuda.so, dlopened on first use; NMFKIT_CUDA_PLUGIN names it): one
# that cannot be loaded is named with the dlopen error, in `info` and as the refusal (exit 2); one
# of another ABI is refused naming both.
nmfkit_cmd_test(info_device_plugin_missing COMMAND info
    STDOUT "\ndevices: +cpu; no CUDA device: (built without CUDA|the CUDA plugin could not be loaded: [^\n]*nmfkit-no-plugin.so: cannot open shared object file)"
    STDERR "^$")
nmfkit_cmd_test(fit_device_plugin_missing RC 2 COMMAND fit good.csv -k 2 --device cuda
    -W W_device.csv
    STDERR "${e}device cuda: (this nmfkit was built without CUDA|no CUDA device is available \\(the CUDA plugin could not be loaded: [^\n]*nmfkit-no-plugin.so: cannot open shared object file)"
    ABSENT W_device.csv)
foreach(t IN ITEMS info_device_plugin_missing fit_device_plugin_missing)
    set_tests_properties(cmd.${t} PROPERTIES
        ENVIRONMENT_MODIFICATION NMFKIT_CUDA_PLUGIN=set:${CMAKE_CURRENT_BINARY_DIR}/nmfkit-no-plugin.so)
endforeach()
if(NMFKIT_WITH_CUDA)
    nmfkit_cmd_test(fit_device_plugin_wrong_abi RC 2 COMMAND fit good.csv -k 2 --device cuda
        -W W_device.csv
        STDERR "${e}device cuda: no CUDA device is available \\(the CUDA plugin [^\n]*wrong_abi_plugin.so is of nmfkit 0.0.0-test \\(plugin ABI 1001\\), this nmfkit is ${PROJECT_VERSION} \\(plugin ABI 1\\)"
        ABSENT W_device.csv)
    set_tests_properties(cmd.fit_device_plugin_wrong_abi PROPERTIES
        ENVIRONMENT_MODIFICATION NMFKIT_CUDA_PLUGIN=set:${CMAKE_CURRENT_BINARY_DIR}/libwrong_abi_plugin.so)
endif()

# --- the OpenMP wait policy (cli/omp_env.cpp) ---
# libgomp reports the spin count it uses (OMP_DISPLAY_ENV=verbose) each time it is loaded. With
# neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT set, nmfkit starts twice: with libgomp's default
# (300000), then, re-executed exactly once, with the policy nmfkit sets. A user's value is kept
# and nmfkit starts once. `nmfkit info` names the policy in effect.
# libgomp's OMP_DISPLAY_ENV block shows the spin count the re-exec set: GCC builds only (the
# sanitizer stage is built by clang with LLVM's libomp, which prints another block).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    function(display_env_block out spin)
        set(${out} "\nOPENMP DISPLAY ENVIRONMENT BEGIN\n(  [^\n]*\n)*  GOMP_SPINCOUNT = '${spin}'\nOPENMP DISPLAY ENVIRONMENT END\n" PARENT_SCOPE)
    endfunction()
    display_env_block(libgomp_default 300000)
    display_env_block(nmfkit_default 0)
    display_env_block(user_spins 12345)
    display_env_block(any_spins "[^']+")
    set(clean_omp_env "OMP_WAIT_POLICY=unset:" "GOMP_SPINCOUNT=unset:" "NMFKIT_OMP_ENV=unset:"
        "OMP_DISPLAY_ENV=set:verbose")
    nmfkit_cmd_test(wait_policy_set_by_nmfkit COMMAND info
        STDOUT "\nOpenMP wait: +OMP_WAIT_POLICY=passive \\(set by nmfkit\\)\n"
        STDERR "^${libgomp_default}${nmfkit_default}$")
    nmfkit_cmd_test(wait_policy_user_spin_count COMMAND info
        STDOUT "\nOpenMP wait: +GOMP_SPINCOUNT=12345 \\(from the environment\\)\n"
        STDERR "^${user_spins}$")
    nmfkit_cmd_test(wait_policy_user_policy COMMAND info
        STDOUT "\nOpenMP wait: +OMP_WAIT_POLICY=active \\(from the environment\\)\n"
        STDERR "^${any_spins}$")
    # A fit runs (and reports its threads) after the re-exec, with its arguments intact.
    nmfkit_cmd_test(wait_policy_fit_after_reexec COMMAND fit good.csv -k 2 --threads 2 --seed 1 -q
        STDOUT "^fit: 6 x 4, k = 2, solver hals, .* 2 threads\n$"
        STDERR "^${libgomp_default}${nmfkit_default}$")
    set_tests_properties(cmd.wait_policy_set_by_nmfkit cmd.wait_policy_fit_after_reexec PROPERTIES
        ENVIRONMENT_MODIFICATION "${clean_omp_env}")
    set_tests_properties(cmd.wait_policy_user_spin_count PROPERTIES
        ENVIRONMENT_MODIFICATION "${clean_omp_env};GOMP_SPINCOUNT=set:12345")
    set_tests_properties(cmd.wait_policy_user_policy PROPERTIES
        ENVIRONMENT_MODIFICATION "${clean_omp_env};OMP_WAIT_POLICY=set:active")
endif()

# --- fit: storage, dtype, transpose, labels ---
# A Matrix Market file stays sparse: this one would need 4.8 GB dense, but fits in 1 MiB sparse.
nmfkit_cmd_test(fit_sparse_stays_sparse COMMAND fit big_sparse.mtx -k 2 --max-memory 1M -q
    --max-iter 5 -W W.npy -H H.npy --report run.json
    SHAPES "W.npy=20000x2|H.npy=2x30000" FILE run.json
    FILE_REGEX "\"format\": \"matrix_market\",\n  \"storage\": \"sparse\",\n  \"dtype\": \"float64\",\n\
  \"source_dtype\": \"integer\",\n  \"transpose\": false,\n  \"rows\": 20000,\n  \"cols\": 30000,\n\
  \"rank\": 2,\n  \"nnz\": 40,\n")
nmfkit_cmd_test(fit_max_memory_too_small RC 65 COMMAND fit big_sparse.mtx -k 2 --max-memory 100
    -W W.npy STDERR "${e}big_sparse.mtx.*100 bytes" ABSENT "W.npy")
# --- fit --online: V streamed in blocks of columns (io/blocks.hpp) ---
nmfkit_cmd_test(fit_online_npy COMMAND fit storage.npy -k 3 --online --passes 3 --batch-size 7 -q
    -W W.npy -H H.npy --report run.json SHAPES "W.npy=40x3|H.npy=3x30" FILE run.json
    FILE_REGEX "\"batch_size\": 7,\n    \"passes\": 3,.*\"passes_run\": 3,\n  \"steps\": 15,"
    STDOUT "^fit --online: 40 x 30, k = 3, solver hals, loss frobenius, 3 passes \\(15 blocks of up to 7 columns\\)")
nmfkit_cmd_test(fit_online_mtx_kl COMMAND fit storage.mtx -k 3 --online --loss kl --batch-size 8
    -q -H H.csv SHAPES "H.csv=3x30" STDOUT "solver cd, loss kullback_leibler, 1 pass \\(4 blocks")
# Sorted by row: refused with the line and the fix; read by rows with --transpose.
nmfkit_cmd_test(fit_online_mtx_unsorted RC 65 COMMAND fit small_t.mtx -k 2 --online -W W.csv
    STDERR "${e}small_t.mtx:6: column 1 after column 2: --online streams .*--transpose"
    ABSENT "W.csv")
nmfkit_cmd_test(fit_online_mtx_by_row COMMAND fit small_t.mtx -k 2 --online --transpose -q
    -W W.csv -H H.csv SHAPES "W.csv=5x2|H.csv=2x4")
nmfkit_cmd_test(fit_online_refuses_mask RC 2 COMMAND fit storage.npy -k 2 --online --mask small.mtx
    STDERR "${e}--mask is not available with --online")
nmfkit_cmd_test(fit_online_refuses_loss RC 2 COMMAND fit storage.npy -k 2 --online --loss is
    STDERR "${e}online NMF supports loss frobenius and kullback_leibler, not itakura_saito")
nmfkit_cmd_test(fit_online_refuses_csv RC 65 COMMAND fit good.csv -k 2 --online
    STDERR "${e}good.csv: --online streams .npy and Matrix Market")
nmfkit_cmd_test(fit_online_batch_over_max_memory RC 2 COMMAND fit storage.npy -k 2 --online
    --max-memory 1K STDERR "${e}--online with --batch-size 1024 at k = 2 needs about .* MiB, more than --max-memory.*lower --batch-size")
# A full-batch fit of a file above --max-memory fails before reading, suggesting --online.
nmfkit_cmd_test(fit_full_batch_suggests_online RC 65 COMMAND fit storage.npy -k 2 --max-memory 1K
    -W W.npy STDERR "${e}storage.npy: a full-batch fit holds V in memory, about 9600 bytes, more than --max-memory \\(1024 bytes\\); use --online"
    ABSENT "W.npy")
nmfkit_cmd_test(fit_npz_sparse DATA ${nmfkit_cli_tests_dir}/data/formats
    COMMAND fit csr.npz -k 2 -q --report run.json FILE run.json
    FILE_REGEX "\"format\": \"npz\",\n  \"storage\": \"sparse\",")
nmfkit_cmd_test(fit_float32 COMMAND fit good.csv -k 2 --dtype float32 -q --report run.json
    -W W.csv SHAPES "W.csv=6x2" FILE run.json FILE_REGEX "\"storage\": \"dense\",\n  \"dtype\": \"float32\",")
nmfkit_cmd_test(fit_sparse_float32 COMMAND fit small.mtx -k 2 --dtype float32 -q --report run.json
    FILE run.json FILE_REGEX "\"storage\": \"sparse\",\n  \"dtype\": \"float32\",")
# .npy float32 data runs in float32 unless --dtype says otherwise.
nmfkit_cmd_test(fit_npy_f4_default DATA ${nmfkit_cli_tests_dir}/data/formats
    COMMAND fit f4_c.npy -k 2 -q --report run.json FILE run.json
    FILE_REGEX "\"format\": \"npy\",\n  \"storage\": \"dense\",\n  \"dtype\": \"float32\",\n\
  \"source_dtype\": \"float32\",")
nmfkit_cmd_test(fit_npy_f4_as_float64 DATA ${nmfkit_cli_tests_dir}/data/formats
    COMMAND fit f4_c.npy -k 2 -q --dtype float64 --report run.json FILE run.json
    FILE_REGEX "\"dtype\": \"float64\",")
nmfkit_cmd_test(fit_transpose_shapes COMMAND fit good.csv -k 2 --transpose -q -W W.csv -H H.tsv
    SHAPES "W.csv=4x2|H.tsv=2x6" STDOUT "^fit: 4 x 6, k = 2, ")
nmfkit_cmd_test(fit_transpose_dense SCENARIO transpose_dense STDOUT "same W and H")
nmfkit_cmd_test(fit_transpose_sparse SCENARIO transpose_sparse STDOUT "same W and H")
nmfkit_cmd_test(fit_transpose_dense_float32 SCENARIO transpose_dense_float32 STDOUT "same W and H")
nmfkit_cmd_test(fit_transpose_sparse_float32 SCENARIO transpose_sparse_float32
    STDOUT "same W and H")
# One matrix stored sparse (.mtx) and dense (.npy) gives the same factors with default options.
nmfkit_cmd_test(fit_storage_mtx_npy SCENARIO storage_mtx_npy STDOUT "same W and H from .mtx and .npy")
# Labels from the CSV header and row names: W's rows, H's columns, components c1..ck.
nmfkit_cmd_test(fit_csv_labels COMMAND fit labeled.csv -k 2 -q -W W.csv -H H.csv
    SHAPES "W.csv=6x2|H.csv=2x4" FILE W.csv FILE_REGEX "^,c1,c2\nd1,${num},${num}\nd2,.*\nd6,[^\n]*\n$")
nmfkit_cmd_test(fit_csv_labels_h COMMAND fit labeled.csv -k 2 -q -H H.tsv
    FILE H.tsv FILE_REGEX "^\tapple\tbanana\tcherry\tdate\nc1\t[^\n]*\nc2\t[^\n]*\n$")
nmfkit_cmd_test(fit_transpose_labels COMMAND fit labeled.csv -k 2 -q --transpose -W W.csv
    FILE W.csv FILE_REGEX "^,c1,c2\napple,.*\ndate,[^\n]*\n$")
# Labels from files, for a format without them.
nmfkit_cmd_test(fit_label_files COMMAND fit small.mtx --row-labels rows5.txt --col-labels cols4.txt
    -k 2 -q -H H.csv FILE H.csv FILE_REGEX "^,c_a,c_b,c_c,c_d\nc1,")
# 10x Genomics features.tsv: field 2 is the gene name.
nmfkit_cmd_test(fit_labels_field COMMAND fit small.mtx --row-labels features.tsv --labels-field 2
    -k 2 -q -W W.tsv FILE W.tsv FILE_REGEX "^\tc1\tc2\nGeneA\t[^\n]*\nGeneB\t.*\nGeneE\t[^\n]*\n$")
nmfkit_cmd_test(fit_gzip_input DATA ${nmfkit_cli_tests_dir}/data/formats
    COMMAND fit coord_real.mtx.gz -k 2 -q -W W.csv STDOUT "^fit: 5 x 4, k = 2, " SHAPES "W.csv=5x2")
nmfkit_cmd_test(fit_sidecar_labels COMMAND fit small.mtx --row-labels rows5.txt -k 2 -q
    -W W.npy --write-labels FILE W.rows.txt FILE_REGEX "^r1\nr2\nr3\nr4\nr5\n$" SHAPES "W.npy=5x2")
nmfkit_cmd_test(fit_no_sidecar_by_default COMMAND fit small.mtx --row-labels rows5.txt -k 2 -q
    -W W.npy ABSENT "W.rows.txt|W.cols.txt")
nmfkit_cmd_test(fit_mtx_output COMMAND fit good.csv -k 2 -q -W W.mtx SHAPES "W.mtx=6x2")
nmfkit_cmd_test(fit_report_fields COMMAND fit good.csv -k 2 --max-iter 3 --tol 0 -q
    --report run.json FILE run.json
    FILE_REGEX "\"command\": \"fit\",\n  \"input\": \"good.csv\",\n  \"format\": \"csv\",.*\"init\": \"nndsvda\",.*\
\"status\": \"max_iter_reached\",\n  \"iterations\": 3,\n  \"interrupted\": false,.*\"timings\": {\n\
    \"read\": ${num},\n    \"fit\": ${num},\n    \"write\": ${num}\n  },\n  \"history\"")
nmfkit_cmd_test(fit_custom_init COMMAND fit good.csv -k 2 --init-w w.csv --init-h h.csv --max-iter 2
    --tol 0 -q --report run.json FILE run.json FILE_REGEX "\"init\": \"custom\",")
nmfkit_cmd_test(fit_kl_sparse COMMAND fit small.mtx -k 2 --loss kl -q -W W.csv
    STDOUT "^fit: 5 x 4, k = 2, solver cd, loss kullback_leibler, " SHAPES "W.csv=5x2")
# The default solver for KL (default_solver) is cd, as README.md and docs/cli.md say.
nmfkit_cmd_test(fit_kl_dense_default_solver COMMAND fit good.csv -k 2 --loss kl -q
    STDOUT "^fit: 6 x 4, k = 2, solver cd, loss kullback_leibler, ")
nmfkit_cmd_test(fit_hals_options COMMAND fit good.csv -k 2 --hals-max-inner 3 --hals-alpha 1
    --hals-epsilon 0.01 --low-memory --threads 1 -q --report run.json FILE run.json
    FILE_REGEX "\"low_memory\": true,\n  \"hals_max_inner\": 3,\n  \"hals_alpha\": 1.0,\n\
  \"hals_epsilon\": 0.01,\n  \"cd_newton_steps\": 4,\n  \"beta\": 2.0,\n  \"penalties\": \\{\n    \"l1_w\": 0.0,\n    \"l2_w\": 0.0,\n    \"l1_h\": 0.0,\n    \"l2_h\": 0.0\n  \\},\n  \"stop\": \"relative_objective\",\n  \"normalize\": \"none\",\n  \"diagonal\": false,\n  \"sort_components\": false,\n  \"restarts\": 1,\n  \"missing\": \"none\",\n  \"fixed_w_columns\": \\[\\],\n  \"threads\": 1,")

# --- fit: losses, penalties, stopping rules, scaling (issue 5) ---
nmfkit_cmd_test(fit_beta COMMAND fit good.csv -k 2 --loss beta --beta 0.5 -q
    STDOUT "^fit: 6 x 4, k = 2, solver mu, loss beta, ")
nmfkit_cmd_test(fit_itakura_saito_refuses_zeros RC 65 COMMAND fit small.mtx -k 2 --loss is -W W.csv
    STDERR "${e}small.mtx: row 1, column 3: zero entry \\(entries not stored are zeros\\): loss itakura_saito \\(beta = 0\\) needs every entry of V to be positive \\(it divides by V and takes log V\\)\n$"
    ABSENT "W.csv")
nmfkit_cmd_test(fit_anls_bpp_projected_gradient COMMAND fit good.csv -k 2 --solver anls_bpp
    --stop projected_gradient --tol 1e-3 -q --report run.json FILE run.json
    FILE_REGEX "\"solver\": \"anls_bpp\".*\"stop\": \"projected_gradient\".*\"projected_gradient\": \\[")
nmfkit_cmd_test(fit_sklearn_penalties COMMAND fit good.csv -k 2 --alpha-w 0.1 --l1-ratio 0.5 -q
    --report run.json FILE run.json
    FILE_REGEX "\"penalties\": \\{\n    \"l1_w\": 0.2,\n    \"l2_w\": 0.2,\n    \"l1_h\": 0.30*[0-9]*,\n    \"l2_h\": 0.30*[0-9]*\n")
nmfkit_cmd_test(fit_two_penalty_conventions RC 2 COMMAND fit good.csv -k 2 --alpha-w 0.1 --l1-w 1
    STDERR "${e}--l1-w/--l2-w/--l1-h/--l2-h and --alpha-w/--alpha-h are two ways to give the penalties; use one\n$")
nmfkit_cmd_test(fit_diagonal_scales COMMAND fit good.csv -k 2 --normalize l1 --diagonal --sort
    --scales d.npy -W W.npy -H H.npy -q SHAPES "d.npy=2x1|W.npy=6x2|H.npy=2x4")
nmfkit_cmd_test(fit_scales_needs_diagonal RC 2 COMMAND fit good.csv -k 2 --scales d.npy
    STDERR "${e}--scales writes d of V ≈ W diag\\(d\\) H; it needs --diagonal\n$" ABSENT "d.npy")

# --- fit: restarts and fixed columns (issue 6) ---
nmfkit_cmd_test(fit_restarts COMMAND fit good.csv -k 2 --restarts 3 -q --report run.json FILE run.json
    FILE_REGEX "\"restarts\": 3,.*\"restart_objectives\": \\[\n    ${num},\n    ${num},\n    ${num}\n  \\],\n  \"best_restart\": [0-2],")
nmfkit_cmd_test(fit_int_option_out_of_range RC 2 COMMAND fit good.csv -k 2 --max-iter 99999999999
    STDERR "${e}--max-iter 99999999999 is out of range \\(-2147483648 to 2147483647\\)\n$")
nmfkit_cmd_test(fit_fixed_columns_need_a_start RC 2 COMMAND fit good.csv -k 2 --fixed-w-columns 1
    STDERR "${e}fixed_w_columns keep columns of the starting W. give it with init custom\n$")
nmfkit_cmd_test(fit_fixed_columns COMMAND fit good.csv -k 2 --init-w w.csv --init-h h.csv
    --fixed-w-columns 0 -q -W W.csv SHAPES "W.csv=6x2")

nmfkit_cmd_test(fit_missing_zeros COMMAND fit small.mtx -k 2 --missing zeros -q --report run.json
    FILE run.json FILE_REGEX "\"missing\": \"zeros\",")
nmfkit_cmd_test(fit_missing_unsupported RC 2 COMMAND fit small.mtx -k 2 --missing zeros --loss kl --solver mu
    STDERR "${e}missing values \\(missing zeros\\) are supported by every frobenius solver and by cd for kullback_leibler, not by solver mu with loss kullback_leibler\n$")
# --mask FILE: a pattern file of V's shape; its entries are missing (read as INPUT is, transposed too).
nmfkit_cmd_test(fit_mask COMMAND fit small.mtx -k 2 --mask mask.mtx -q --report run.json -W W.csv
    FILE run.json FILE_REGEX "\"mask\": \"mask.mtx\",\n[^}]*\"masked_entries\": 3," SHAPES "W.csv=5x2")
nmfkit_cmd_test(fit_mask_transposed COMMAND fit small.mtx -k 2 --mask mask.mtx --transpose --loss kl -q
    STDOUT "^fit: 4 x 5, k = 2, solver cd, loss kullback_leibler, ")
nmfkit_cmd_test(fit_mask_shape RC 65 COMMAND fit small.mtx -k 2 --mask good.csv -W W.csv
    STDERR "${e}--mask good.csv is 6 x 4 but small.mtx is 5 x 4. they must match\n$" ABSENT "W.csv")
nmfkit_cmd_test(fit_mask_unsupported RC 2 COMMAND fit small.mtx -k 2 --mask mask.mtx --loss kl --solver mu
    STDERR "${e}missing values \\(a mask\\) are supported by every frobenius solver and by cd for kullback_leibler, not by solver mu with loss kullback_leibler\n$")

# --- progress ---
set(progress_line "iteration [0-9]+/3  objective ${num}  change ${num}  elapsed [0-9.]+ s  ETA [0-9.]+ s\n")
nmfkit_cmd_test(progress_lines COMMAND fit good.csv -k 2 --max-iter 3 --tol 0
    STDERR "^iteration 1/3  objective ${num}  change ${num}  elapsed [0-9.]+ s  ETA [0-9.]+ s\n\
iteration 3/3  objective ${num}  change ${num}  elapsed [0-9.]+ s  ETA [0-9.]+ s\n$")
nmfkit_cmd_test(progress_every_iteration COMMAND fit good.csv -k 2 --max-iter 3 --tol 0
    --progress-interval 0 STDERR "^${progress_line}${progress_line}${progress_line}$")
nmfkit_cmd_test(progress_quiet COMMAND fit good.csv -k 2 --max-iter 3 --tol 0 --quiet STDERR "^$")
nmfkit_cmd_test(log_json COMMAND fit good.csv -k 2 --max-iter 4 --tol 0 -q --log-json it.jsonl
    FILE it.jsonl FILE_REGEX "^{\"iteration\":1,\"objective\":${num},\"relative_change\":${num},\
\"seconds\":${num}}\n{\"iteration\":2,[^\n]*}\n{\"iteration\":3,[^\n]*}\n{\"iteration\":4,[^\n]*}\n$")
nmfkit_cmd_test(log_json_converged SCENARIO log_json STDOUT "lines = iterations")
nmfkit_cmd_test(sigint SCENARIO sigint STDOUT "sigint: exit 130"
    STDERR "nmfkit: interrupted. writing the result so far\n")
set_tests_properties(cmd.sigint PROPERTIES TIMEOUT 60)
# fit --checkpoint/--resume (cli/checkpoint.cpp): bitwise resume, refusals, Ctrl-C.
nmfkit_cmd_test(checkpoint SCENARIO checkpoint STDOUT "resumed fits are bitwise the uninterrupted")
nmfkit_cmd_test(checkpoint_online SCENARIO checkpoint_online STDOUT "resumed online fits are bitwise")
nmfkit_cmd_test(checkpoint_refused SCENARIO checkpoint_refused STDOUT "damaged and foreign files refused")
nmfkit_cmd_test(checkpoint_sigint SCENARIO checkpoint_sigint STDOUT "resumed to the uninterrupted bytes")
set_tests_properties(cmd.checkpoint_sigint PROPERTIES TIMEOUT 60)
nmfkit_cmd_test(checkpoint_every_alone RC 2 COMMAND fit good.csv -k 2 --checkpoint-every 5
    STDERR "${e}--checkpoint-every needs --checkpoint FILE\n$")
nmfkit_cmd_test(checkpoint_restarts SCENARIO checkpoint_restarts STDOUT "resumed restarts are bitwise")
nmfkit_cmd_test(checkpoint_masked SCENARIO checkpoint_masked STDOUT "another mask is refused")
# python.ckpt: written by nmfkit.fit(np.arange(1, 13.0).reshape(4, 3), 2, tol=0, max_iter=3, seed=1,
# checkpoint="python.ckpt", checkpoint_every=2); the command line refuses the module's files.
nmfkit_cmd_test(checkpoint_of_python RC 65 COMMAND fit good.csv -k 2 -q --resume python.ckpt
    STDERR "${e}python.ckpt: the checkpoint is not of this fit: it was written by the Python module, this fit is the command line's\n$")

# --- transform ---
nmfkit_cmd_test(transform_components COMMAND transform good.csv --components h.csv -o W.npy
    STDOUT "^transform: 6 x 4, k = 2, fixed H, solved W, solver anls_bpp, loss frobenius, [0-9]+ iterations?, \
(converged|max_iter_reached), relative error ${num}, ${num} s\n$" STDERR "^$" SHAPES "W.npy=6x2")
nmfkit_cmd_test(transform_basis COMMAND transform good.csv --basis w.csv -o H.csv --loss kl
    STDOUT "^transform: 6 x 4, k = 2, fixed W, solved H, solver cd, loss kullback_leibler, " SHAPES "H.csv=2x4")
# The summary names the method docs/cli.md gives for each loss: anls_bpp, cd, and mu for the β losses.
nmfkit_cmd_test(transform_beta COMMAND transform good.csv --components h.csv -o W.csv --loss beta
    --beta 0.5 STDOUT "^transform: 6 x 4, k = 2, fixed H, solved W, solver mu, loss beta, " SHAPES "W.csv=6x2")
nmfkit_cmd_test(transform_sparse_float32 COMMAND transform small.mtx --components h.csv -o W.csv
    --dtype float32 STDOUT "^transform: 5 x 4, k = 2, fixed H, solved W, " SHAPES "W.csv=5x2")
nmfkit_cmd_test(transform_basis_shape_mismatch COMMAND transform small.mtx --basis w.csv -o H.csv
    RC 65 STDERR "${e}--basis w.csv is 6 x 2 but small.mtx is 5 x 4. \
W \\(m x k\\) needs one row per row of V\n$" ABSENT "H.csv")
nmfkit_cmd_test(transform_labels COMMAND transform labeled.csv --components h.csv -o W.csv
    FILE W.csv FILE_REGEX "^,c1,c2\nd1,")
nmfkit_cmd_test(transform_roundtrip SCENARIO transform_roundtrip STDOUT "errors <=")
nmfkit_cmd_test(transform_shape_mismatch RC 65 COMMAND transform good.csv --components h_bad.csv
    -o W.csv STDERR "${e}--components h_bad.csv is 2 x 3 but good.csv is 6 x 4. \
H \\(k x n\\) needs one column per column of V\n$" ABSENT "W.csv")
nmfkit_cmd_test(transform_needs_one_factor RC 2 COMMAND transform good.csv -o W.csv
    STDERR "${e}transform needs one of --components H_FILE and --basis W_FILE\n$")
nmfkit_cmd_test(transform_not_both RC 2 COMMAND transform good.csv --components h.csv --basis w.csv
    -o W.csv STDERR "${e}--components excludes --basis")
nmfkit_cmd_test(transform_missing_factor RC 74 COMMAND transform good.csv --components nope.npy
    -o W.csv STDERR "${e}cannot open \"nope.npy\"" ABSENT "W.csv")
nmfkit_cmd_test(transform_negative RC 65 COMMAND transform negative.csv --components h_bad.csv -o W.csv
    STDERR "${e}negative.csv:4: column 2: negative entry -8\n$")

# --- top ---
nmfkit_cmd_test(top_labels COMMAND top w_labeled.csv -n 2
    STDOUT "^component  top 2 \\(weight\\)\nsports     goal \\(2.5\\)  team \\(1.5\\)\n\
food       oven \\(3\\)    flour \\(2\\)\n$" STDERR "^$")
nmfkit_cmd_test(top_tsv COMMAND top w_labeled.csv -n 3 --tsv
    STDOUT "^component\trank\tlabel\tweight\nsports\t1\tgoal\t2.5\nsports\t2\tteam\t1.5\n\
sports\t3\tflour\t0.2\nfood\t1\toven\t3\nfood\t2\tflour\t2\nfood\t3\tteam\t0.1\n$")
nmfkit_cmd_test(top_transpose_row_labels COMMAND top h.csv --transpose --row-labels rows3.txt
    -n 1 --tsv RC 65 STDERR "${e}--row-labels rows3.txt: 3 labels for 2 rows\n$")
nmfkit_cmd_test(top_transpose COMMAND top h.csv --transpose --col-labels cols4.txt -n 1 --tsv
    STDOUT "^component\trank\tlabel\tweight\nc1\t1\tc_d\t1\nc2\t1\tc_c\t1.5\n$")
# The README session's data (examples/): labels from files carried into H's header.
nmfkit_cmd_test(fit_example_docs DATA ${PROJECT_SOURCE_DIR}/examples COMMAND fit docs.mtx
    --row-labels docs.txt --col-labels words.txt -k 3 --seed 1 -q -W W.csv -H H.csv
    STDOUT "^fit: 10 x 12, k = 3, solver hals, " SHAPES "W.csv=10x3|H.csv=3x12" FILE H.csv
    FILE_REGEX "^,goal,match,team,score,recipe,oven,flour,sugar,code,compiler,bug,test\nc1,")

# --- exit statuses ---
nmfkit_cmd_test(usage_bad_format RC 2 COMMAND fit good.csv -k 2 --format xls
    STDERR "${e}--format: unknown format \"xls\". expected one of: csv, tsv, matrix_market \\(mtx\\), npy, npz, hdf5\n$")
nmfkit_cmd_test(usage_bad_max_memory RC 2 COMMAND fit good.csv -k 2 --max-memory 12Q
    STDERR "${e}--max-memory: \"12Q\" is not a byte count")
nmfkit_cmd_test(usage_bad_delimiter RC 2 COMMAND fit good.csv -k 2 --delimiter ab
    STDERR "${e}--delimiter: \"ab\" is not one character")
nmfkit_cmd_test(usage_custom_without_files RC 2 COMMAND fit good.csv -k 2 --init custom
    STDERR "${e}--init custom needs --init-w W_FILE and --init-h H_FILE\n$")
nmfkit_cmd_test(usage_header_both RC 2 COMMAND fit good.csv -k 2 --header --no-header
    STDERR "${e}--header excludes --no-header")
nmfkit_cmd_test(usage_unknown_option RC 2 COMMAND fit good.csv -k 2 --bogus
    STDERR "${e}The following argument was not expected: --bogus\nRun with --help")
nmfkit_cmd_test(usage_bad_init RC 2 COMMAND fit good.csv -k 2 --init svd
    STDERR "${e}unknown init \"svd\". expected one of: random, nndsvd, nndsvda, nndsvdar, custom\n$")
nmfkit_cmd_test(usage_bad_extrapolation RC 2 COMMAND fit good.csv -k 2 --extrapolate maybe
    STDERR "${e}unknown extrapolation \"maybe\". expected one of: off, on\n$")
# Extrapolation: the resolved choice and, when on, the per-iteration weight and restarts.
nmfkit_cmd_test(fit_extrapolation_on COMMAND fit good.csv -k 2 --max-iter 5 --tol 0 -q
    --extrapolate on --report run.json FILE run.json
    FILE_REGEX "\"extrapolation\": \"on\",.*\"extrapolation\": \\[\n *0\\.0,.*\"restarted\": \\[")
# The default: on for hals (the default solver), off for mu (docs/algorithms.md, "Extrapolation").
nmfkit_cmd_test(fit_extrapolation_default COMMAND fit good.csv -k 2 --max-iter 5 -q
    --report run.json FILE run.json FILE_REGEX "\"extrapolation\": \"on\",")
nmfkit_cmd_test(fit_extrapolation_default_mu COMMAND fit good.csv -k 2 --max-iter 5 --solver mu -q
    --report run.json FILE run.json FILE_REGEX "\"extrapolation\": \"off\",")
nmfkit_cmd_test(fit_init_nndsvd COMMAND fit good.csv -k 2 --init nndsvd -q --report run.json
    FILE run.json FILE_REGEX "\"init\": \"nndsvd\",")
nmfkit_cmd_test(data_nndsvd_rank RC 65 COMMAND fit good.csv -k 5 --init nndsvda
    STDERR "${e}init nndsvda needs k ≤ min\\(m, n\\) = 4, got k = 5. use init random\n$")
nmfkit_cmd_test(data_label_count RC 65 COMMAND fit small.mtx -k 2 --row-labels rows3.txt -W W.csv
    STDERR "${e}--row-labels rows3.txt: 3 labels for 5 rows\n$" ABSENT "W.csv")
nmfkit_cmd_test(data_custom_init_shape RC 65 COMMAND fit small.mtx -k 2 --init-w w.csv --init-h h.csv
    STDERR "${e}custom W has shape 6 x 2, expected 5 x 2 \\(rows of V x rank\\)\n$")
nmfkit_cmd_test(data_negative_transposed_position RC 65 COMMAND fit negative.csv -k 2 --transpose
    STDERR "${e}negative.csv:4: column 2: negative entry -8\n$")
nmfkit_cmd_test(io_missing_input RC 74 COMMAND fit nope.mtx -k 2
    STDERR "${e}cannot open \"nope.mtx\": No such file or directory\n$")
nmfkit_cmd_test(data_error_leaves_no_log RC 65 COMMAND fit negative.csv -k 2 --log-json it.jsonl
    -W W.csv STDERR "${e}negative.csv:4: column 2: negative entry -8\n$" ABSENT "it.jsonl|W.csv")
nmfkit_cmd_test(io_unwritable_log RC 74 COMMAND fit good.csv -k 2 --log-json no/such/dir/it.jsonl
    STDERR "${e}cannot write \"no/such/dir/it.jsonl\"")
nmfkit_cmd_test(io_missing_labels RC 74 COMMAND fit small.mtx -k 2 --row-labels nope.txt
    STDERR "${e}cannot open \"nope.txt\"")

# --low-memory where it would raise the peak (a wide sparse matrix with few entries): one warning.
nmfkit_cmd_test(low_memory_warns_when_it_costs COMMAND fit small.mtx -k 2 --max-iter 2 -q --low-memory
    STDERR "^nmfkit: warning: --low-memory saves [0-9.e+-]+ MiB \\(the row copy of V\\) but its scattered products need [0-9.e+-]+ MiB at k = 2. it raises the peak memory for this matrix")
