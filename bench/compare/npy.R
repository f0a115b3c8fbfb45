# Minimal .npy reader and writer for bench/compare's R runners (float64 '<f8' 2-D arrays only,
# C or Fortran order), and a reader for the benchmark's matrices: .npy dense, .mtx sparse.

read_npy <- function(path) {
  con <- file(path, "rb")
  on.exit(close(con))
  magic <- readBin(con, "raw", 6)
  if (!identical(magic, as.raw(c(0x93, charToRaw("NUMPY"))))) stop(path, ": not a .npy file")
  ver <- readBin(con, "integer", 2, size = 1, signed = FALSE)
  hlen <- if (ver[1] == 1) readBin(con, "integer", 1, size = 2, signed = FALSE, endian = "little")
          else readBin(con, "integer", 1, size = 4, endian = "little")
  header <- rawToChar(readBin(con, "raw", hlen))
  descr <- sub(".*'descr': *'([^']*)'.*", "\\1", header)
  fortran <- grepl("'fortran_order': *True", header)
  shape_txt <- sub(".*'shape': *\\(([^)]*)\\).*", "\\1", header)
  shape <- as.numeric(strsplit(gsub(" ", "", shape_txt), ",")[[1]])
  if (length(shape) != 2) stop(path, ": only 2-D arrays are read")
  n <- shape[1] * shape[2]
  x <- switch(descr,
    "<f8" = readBin(con, "double", n, size = 8, endian = "little"),
    "<f4" = readBin(con, "double", n, size = 4, endian = "little"),
    stop(path, ": dtype ", descr, " not supported"))
  if (fortran) matrix(x, nrow = shape[1], ncol = shape[2])
  else t(matrix(x, nrow = shape[2], ncol = shape[1]))
}

write_npy <- function(x, path) {
  x <- as.matrix(x)
  storage.mode(x) <- "double"
  header <- sprintf("{'descr': '<f8', 'fortran_order': True, 'shape': (%d, %d), }",
                    nrow(x), ncol(x))
  total <- 10 + nchar(header) + 1
  pad <- (64 - total %% 64) %% 64
  header <- paste0(header, strrep(" ", pad), "\n")
  tmp <- paste0(path, ".tmp")
  con <- file(tmp, "wb")
  writeBin(as.raw(c(0x93, charToRaw("NUMPY"), 1, 0)), con)
  writeBin(as.integer(nchar(header)), con, size = 2, endian = "little")
  writeBin(charToRaw(header), con)
  writeBin(as.vector(x), con, size = 8, endian = "little")
  close(con)
  file.rename(tmp, path)
}

read_matrix <- function(path) {
  if (grepl("\\.mtx$", path)) as(Matrix::readMM(path), "CsparseMatrix") else read_npy(path)
}

# Command-line "--name value" pairs as a named list.
parse_args <- function(args) {
  out <- list()
  i <- 1
  while (i < length(args)) {
    out[[sub("^--", "", args[i])]] <- args[i + 1]
    i <- i + 2
  }
  out
}

peak_rss_kb <- function() {
  s <- readLines("/proc/self/status")
  as.numeric(sub("[^0-9]*([0-9]+).*", "\\1", s[grepl("^VmHWM", s)]))
}
