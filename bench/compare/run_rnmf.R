# bench/compare runner for the R package NMF (Gaujoux & Seoighe): method "lee" (Lee & Seung's
# multiplicative updates, Frobenius) or "brunet" (multiplicative updates, KL divergence).
# Run by compare.py:
#   Rscript --vanilla run_rnmf.R --data V.npy --k K --method lee|brunet --loss L --checkpoints ...
#           --threads 1 --init-w W0.npy --init-h H0.npy --out DIR --here bench/compare
# Each checkpoint c is its own fit from the shared W0, H0 (a seed model, nmfModel(W0, H0)) with a
# stopping rule of exactly c iterations, timed alone: one nmf() call costs about a second of
# setup and final evaluation on this machine, which chunks would count once per chunk. Dense V
# only (the package works on dense matrices). Timed: the nmf() call only (it includes the
# package's per-call setup, which is part of what a user pays).
# Writes DIR/W_<it>.npy, DIR/H_<it>.npy, DIR/result.json.

args <- commandArgs(trailingOnly = TRUE)
here <- args[which(args == "--here") + 1]
source(file.path(here, "npy.R"))
a <- parse_args(args)
k <- as.integer(a$k)
checkpoints <- sort(unique(as.integer(strsplit(a$checkpoints, ",")[[1]])))
dir.create(a$out, showWarnings = FALSE, recursive = TRUE)

suppressPackageStartupMessages(library(NMF))
t0 <- proc.time()[["elapsed"]]
V <- as.matrix(read_matrix(a$data))
W <- read_npy(a$`init-w`)
H <- read_npy(a$`init-h`)
read_s <- proc.time()[["elapsed"]] - t0

W0 <- W
H0 <- H
secs <- c()
iters_run <- c()
for (c in checkpoints) {
  seed_model <- nmfModel(W = W0, H = H0)
  t <- proc.time()[["elapsed"]]
  fit <- nmf(V, seed_model, method = a$method, .stop = nmf.stop.iteration(c), maxIter = c,
             .options = list(verbose = FALSE, track = FALSE, parallel = FALSE))
  secs <- c(secs, proc.time()[["elapsed"]] - t)
  iters_run <- c(iters_run, niter(fit))
  write_npy(basis(fit), file.path(a$out, sprintf("W_%d.npy", c)))
  write_npy(coef(fit), file.path(a$out, sprintf("H_%d.npy", c)))
}

esc <- function(s) gsub("\"", "'", gsub("\\\\", "/", s))
json <- sprintf(paste0(
  "{\"tool\": \"NMF (R)\", \"version\": \"%s\", \"method\": \"%s\", \"loss\": \"%s\", ",
  "\"dtype\": \"float64\", \"threads\": %s, \"checkpoints\": [%s], \"seconds\": [%s], ",
  "\"iterations_reported\": [%s], \"read_seconds\": %.6f, \"peak_rss_kb_self\": %.0f, ",
  "\"init\": \"W0, H0 (nmfModel seed)\", \"blas\": \"%s\"}"),
  as.character(packageVersion("NMF")), a$method, a$loss, a$threads, paste(checkpoints, collapse = ", "),
  paste(sprintf("%.6f", secs), collapse = ", "), paste(iters_run, collapse = ", "),
  read_s, peak_rss_kb(), esc(La_library()))
writeLines(json, file.path(a$out, "result.json"))
