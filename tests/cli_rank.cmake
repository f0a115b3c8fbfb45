# Tests of `nmfkit rank` and `nmfkit fit --assignments` (docs/cli.md), on the 10 x 12 documents
# of examples/ (tests/data/rank, with topics.txt: the known class of each document). Included
# from tests/CMakeLists.txt after cli_commands.cmake (nmfkit_cmd_test, e, num). Run: ctest -R rank

if(NOT TARGET nmfkit_cli)
    return()
endif()

set(nmfkit_rank_data ${nmfkit_cli_tests_dir}/data/rank)
set(docs docs.mtx --transpose --row-labels docs.txt --col-labels words.txt)

nmfkit_cmd_test(help_rank COMMAND rank --help STDOUT "Examples:\n  nmfkit rank" STDERR "^$")
# The survey: table on stdout, the suggested k with its rule, features, the files.
nmfkit_cmd_test(rank_documents DATA ${nmfkit_rank_data}
    COMMAND rank ${docs} -k 2:4 --restarts 6 --cv-splits 2 --seed 3 --classes topics.txt -o out
    STDOUT "rank survey: 12 x 10, k = 2..4, 6 restarts, 2 CV splits \\(10% held out\\), loss frobenius, solver hals.*\n   k  rel.error .* purity  entropy\n +2 .*\n +3 .*\n +4 .*\nsuggested k = [234] \\((cv_one_se|dispersion_maximum): .*features of each component at k = [234] by feature score \\(\\* = specific by Kim & Park 2007.s rule\\):\n  c1: .*wrote metrics.svg, consensus_k[234].svg, h_k[234].svg, features_k[234].tsv, survey.csv, survey.json to out\n$"
    STDERR "^$"
    FILE out/survey.json
    FILE_REGEX "\"command\": \"rank\",.*\"rows\": 12,\n  \"cols\": 10,.*\"suggested_rank\": [234],\n  \"rule\": \"(cv_one_se|dispersion_maximum)\",\n  \"cv_rank\": [234],\n  \"cv_minimum_rank\": [234],\n  \"dispersion_rank\": [234],\n  \"cophenetic_rank\": ([23]|null),.*\"classes\": \\[\n    \"sport\",\n    \"baking\",\n    \"software\"\n  \\],.*\"cv_error_se\": ${num},.*\"purity\": ${num},")
# The README's example (defaults: 5 CV splits, 10% held out) gives its documented answer: k = 3 by
# the one-standard-error rule, the dispersion's vote 3, and no cophenetic vote (the coefficient
# never falls by 0.02 over k = 2..5).
nmfkit_cmd_test(rank_readme_example DATA ${nmfkit_rank_data}
    COMMAND rank ${docs} -k 2:5 --seed 1 --top 0 -o out
    STDOUT "\nsuggested k = 3 \\(cv_one_se: the smallest k within one standard error of the lowest held-out error, at k = 3; dispersion_maximum gives k = 3, cophenetic_drop gives no vote\\)\n"
    FILE out/survey.json
    FILE_REGEX "\"suggested_rank\": 3,\n  \"rule\": \"cv_one_se\",\n  \"cv_rank\": 3,\n  \"cv_minimum_rank\": 3,\n  \"dispersion_rank\": 3,\n  \"cophenetic_rank\": null,")
# The SVGs are well-formed XML with one point per measured value and one cell per entry.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
    add_test(NAME cmd.rank_svg_files
        COMMAND sh -c "rm -rf \"$1\" && mkdir -p \"$1\" && cp \"$2\"/* \"$1\" && cd \"$1\" && \"$3\" rank docs.mtx --transpose --row-labels docs.txt -k 2:4 --restarts 4 --cv-splits 1 --plot-k 3 -o out >/dev/null && \"$4\" \"$5\" out"
            sh ${CMAKE_CURRENT_BINARY_DIR}/cmd.rank_svg_files ${nmfkit_rank_data} $<TARGET_FILE:nmfkit_cli>
            ${Python3_EXECUTABLE} ${nmfkit_cli_tests_dir}/check_svg.py)
endif()
# The same seed gives the same table (all but the seconds column), whatever the thread count.
add_test(NAME cmd.rank_threads_agree
    COMMAND sh -c "rm -rf \"$1\" && mkdir -p \"$1\" && cp \"$2\"/* \"$1\" && cd \"$1\" && \"$3\" rank docs.mtx -k 2:3 --restarts 4 --threads 1 -o one >/dev/null && \"$3\" rank docs.mtx -k 2:3 --restarts 4 --threads 2 -o two >/dev/null && cut -d, -f1-13 one/survey.csv >one.csv && cut -d, -f1-13 two/survey.csv >two.csv && cmp one.csv two.csv"
        sh ${CMAKE_CURRENT_BINARY_DIR}/cmd.rank_threads_agree ${nmfkit_rank_data} $<TARGET_FILE:nmfkit_cli>)

# Bad input names the problem.
nmfkit_cmd_test(rank_bad_range RC 2 DATA ${nmfkit_rank_data} COMMAND rank docs.mtx -k 5:2 -o out
    STDERR "${e}-k: \"5:2\" ends below its start; expected a range LO:HI \\(e.g. 2:12\\), LO:HI:STEP, or a list 2,3,5\n$"
    ABSENT out)
nmfkit_cmd_test(rank_zero_rank RC 2 DATA ${nmfkit_rank_data} COMMAND rank docs.mtx -k 0,2 -o out
    STDERR "${e}-k: \"0,2\" holds 0; every k must be >= 1")
nmfkit_cmd_test(rank_plot_k_not_surveyed RC 2 DATA ${nmfkit_rank_data}
    COMMAND rank docs.mtx -k 2:4 --plot-k 6 -o out
    STDERR "${e}--plot-k 6 is not one of the surveyed k \\(-k 2:4\\)\n$")
nmfkit_cmd_test(rank_bad_fraction RC 2 DATA ${nmfkit_rank_data}
    COMMAND rank docs.mtx -k 2:3 --cv-fraction 0.9 -o out
    STDERR "${e}survey: cv_fraction must be in \\(0, 0.5\\], got 0.900000\n$")
nmfkit_cmd_test(rank_classes_wrong_length RC 65 DATA ${nmfkit_rank_data}
    COMMAND rank ${docs} -k 2:3 --classes topics_short.txt -o out
    STDERR "${e}--classes topics_short.txt: 3 labels for 10 samples \\(columns of V; --transpose swaps\\)\n$")

# fit --assignments: each sample's (column's) and each feature's (row's) component.
nmfkit_cmd_test(fit_assignments DATA ${nmfkit_rank_data}
    COMMAND fit ${docs} -k 3 --seed 1 -q --assignments a.tsv
    FILE a.tsv
    FILE_REGEX "^axis\tindex\tlabel\tcomponent\tshare\nsample\t1\tmatch_report\tc[123]\t${num}\n(sample\t[0-9]+\t[a-z_]+\tc[123]\t${num}\n)+feature\t1\tgoal\tc[123]\t${num}\n(feature\t[0-9]+\t[a-z]+\tc[123]\t${num}\n)+$")
