# R's NMF package (Gaujoux & Seoighe 2010) on the dense matrix bench_rank wrote: nmfEstimateRank
# over k = 2..10 with 20 runs per k; method "lee" (Frobenius multiplicative updates, as nmfkit's
# mu) by default, "brunet" (the package's default, KL) on request. One Markdown row per method.
# Usage: Rscript nmf_estimate_rank.R rank_dense.csv [runs] [cores] [methods, e.g. lee,brunet]
suppressMessages(library(NMF))
args <- commandArgs(trailingOnly = TRUE)
V <- as.matrix(read.csv(args[1], header = FALSE))
runs <- if (length(args) >= 2) as.integer(args[2]) else 20L
cores <- if (length(args) >= 3) as.integer(args[3]) else 2L
options <- if (cores > 1) paste0("P", cores) else "-p"
methods <- if (length(args) >= 4) strsplit(args[4], ",")[[1]] else "lee"
for (method in methods) {
    t <- system.time(est <- nmfEstimateRank(V, range = 2:10, method = method, nrun = runs,
                                            seed = 123456, .options = options))["elapsed"]
    coph <- paste(sprintf("%.3f", est$measures$cophenetic), collapse = " ")
    cat(sprintf("| dense %d x %d (R NMF %s) | %s | - | %.2f | - | %s |\n", nrow(V), ncol(V),
                packageVersion("NMF"), method, t, coph))
}
