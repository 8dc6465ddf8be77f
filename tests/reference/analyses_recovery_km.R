# Reference values for tests/test_analyses_recovery_km.py (KM median time to recovery and the
# log-rank test of the competing_risks family, death before recovery censored).
# Run from the repository root: Rscript tests/reference/analyses_recovery_km.R
# R 4.x with survival >= 3.5 (Debian: r-cran-survival).
suppressPackageStartupMessages(library(survival))
out <- function(label, ...) cat(label, ": ", paste(sprintf("%.15g", c(...)), collapse = ", "), "\n", sep = "")

# The test's table: time, L_recovery_status (1 recovered, 2 died before recovery, 0 censored),
# CRS group; a patient without status is left out, one without a group counts only in "all".
time   <- c(1, 2, 3, 4, 5, 6,   2, 4, 6, 8,   3, 9, 10,   7)
status <- c(1, 2, 1, 1, 2, 1,   1, 1, 1, 0,   1, 0, 2,    1)
group  <- c(rep("mild", 6), rep("severe", 4), rep("none", 3), NA)
event  <- as.numeric(status == 1)   # death before recovery (2) censored, as the paper

for (ct in c("log-log", "log")) {
  q <- quantile(survfit(Surv(time, event) ~ 1, conf.type = ct), 0.5)
  out(paste("all", ct), q$quantile, q$lower, q$upper)
  fit <- survfit(Surv(time, event) ~ group, conf.type = ct)
  tab <- summary(fit)$table
  for (g in c("mild", "none", "severe"))   # none: S stays at 2/3, median not reached
    out(paste(g, ct), tab[paste0("group=", g), c("median", "0.95LCL", "0.95UCL")])
}
sd <- survdiff(Surv(time, event) ~ group)
out("logrank chisq, p, n", sd$chisq, pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE), sum(sd$n))

# hand-computable log-rank: A = (1, 3), B = (2, 4), all events: O_A - E_A = 2/3, V = 13/18,
# chi-square = 8/13
sd <- survdiff(Surv(c(1, 3, 2, 4), rep(1, 4)) ~ c("A", "A", "B", "B"))
out("hand logrank chisq, p", sd$chisq, pchisq(sd$chisq, 1, lower.tail = FALSE))
