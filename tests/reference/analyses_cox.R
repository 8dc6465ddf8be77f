# Reference values for tests/test_analyses_cox.py::test_against_r_coxph (Breslow ties).
# Run: Rscript tests/reference/analyses_cox.R
library(survival)
DUR <- c(5, 8, 12, 3, 20, 7, 9, 15, 4, 11, 6, 14, 10, 2, 18, 13, 8, 5, 16, 9, 30, 1, 2, 3)
REC <- c(1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1)
DDIMER <- c(1.2, 1.8, 2.5, 0.9, 2.9, 1.4, 2.2, 2.0, 1.1, 2.6, 1.0, 2.4, 1.7, 0.8, 2.7,
            2.1, 1.6, 1.3, 2.8, 1.9, 0.5, 0.4, 0.3, 0.2)
PEAK <- c(2, 4, 7, 1, 6, 3, 5, 8, 2, 6, NA, 5, 4, 1, 9, 6, 3, 2, 7, 5, 1, 1, 1, 1)
TOCI <- c("false", "true", "true", "false", "true", "false", "true", "false", "false", "true",
          "false", "true", "false", "false", "true", "true", "false", "false", "true", "false",
          "false", "false", "false", "false")
d <- data.frame(dur = DUR[1:20], rec = REC[1:20], ddimer = DDIMER[1:20],
                peak = PEAK[1:20], toci = TOCI[1:20] == "true")
fit <- coxph(Surv(dur, rec) ~ ddimer + peak + toci, data = d, ties = "breslow")
s <- summary(fit)
cat(sprintf("%.10g", c(s$conf.int[, 1], s$conf.int[, 3], s$conf.int[, 4], s$coefficients[, 5])), sep = ", ")
cat("\n")
