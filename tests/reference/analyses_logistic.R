# Reference values for tests/test_analyses_logistic.py::test_against_r_glm.
# Run: Rscript tests/reference/analyses_logistic.R
nan <- NA
ONSET <- c(1, 2, nan, 3, 1, 4, 2, nan, 5, 1, 3, 2, 6, 1, nan, 4, 2, 3, 1, 5, 2, 3, 1, 1)
RECOV <- c(8, 12, nan, 15, 6, 20, 9, nan, 18, 7, 14, 10, 22, 5, nan, 16, 11, 13, 6, 19, 9, 17, 30, 2)
GRADE <- c(1, 2, 0, 3, 1, 4, 2, 0, 3, 1, 2, 1, 4, 1, 0, 3, 2, 2, 1, 4, 1, 3, 4, 0)
PHT <- c(0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0)
d <- data.frame(pht = PHT[1:22], onset = ONSET[1:22], recov = RECOV[1:22], grade = GRADE[1:22])
fit <- glm(pht ~ onset + recov + grade, family = binomial, data = d,
           control = glm.control(epsilon = 1e-14))
ci <- exp(confint.default(fit))[-1, ]
cat(sprintf("%.10g", c(exp(coef(fit))[-1], ci[, 1], ci[, 2], summary(fit)$coefficients[-1, 4])), sep = ", ")
cat("\n")
